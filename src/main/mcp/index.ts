/** Public surface of mcp: other subsystems import only from here. */
export { type AllowList, allowListFromFlags } from './allow-list';
export { appendCallRecord } from './call-log';
export { setConfigPathPicker } from './client-config';
export { defaultPanoramaDir } from './panorama';
export { guardStdout, serveStdio } from './stdio';
export { BridgeTools, requestTimeoutFromEnv } from './tools';
export { createMcpService } from './console-service';
export { policyFromFlags, type Policy } from './policy';
export { Supervisor } from './supervisor';
export { observeToolCalls, type ObservedToolCall } from './tool-observers';
