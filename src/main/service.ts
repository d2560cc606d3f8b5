/**
 * How a subsystem plugs its ConsoleApi method group into ConsoleHost without ConsoleHost knowing its internals
 * (Foxglove-style: panels and services over one pipeline). mcp, panorama and runner each export
 * `create<X>Service(ctx)` from their index.ts; src/main/app/services.ts lists them and ConsoleHost registers the handlers.
 */
import type { z } from 'zod';
import type { MeshClient } from './mesh';
import type { Logger } from './log';
import type { ConsolePush, MethodTable, ReplyFrame } from '../shared/console-api';

export interface ConsoleServiceContext {
  /** The console's current mesh client; throws a readable Error when the console is not connected. */
  mesh(): MeshClient;
  /** Sends a push frame to every connected UI. */
  push(p: ConsolePush): void;
  logger: Logger;
  /** A writable folder for outputs (panorama scans, configs); created on demand. */
  dataDir: string;
}

export type ServiceHandlers<T extends MethodTable> = {
  [K in keyof T]: (input: z.output<T[K]['input']>) => Promise<unknown>;
};

export interface ConsoleService<T extends MethodTable> {
  handlers: ServiceHandlers<T>;
  close(): Promise<void>;
}

/** One entry of the static service list the composition root hands to ConsoleHost. */
export interface ConsoleServiceFactory {
  area: string;
  create(ctx: ConsoleServiceContext): ConsoleService<MethodTable> | Promise<ConsoleService<MethodTable>>;
}

/** One UI connection (a WebSocket, an Electron window) to the console; transports see only this. */
export interface ConsoleSession {
  readonly id: number;
  /** Handles a raw request frame (already JSON-decoded); always resolves to a reply. */
  handle(frame: unknown): Promise<ReplyFrame>;
  close(): void;
}
