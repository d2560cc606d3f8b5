/** Public surface of the policy runner (docs/ARCHITECTURE.md). */
export * from './types';
export { RunnerError, ConfigError, errorMessage } from './errors';
export type { RunnerErrorCode } from './errors';
export { runSession, type SessionOptions } from './session';
export { runFromConfig, prepareFromConfig, runBuilt, type RunFromConfigOptions, type BuiltSession } from './run-from-config';
export { parseRunnerConfig, readConfigFile, runnerConfigSchema, type RunnerConfig, type RunnerConfigInput } from './config';
export { buildConnector, buildCamera, buildTransport, type FactoryContext } from './factories';
export { ReachyMiniConnector, type ReachyConnectorConfig } from './connectors/reachy-mini';
export { ACTION_LAYOUT, STATE_LAYOUT } from './connectors/reachy-layout';
export { ReachyCamera, type ReachyCameraConfig } from './cameras/reachy';
export { WebSocketTransport, type WebSocketTransportOptions } from './transports/websocket';
export { HttpTransport, type HttpTransportOptions } from './transports/http';
export { OpenPiTransport, type OpenPiTransportOptions } from './transports/openpi';
export { startDemoPolicyServer, type DemoPolicyServer, type DemoServerOptions, type DemoFault } from './demo/server';
export { DemoPolicy } from './demo/policy';
export { createRunnerService } from './console-service';
