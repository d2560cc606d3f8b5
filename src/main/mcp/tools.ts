/**
 * The five bridge tools as plain async functions over MeshClient (reference `mcp/bridge.py`): each returns the
 * exact JSON text the reference returns, so the MCP layer (server.ts) and the console can share them. Every
 * call is reported through `onCall` for the tool-call log. Robot actions go only through MeshClient.invoke.
 */
import type { MeshClient } from '../mesh/types';
import { MeshError } from '../mesh/types';
import type { DeviceInfo, JsonObject } from '../../shared/wire';
import type { McpCallRecord } from '../../shared/console-api/mcp';
import type { Logger } from '../log';
import type { AllowList } from './allow-list';
import { EventHub } from './events';
import type { BridgeEvent } from './events';
import { dumps, dumpsIndent, pyFloat } from './pyjson';
import {
  SMALL_FLEET_HINT,
  aggregateFleet,
  compactDevice,
  extractStatus,
  fullDevice,
  fuzzyFilterByType,
  groupDevices,
  smallFleetThreshold,
} from './fleet';

export interface ListDevicesArgs {
  device_type?: string;
  location?: string;
  status?: string;
  group_by?: string;
  offset?: number;
  limit?: number;
}

export interface InvokeDeviceArgs {
  device_id: string;
  function: string;
  arguments?: string;
}

export interface WaitForEventArgs {
  device_id: string;
  timeout_seconds?: number;
  event_name?: string;
  match_params?: string;
}

export interface BridgeToolsOptions {
  /** The mesh to use; a function so a host can swap connections under a running bridge. */
  mesh: () => MeshClient;
  logger: Logger;
  allow?: AllowList | null;
  /** invoke timeout (MCP_REQUEST_TIMEOUT, default 30 s). */
  requestTimeoutMs?: number;
  /** DEVICE_CONNECT_SMALL_FLEET_THRESHOLD (default from env, 5). */
  smallFleetThreshold?: number;
  onCall?: (record: McpCallRecord) => void;
}

interface Outcome {
  text: string;
  ok: boolean;
  summary: string;
}

/** MCP_REQUEST_TIMEOUT (seconds, default 30) in ms; bad values fall back to 30 s. */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MCP_REQUEST_TIMEOUT;
  const s = raw === undefined || raw.trim() === '' ? 30 : Number(raw);
  return Number.isFinite(s) && s > 0 && s <= 3600 ? s * 1000 : 30_000;
}

function parseJsonObject(text: string | undefined, what: string): { ok: true; value: JsonObject } | { ok: false; error: string } {
  if (!text) return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Invalid JSON ${what}: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    return { ok: false, error: `Invalid JSON ${what}: expected a JSON object such as {"key": "value"}, got ${kind}` };
  }
  return { ok: true, value: parsed as JsonObject };
}

const clip = (s: string, n = 160): string => (s.length > n ? s.slice(0, n - 1) + '\u2026' : s);

/** Arguments as logged: big payloads (pushed frames, audio) are cut so the call log stays small. */
function loggedArgs(args: unknown): unknown {
  if (args === null || typeof args !== 'object') return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    out[k] = typeof v === 'string' && v.length > 2000 ? `${v.slice(0, 200)}\u2026 (${v.length} chars)` : v;
  }
  return out;
}

export class BridgeTools {
  readonly events: EventHub;
  private readonly timeoutMs: number;
  private readonly threshold: number;
  private readonly log: Logger;

  constructor(private readonly opts: BridgeToolsOptions) {
    this.events = new EventHub(opts.mesh);
    this.timeoutMs = opts.requestTimeoutMs ?? requestTimeoutFromEnv();
    this.threshold = opts.smallFleetThreshold ?? smallFleetThreshold();
    this.log = opts.logger;
  }

  get allowList(): AllowList | null {
    return this.opts.allow ?? null;
  }

  private async record(tool: string, args: unknown, run: () => Promise<Outcome>): Promise<string> {
    const t0 = performance.now();
    let out: Outcome;
    try {
      out = await run();
    } catch (err) {
      // Discovery failures and other surprises become a readable tool result, never a crash.
      const message = err instanceof Error ? err.message : String(err);
      out = { text: dumps({ success: false, error: message }), ok: false, summary: clip(message) };
    }
    const elapsedMs = performance.now() - t0;
    this.log.info(`tool ${tool} ${out.ok ? 'ok' : 'failed'} in ${elapsedMs.toFixed(1)} ms: ${out.summary}`);
    if (this.opts.onCall) {
      try {
        this.opts.onCall({ ts: Date.now(), tool, arguments: loggedArgs(args), ok: out.ok, summary: out.summary, elapsedMs });
      } catch (err) {
        this.log.warn(`tool-call log sink failed: ${(err as Error).message}`);
      }
    }
    return out.text;
  }

  private async onlineDevices(filter?: { location?: string }): Promise<DeviceInfo[]> {
    const devices = await this.opts.mesh().listDevices(filter?.location ? { location: filter.location } : undefined);
    return devices.filter((d) => d.online !== false);
  }

