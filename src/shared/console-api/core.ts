/**
 * Core ConsoleApi methods (issue: console). Every robot action goes through the mesh invoke path; these methods
 * are the console's verbs, not a side door to the driver.
 */
import { z } from 'zod';
import type { DeviceInfo } from '../wire';
import { ConsoleApiError, method, type ApiErrorBody } from './protocol';
import { errorMessage } from '../errors';

export const meshSettings = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({
    kind: z.literal('nats'),
    urls: z.array(z.string().regex(/^(nats|tls|ws|wss):\/\/[^\s]+$/, 'must be nats://host:port (or tls://, ws://)')).min(1).max(16),
    /** Path on the machine running ConsoleHost; the file's content never reaches the renderer. */
    credentialsFile: z.string().max(4096).optional(),
    tenant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (1-64)').default('default'),
    discoveryMode: z.enum(['d2d', 'infra']).default('d2d'),
    allowInsecure: z.boolean().default(false),
  }),
]);
export type MeshSettings = z.infer<typeof meshSettings>;

/** `sim`, `host`, or `host:port` (target selection, README.md "Simulator"). */
export const targetString = z
  .string()
  .regex(/^(sim|[A-Za-z0-9.-]{1,253}(:\d{1,5})?)$/, "must be 'sim', a host name, or host:port");

export const settingsSchema = z.object({
  mesh: meshSettings.default({ kind: 'local' }),
  target: targetString.default('sim'),
  deviceId: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/).default('reachy-mini-1'),
  stateHz: z.number().min(0).max(50).default(20),
  media: z.boolean().default(true),
  simMode: z.enum(['robot', 'mockup']).default('robot'),
});
export type Settings = z.infer<typeof settingsSchema>;

export interface LogLine {
  ts: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  scope: string;
  message: string;
}

/** A change of the console's connections (mesh, simulator, driver and its robot link), as the host saw it. */
export interface ConnectionChange {
  ts: number;
  mesh: string;
  sim: string;
  driver: string;
}

export interface HostDiagnostics {
  generatedAt: string;
  versions: Record<string, string>;
  /** Credentials redacted (URL passwords, tokens; a credentials file is named as set, never shown). */
  settings: unknown;
  snapshot: ConsoleSnapshot;
  logs: LogLine[];
  connectionHistory: ConnectionChange[];
}

export interface ConsoleSnapshot {
  mesh: {
    kind: 'local' | 'nats';
    status: 'connected' | 'reconnecting' | 'disconnected' | 'connecting' | 'error';
    urls: string[];
    tenant: string;
    discoveryMode: 'd2d' | 'infra';
    /** true when a credentials file is configured (its path is shown, never its content). */
    hasCredentials: boolean;
    error?: string;
  };
  sim: { running: boolean; url?: string; mode?: 'robot' | 'mockup'; error?: string };
  driver: { running: boolean; deviceId?: string; target?: string; link?: string; error?: string };
  /** The console's own mesh identity (source of E-STOP events). */
  consoleDeviceId: string;
  /** Owner string the console uses for leases. */
  operatorOwner: string;
  busy?: { what: string; since: number };
}

/**
 * What `invoke` (and takeLease, releaseLease, resetInterlock) resolve with. Like every ConsoleApi method, a failure
 * (a refusal by the device, a timeout, no such device) rejects with a ConsoleApiError; its body carries `elapsedMs`.
 */
export interface InvokeResult {
  result: unknown;
  elapsedMs: number;
}

/** A settled invoke as a value, for views that show a refusal next to a result (see `settleInvoke`). */
export type InvokeOutcome = ({ ok: true } & InvokeResult) | { ok: false; error: ApiErrorBody; elapsedMs: number };

/** Turns an invoke's promise into an outcome value: the one place a view converts the rejection convention. */
export async function settleInvoke(call: Promise<InvokeResult>): Promise<InvokeOutcome> {
  const t0 = Date.now();
  try {
    return { ok: true, ...(await call) };
  } catch (err) {
    const body: ApiErrorBody = err instanceof ConsoleApiError ? err.body : { code: 'internal', message: errorMessage(err) };
    return { ok: false, error: body, elapsedMs: body.elapsedMs ?? Date.now() - t0 };
  }
}

const deviceId = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/, 'device id must match ^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$');
const eventPattern = z.union([z.literal('*'), z.string().regex(/^[A-Za-z0-9_-]+$/)]);

export const coreMethods = {
  getSnapshot: method<ConsoleSnapshot>()('Current mesh, simulator and driver state.', z.object({})),
  connectMesh: method<ConsoleSnapshot>()('Connect the console to a mesh (local or NATS).', meshSettings),
  disconnectMesh: method<ConsoleSnapshot>()('Disconnect from the mesh.', z.object({})),
  startSimulator: method<ConsoleSnapshot>()(
    'Start the bundled simulator.',
    z.object({ port: z.number().int().min(0).max(65535).optional(), mode: z.enum(['robot', 'mockup']).optional() }),
  ),
  stopSimulator: method<ConsoleSnapshot>()('Stop the bundled simulator.', z.object({})),
  startDriver: method<ConsoleSnapshot>()(
    'Start the bundled driver against a target (sim, host or host:port).',
    z.object({ target: targetString, deviceId: deviceId.optional(), stateHz: z.number().min(0).max(50).optional(), media: z.boolean().optional() }),
  ),
  stopDriver: method<ConsoleSnapshot>()('Stop the bundled driver.', z.object({})),
  listDevices: method<DeviceInfo[]>()('Devices on the mesh.', z.object({})),
  invoke: method<InvokeResult>()(
    'Invoke any function of any device through MeshClient.invoke.',
    z.object({
      deviceId,
      fn: z.string().min(1).max(128),
      params: z.record(z.string(), z.unknown()).default({}),
      timeoutMs: z.number().int().min(100).max(120_000).optional(),
    }),
  ),
  subscribe: method<{ subscriptionId: number }>()(
    'Subscribe to device events; they arrive as mesh_event pushes.',
    z.object({ deviceId: z.union([z.literal('*'), deviceId]), eventName: eventPattern }),
  ),
  unsubscribe: method<{ ok: true }>()('Stop a subscription.', z.object({ subscriptionId: z.number().int().nonnegative() })),
  takeLease: method<InvokeResult>()(
    'acquire_lease as the operator.',
    z.object({ deviceId, ttlS: z.number().min(1).max(300).default(30), preempt: z.boolean().default(false) }),
  ),
  releaseLease: method<InvokeResult>()('release_lease as the operator.', z.object({ deviceId })),
  estop: method<{ stopped: string[]; event: boolean }>()(
    'Emergency stop: emit emergency_stop on the mesh and stop_motion every reachable robot.',
    z.object({ reason: z.string().max(200).default('operator E-STOP') }),
  ),
  resetInterlock: method<InvokeResult>()(
    'reset_interlock as the operator.',
    z.object({ deviceId, reason: z.string().max(200).default('operator reset') }),
  ),
  exportDiagnostics: method<HostDiagnostics>()(
    'What a bug report needs from the host: versions, settings (credentials redacted), recent logs, connection history.',
    z.object({ logLimit: z.number().int().min(1).max(5000).default(1000) }),
  ),
  readLogs: method<LogLine[]>()('Recent log lines.', z.object({ limit: z.number().int().min(1).max(5000).default(500) })),
  loadSettings: method<Settings>()('Settings (file + env overrides).', z.object({})),
  saveSettings: method<Settings>()('Save settings atomically.', settingsSchema),
};
