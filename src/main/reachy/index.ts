/** Public surface of the Reachy daemon client (SPEC §3). */
export * from './types';
export { createDaemonClient } from './client';
export type { DaemonClientOptions } from './client';
export { resolveTarget, parseTargetString, targetForSimulator, transportModeFromEnv, makeTarget, SIM_TARGET } from './target';
export type { TargetInput } from './target';
export { browseRobots, discoverRobots, resolveLocalName } from './discovery';
export type { DiscoveredRobot, RobotBrowser } from './discovery';
export * as kinematics from './kinematics';