  describeFleet(): Promise<string> {
    return this.record('describe_fleet', {}, async () => {
      const devices = await this.onlineDevices();
      const result = aggregateFleet(devices);
      if (this.threshold > 0 && devices.length <= this.threshold) {
        result.devices = devices.map(fullDevice);
        result.hint = SMALL_FLEET_HINT;
      }
      return { text: dumpsIndent(result), ok: true, summary: `${devices.length} devices` };
    });
  }

  listDevices(args: ListDevicesArgs): Promise<string> {
    return this.record('list_devices', args, async () => {
      const { device_type = '', location = '', status = '', group_by = '', offset = 0, limit = 20 } = args;
      let devices = await this.onlineDevices({ location: location || undefined });
      if (device_type) devices = fuzzyFilterByType(devices, device_type);
      if (status) {
        const s = status.toLowerCase();
        devices = devices.filter((d) => extractStatus(d).toLowerCase().includes(s));
      }
      const total = devices.length;
      const expand = this.threshold > 0 && total <= this.threshold;
      if (group_by === 'location' || group_by === 'device_type') {
        const result = groupDevices(devices, group_by, expand);
        return { text: dumpsIndent(result), ok: true, summary: `${total} devices in ${Object.keys(result.groups).length} groups` };
      }
      const page = devices.slice(offset, offset + limit);
      const result = {
        devices: page.map((d) => compactDevice(d, expand)),
        total,
        offset,
        limit,
        has_more: offset + limit < total,
      };
      return { text: dumpsIndent(result), ok: true, summary: `${page.length} of ${total} devices` };
    });
  }

  getDeviceFunctions(args: { device_id: string }): Promise<string> {
    return this.record('get_device_functions', args, async () => {
      const device = await this.opts.mesh().getDevice(args.device_id);
      if (!device || device.online === false) {
        const error = `Device ${args.device_id} not found`;
        return { text: dumps({ error }), ok: false, summary: error };
      }
      const full = fullDevice(device);
      return { text: dumpsIndent(full), ok: true, summary: `${full.functions.length} functions` };
    });
  }

  invokeDevice(args: InvokeDeviceArgs): Promise<string> {
    return this.record('invoke_device', args, async () => {
      const { device_id: id, function: fn } = args;
      const fail = (error: string): Outcome => ({ text: dumps({ success: false, error }), ok: false, summary: clip(`${id}::${fn}: ${error}`) });
      const parsed = parseJsonObject(args.arguments, 'arguments');
      if (!parsed.ok) return fail(parsed.error);
      const allow = this.opts.allow;
      if (allow && !allow.allows(fn)) return fail(allow.refusal(fn));
      const mesh = this.opts.mesh();
      // Subscribe before the request goes out so events fired by this call land in the ring.
      this.events.pin(id);
      try {
        const result = await mesh.invoke(id, fn, parsed.value, { timeoutMs: this.timeoutMs });
        return { text: dumpsIndent({ success: true, result }), ok: true, summary: `${id}::${fn}` };
      } catch (err) {
        return fail(this.invokeError(mesh, id, fn, err));
      }
    });
  }

  /** The reference router's wording for each failure. */
  private invokeError(mesh: MeshClient, id: string, fn: string, err: unknown): string {
    if (!(err instanceof MeshError)) return `Failed to invoke ${id}::${fn}: ${err instanceof Error ? err.message : String(err)}`;
    switch (err.code) {
      case 'unknown_method':
        return `Function '${fn}' not found on device '${id}'`;
      case 'device_error':
      case 'rpc_error':
        return `Device error: ${err.message}`;
      case 'timeout': {
        const subject = err.details.subject ?? `device-connect.${mesh.tenant}.${id}.cmd`;
        const ms = err.details.timeoutMs ?? this.timeoutMs;
        return `Failed to invoke ${id}::${fn}: Request to ${subject} timed out after ${pyFloat(ms / 1000)}s`;
      }
      case 'no_responders':
        return `Failed to invoke ${id}::${fn}: nats: no responders available for request`;
      default:
        return `Failed to invoke ${id}::${fn}: ${err.message}`;
    }
  }

  waitForEvent(args: WaitForEventArgs, signal?: AbortSignal): Promise<string> {
    return this.record('wait_for_event', args, async () => {
      const { device_id: id, timeout_seconds = 60, event_name = '' } = args;
      const match = parseJsonObject(args.match_params, 'match_params');
      if (!match.ok) return { text: dumps({ success: false, error: match.error }), ok: false, summary: match.error };
      const matchParams = Object.keys(match.value).length ? match.value : null;
      const event: BridgeEvent | null = await this.events.wait(id, timeout_seconds * 1000, event_name, matchParams, signal);
      if (!event) return { text: dumpsIndent({ timeout: true, device_id: id }), ok: false, summary: `${id}: timeout` };
      return { text: dumpsIndent(event), ok: true, summary: `${id}: ${event.event_name}` };
    });
  }

  /** Online device ids (for resources/list). */
  async listKnownDeviceIds(): Promise<string[]> {
    return (await this.onlineDevices()).map((d) => d.device_id);
  }

  /** `events://devices/{id}/latest` content. */
  latestEventText(deviceId: string): string {
    const e = this.events.latest(deviceId);
    return dumps(e ?? { device_id: deviceId, event_name: null, params: {} });
  }

  close(): void {
    this.events.close();
  }
}
