/** Public surface of the Device Connect mesh. Other subsystems import only from here. */
export * from './types';
export type { MeshConnection, MeshMessage, MeshSubscription, SubscribeOptions } from './connection';
export { defineFunction, defineEvent, functionToWire, eventToWire, zodToWireSchema } from './schema';
export { DeviceRuntime, type DeviceRuntimeConfig } from './runtime';
export { createMeshClient, type MeshClientConfig } from './client';
export { createLocalMesh, defaultLocalMesh, LOCAL_MAX_PAYLOAD, type LocalMesh, type LocalConnectOptions } from './local';
export { openMesh, type OpenMeshOptions } from './open';
export { connectWithRetry, openMeshWithRetry, type PendingConnection, type RetryOptions } from './wait';
export { flattenDevice, summarizeFleet, matchesFilter, type DeviceFilter } from './device-info';
export { PresenceCollector } from './collector';
export { subjects } from './subjects';
export { isoSeconds } from './rpc';
export {
  meshConfigFromEnv,
  validateNatsConfig,
  describeMeshConfig,
  redactUrl,
  parseDiscoveryMode,
  type MeshConfigOverrides,
  type Env,
} from './config';
export { loadCredentialsFile, parseCredentialsText, type ParsedCredentials } from './credentials';
export { checkBrokerUrl, truthy } from './config';
export * from './open';
export { TENANT_PATTERN } from './subjects';
export { withJsonText } from './result-json';
export { observeInvokes, hasInvokeObservers, type InvokeObserver, type ObservedCall, type ObservedOutcome } from './observe';
