/**
 * Electron preload (sandboxed, context-isolated): exposes the ConsoleApi as `window.reachyConsole` through
 * contextBridge — one narrow function per method; the renderer never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConsolePush } from '../shared/console-api';
import type { BridgeReply } from '../shared/bridge';
import { BRIDGE_GLOBAL } from '../shared/bridge';
import { IPC_PUSH_CHANNEL } from '../shared/ipc-channels';
import { createPreloadApi } from './api';

const api = createPreloadApi(
  (channel, params) => ipcRenderer.invoke(channel, params) as Promise<BridgeReply>,
  (listener) => {
    const wrapped = (_e: IpcRendererEvent, push: ConsolePush): void => listener(push);
    ipcRenderer.on(IPC_PUSH_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_PUSH_CHANNEL, wrapped);
    };
  },
);

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, api);
