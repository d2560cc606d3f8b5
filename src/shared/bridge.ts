/**
 * The shape the Electron preload exposes as `window.reachyConsole` (contextBridge). Each ConsoleApi method is a
 * function returning the reply envelope (errors as values survive the context bridge; thrown errors would lose
 * their code), plus `onPush`. The renderer wraps it into the same ConsoleApi the browser-mode client gives.
 */
import type { ConsoleMethodName, ConsolePush, ApiErrorBody } from './console-api';

export type BridgeReply = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

export type ConsoleBridge = {
  [K in ConsoleMethodName]: (params: unknown) => Promise<BridgeReply>;
} & {
  onPush(listener: (push: ConsolePush) => void): () => void;
};

export const BRIDGE_GLOBAL = 'reachyConsole';
