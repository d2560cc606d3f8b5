/** Electron IPC channel names: one per ConsoleApi method, plus the push channel. Shared by main and preload. */
export const IPC_METHOD_PREFIX = 'console:call:';
export const IPC_PUSH_CHANNEL = 'console:push';
export const ipcChannel = (method: string): string => `${IPC_METHOD_PREFIX}${method}`;
