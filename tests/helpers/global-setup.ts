// Global setup for the test run. Subsystems add their one-time preparation here
// (e.g. building the renderer bundle for e2e tests) through tests/helpers/setup-steps.ts.
import { runSetupSteps } from './setup-steps';

export default async function setup(): Promise<void> {
  await runSetupSteps();
}
