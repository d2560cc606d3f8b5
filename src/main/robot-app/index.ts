/** Public surface of robot-app: other subsystems import only from here. */
export { type Check, credentialsCheck, probeBrokerAuth, probeBrokerTcp, probeDaemon, probeMdns, probeMedia, probeMotors, probePort, probeWebrtc, probeWsSdk } from './probes';
export { PRIOR_FLAGS_HELP, PRIOR_FLAG_OPTIONS, applyPriorDriverFlags, resolveRunConfig, summarizeCredentials } from './resolve';
export { startRobotAppServer } from './server';
export { DEFAULT_SETTINGS, type EffectiveSettings, type Env, SettingsError, defaultSettingsPath, effectiveSettings, readSettingsFile } from './settings';
export { DriverSupervisor } from './supervisor';
export * from './token';
export { credentialsPathFor, targetFor } from './validate';
export type { RobotAppStack, SupervisorOptions } from './supervisor';
