/** Public surface of the Reachy Mini driver (docs/SAFETY.md). */
export { createReachyDriver, type ReachyDriver, type ReachyDriverOptions, type DriverStartOptions, type DriverCounters } from './driver';
export { startReachyDriver, type StartReachyDriverOptions, type ReachyDriverHandle } from './start';
export type {
  DriverFunctionGroup,
  DriverFunctionGroupFactory,
  DriverGroupDeps,
  DriverStateAccess,
  MediaSource,
  MediaStatePatch,
} from './function-group';
export { DriverRefusal, type RefusalKind } from './limits';
export { EMERGENCY_STOP_EVENT, SAFETY_EVENT, STATE_EVENT } from './events';
export type { TripInfo, TripSource } from './interlock';
export type { ExecutionState, Availability } from './state-mirror';
export * from './start';
export { declaredFunctions } from './catalogue';
export { LATCH_FILE, LatchStore, asideName, latchTarget } from './latch-store';
