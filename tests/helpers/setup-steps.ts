/** One-time steps before the suite; each must be idempotent and fast when already done. */
export async function runSetupSteps(): Promise<void> {
  // e2e: the renderer bundle is built here once the console lands (see tests/helpers/renderer-build.ts).
}
