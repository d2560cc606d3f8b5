/**
 * How ConsoleApi methods are declared and carried. One declaration per method (name + zod input schema); the
 * Electron preload, the browser-mode WebSocket client, ConsoleHost's dispatcher and the IPC wiring test all
 * derive from the same table, so a method cannot be exposed on one host and forgotten on the other.
 */
import { z } from 'zod';

export interface MethodDecl<I extends z.ZodType = z.ZodType, O = unknown> {
  input: I;
  /** Phantom: the result type. */
  output?: O;
  description: string;
}

/** `method<Result>()('what it does', zodInputSchema)` — the result type is declared, the input inferred. */
export function method<O>() {
  return <I extends z.ZodType>(description: string, input: I): MethodDecl<I, O> => ({ input, description });
}

export type MethodTable = Record<string, MethodDecl>;

/** The callable surface derived from a table. */
export type ApiOf<T extends MethodTable> = {
  [K in keyof T]: T[K] extends MethodDecl<infer I, infer O> ? (input: z.input<I>) => Promise<O> : never;
};

/**
 * The one error convention of the ConsoleApi: every method resolves with its result or rejects with a
 * ConsoleApiError carrying this body — a code and a sentence (docs/ARCHITECTURE.md, "Errors").
 */
export interface ApiErrorBody {
  code: 'bad_request' | 'not_found' | 'unavailable' | 'device_error' | 'timeout' | 'internal' | 'unauthorized';
  message: string;
  /** Field path for bad_request. */
  field?: string;
  /** For a device call (invoke and the lease/interlock verbs): how long it took to fail. */
  elapsedMs?: number;
}

export class ConsoleApiError extends Error {
  constructor(readonly body: ApiErrorBody) {
    super(body.message);
    this.name = 'ConsoleApiError';
  }
}

// Frames on the browser-mode WebSocket and the Electron IPC channel.
export const requestFrame = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof requestFrame>;

export type ReplyFrame =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ApiErrorBody };

export interface PushFrame {
  push: ConsolePush['type'];
  data: ConsolePush;
}

/** Server → UI notifications. Groups add their own members here. */
export type ConsolePush =
  | { type: 'mesh_event'; event: import('../wire').MeshEvent; subscriptionIds: number[] }
  | { type: 'snapshot'; snapshot: import('./core').ConsoleSnapshot }
  /** The mesh's device set (or a device's online state or availability) changed: list the devices again. */
  | { type: 'devices_changed' }
  | { type: 'log'; record: import('./core').LogLine }
  | { type: 'mcp_call'; call: import('./mcp').McpCallRecord }
  | { type: 'agents'; update: import('./agents').AgentsPush }
  | { type: 'panorama_progress'; progress: import('./panorama').PanoramaProgress }
  | { type: 'runner_heartbeat'; heartbeat: import('./runner').RunnerStatus };

/** Formats a zod error as "field: message" naming the first bad field. */
export function describeZodError(err: z.ZodError): { message: string; field?: string } {
  const issue = err.issues[0];
  if (!issue) return { message: 'invalid input' };
  const field = issue.path.map(String).join('.');
  return { message: field ? `${field}: ${issue.message}` : issue.message, field: field || undefined };
}
