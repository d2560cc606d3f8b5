/** Public surface of console: other subsystems import only from here. */
export { type Backends, type DriverHandle, type DriverStartOptions, type MeshHandle, type SimHandle } from './backends';
export { ConsoleHost } from './host';
export { type IpcEventLike, createIpcHandlers, makeSenderCheck } from './ipc';
