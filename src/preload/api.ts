/**
 * Builds the object the preload exposes (no `electron` import here, so it is unit-tested): one function per
 * ConsoleApi method, each bound to its own IPC channel, plus onPush. No raw ipcRenderer, no generic send.
 */
import { consoleMethods, type ConsoleMethodName, type ConsolePush } from '../shared/console-api';
import type { BridgeReply, ConsoleBridge } from '../shared/bridge';
import { ipcChannel } from '../shared/ipc-channels';

export function createPreloadApi(
  invoke: (channel: string, params: unknown) => Promise<BridgeReply>,
  subscribePush: (listener: (push: ConsolePush) => void) => () => void,
): ConsoleBridge {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(consoleMethods) as ConsoleMethodName[]) {
    const channel = ipcChannel(method);
    api[method] = (params: unknown) => invoke(channel, params ?? {});
  }
  api.onPush = (listener: (push: ConsolePush) => void) => subscribePush(listener);
  return api as ConsoleBridge;
}
