import { ensureRendererBuilt } from './renderer-build';

/** One-time steps before the suite; each must be idempotent and fast when already done. */
export async function runSetupSteps(): Promise<void> {
  // e2e: the console UI bundle the browser-mode tests load.
  await ensureRendererBuilt();
}
