/**
 * The driver's function table as declared (names, wire parameter schemas, labels), without a daemon or a mesh: the
 * source scripts/gen-function-catalogue.ts turns into src/shared/function-catalogue.ts. The daemon client is built
 * but never started, so nothing connects.
 */
import { createDaemonClient, makeTarget } from '../reachy';
import { functionToWire } from '../mesh';
import type { FunctionDef } from '../../shared/wire';
import { createReachyDriver } from './driver';
import { createMediaFunctions } from './media';

export function declaredFunctions(): FunctionDef[] {
  const daemon = createDaemonClient({ target: makeTarget('sim', '127.0.0.1', 9) });
  const driver = createReachyDriver({ daemon, stateHz: 0, heartbeatLogS: 0, groups: [(deps) => createMediaFunctions(deps)] });
  return driver.functions.map((f) => functionToWire(f));
}
