/** The whole ConsoleApi: the union of the method groups. */
import { coreMethods } from './core';
import { agentsMethods } from './agents';
import { mcpMethods } from './mcp';
import { panoramaMethods } from './panorama';
import { runnerMethods } from './runner';
import { recordMethods } from './record';
import type { ApiOf, ConsolePush } from './protocol';

export const consoleMethods = { ...coreMethods, ...mcpMethods, ...agentsMethods, ...panoramaMethods, ...runnerMethods, ...recordMethods };
export type ConsoleMethods = typeof consoleMethods;
export type ConsoleMethodName = keyof ConsoleMethods & string;

export type ConsoleApi = ApiOf<ConsoleMethods> & {
  /** Push channel (mesh events, snapshots, logs, progress). Returns an unsubscribe function. */
  onPush(listener: (push: ConsolePush) => void): () => void;
};

export * from './protocol';
export * from './core';
export type { McpCallRecord } from './mcp';
export type { PanoramaProgress } from './panorama';
export type { RunnerStatus } from './runner';
export type { RecordStatus, ReplayInfo, ReplayMessage, ReplayWindow, RecordingFile } from './record';
