/**
 * The five bridge tools as plain async functions over MeshClient (reference `mcp/bridge.py`): each returns the
 * exact JSON text the reference returns (plus whether the call failed, and an image when the function declares an
 * image result), so the MCP layer (server.ts) and the console can share them. Every call is reported through
 * `onCall` for the tool-call log. Robot actions go only through MeshClient.invoke.
 */
import { errorMessage } from '../../shared/errors';
import { join } from 'node:path';
import type { MeshClient } from '../mesh';
import { MeshError } from '../mesh';
import type { DeviceInfo, JsonObject, Labels } from '../../shared/wire';
import { DEVICE_TYPE } from '../../shared/reachy';
import type { McpCallRecord } from '../../shared/console-api/mcp';
import type { Logger } from '../log';
import { accessOf } from './allow-list';
import type { AllowList } from './allow-list';
import { EventHub } from './events';
import type { BridgeEvent } from './events';
import { dumps, dumpsIndent, pyFloat } from './pyjson';
import type { CallerContext, Supervisor } from './supervisor';
import { reportToolCall } from './tool-observers';

/** How recordings name the invokes an MCP agent's tool calls make. */
export const MCP_AGENT_CALLER = 'mcp-agent';
import {
  SMALL_FLEET_HINT,
  aggregateFleet,
  boundedAggregate,
  extractStatus,
  fullDevice,
  fuzzyFilterByType,
  groupedPage,
  listPage,
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
  /**
   * The bridge's mesh is its own in-process one (`mcp --sim`): an unknown device is then named with the devices
   * that exist instead of the broker's "no responders", since no broker is involved.
   */
  inProcessMesh?: boolean;
  /** Calls that may act on a device (not labelled access=read) wait for this first (`mcp --sim`: the wake-up). */
  ready?: () => Promise<void>;
  /** Where panoramas live: `panorama://latest` reads the newest, the look-around prompt scans into it. */
  panoramaDir?: string;
  /** Supervision of agents (policy, asking a human, guard rails, revoke, timeline): every invoke passes it. */
  supervisor?: Supervisor | null;
}

export interface LookAroundArgs {
  device_id?: string;
  /** quick: one pitch row (6 frames); full: three rows (18 frames). */
  detail?: 'quick' | 'full';
}

export interface LookAroundResult {
  deviceId: string;
  outputDir: string;
  image: ToolImage & { width: number; height: number };
  framesCaptured: number;
  framesPlanned: number;
  status: string;
}

/** An image a function returned, for an MCP `image` content block. */
export interface ToolImage {
  /** base64 */
  data: string;
  mimeType: string;
}

/** One tool call's answer: the reference JSON text, whether it failed, and an image when there is one. */
export interface ToolResult {
  text: string;
  isError: boolean;
  image?: ToolImage;
}

interface Outcome {
  text: string;
  ok: boolean;
  summary: string;
  /** Defaults to !ok; a wait that timed out is not ok for the log but is no error either. */
  isError?: boolean;
  image?: ToolImage;
}

/** A failed call kept for the "check the robot" prompt. */
export interface RecentFailure {
  ts: number;
  tool: string;
  device_id: string;
  function?: string;
  error: string;
}

const IMAGE_MIME: Record<string, string> = { jpeg: 'image/jpeg', jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };
const LABEL_TTL_MS = 10_000;

/**
 * The image in a result of a function labelled `result: image`: base64 `data_b64` plus its `format` (jpeg, png, …)
 * or `mime_type`. Null when the result holds no image an MCP client can show (e.g. raw RGB).
 */
export function imageOfResult(result: unknown): { image: ToolImage; rest: JsonObject } | null {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return null;
  const { data_b64: data, ...rest } = result as JsonObject;
  if (typeof data !== 'string' || data.length === 0) return null;
  const mime = typeof rest.mime_type === 'string' && rest.mime_type.startsWith('image/') ? rest.mime_type : IMAGE_MIME[String(rest.format ?? '').toLowerCase()];
  if (!mime) return null;
  return { image: { data, mimeType: mime }, rest };
}

/** MCP_REQUEST_TIMEOUT (seconds, default 30) in ms; bad values fall back to 30 s. */
export function requestTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MCP_REQUEST_TIMEOUT;
  const s = raw === undefined || raw.trim() === '' ? 30 : Number(raw);
  return Number.isFinite(s) && s > 0 && s <= 3600 ? s * 1000 : 30_000;
}

/** Parses a JSON-object argument; `prefix` starts the error as the reference words it for that argument. */
function parseJsonObject(text: string | undefined, prefix: string): { ok: true; value: JsonObject } | { ok: false; error: string } {
  if (!text) return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${prefix}${errorMessage(err)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    return { ok: false, error: `${prefix}expected a JSON object such as {"key": "value"}, got ${kind}` };
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
  private readonly labelCache = new Map<string, { at: number; fns: Map<string, Labels | null> | null; params: Map<string, string[]> }>();
  private readonly failures: RecentFailure[] = [];
  private isReady = false;

  constructor(private readonly opts: BridgeToolsOptions) {
    this.events = new EventHub(opts.mesh);
    this.timeoutMs = opts.requestTimeoutMs ?? requestTimeoutFromEnv();
    this.threshold = opts.smallFleetThreshold ?? smallFleetThreshold();
    this.log = opts.logger;
  }

  get allowList(): AllowList | null {
    return this.opts.allow ?? null;
  }

  private async record(tool: string, args: unknown, run: () => Promise<Outcome>): Promise<ToolResult> {
    const t0 = performance.now();
    const startedAt = Date.now();
    let out: Outcome;
    try {
      out = await run();
    } catch (err) {
      // Discovery failures and other surprises become a readable tool result, never a crash.
      const message = errorMessage(err);
      out = { text: dumps({ success: false, error: message }), ok: false, summary: clip(message) };
    }
    const isError = out.isError ?? !out.ok;
    if (isError) this.remember(tool, args, out.summary);
    const elapsedMs = performance.now() - t0;
    this.log.info(`tool ${tool} ${out.ok ? 'ok' : 'failed'} in ${elapsedMs.toFixed(1)} ms: ${out.summary}`);
    if (this.opts.onCall) {
      try {
        this.opts.onCall({ ts: Date.now(), tool, arguments: loggedArgs(args), ok: out.ok, summary: out.summary, elapsedMs });
      } catch (err) {
        this.log.warn(`tool-call log sink failed: ${errorMessage(err)}`);
      }
    }
    reportToolCall({ tool, arguments: args, startedAt, durationMs: elapsedMs, isError, text: out.text });
    return out.image ? { text: out.text, isError, image: out.image } : { text: out.text, isError };
  }

  private remember(tool: string, args: unknown, summary: string): void {
    const a = (args ?? {}) as { device_id?: unknown; function?: unknown };
    if (typeof a.device_id !== 'string') return;
    this.failures.push({
      ts: Date.now(),
      tool,
      device_id: a.device_id,
      ...(typeof a.function === 'string' ? { function: a.function } : {}),
      error: summary,
    });
    if (this.failures.length > 50) this.failures.splice(0, this.failures.length - 50);
  }

  /** The last failed calls this bridge made on a device (newest last). */
  recentFailures(deviceId: string, limit = 5): RecentFailure[] {
    return this.failures.filter((f) => f.device_id === deviceId).slice(-limit);
  }

  /** Discovery errors in words an operator can act on. */
  private discoveryError(mesh: MeshClient, err: unknown): Error {
    if (mesh.discoveryMode === 'infra' && err instanceof MeshError && (err.code === 'no_responders' || err.code === 'timeout')) {
      return new Error(
        `No Device Connect registry answered on device-connect.${mesh.tenant}.discovery (${err.message}). This bridge ` +
          'uses infra discovery, the default with a NATS URL, which needs a registry service. If the devices announce ' +
          'themselves peer to peer instead, set DEVICE_CONNECT_DISCOVERY_MODE=d2d in the bridge\'s environment.',
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  private async onlineDevices(filter?: { location?: string }): Promise<DeviceInfo[]> {
    const mesh = this.opts.mesh();
    let devices: DeviceInfo[];
    try {
      devices = await mesh.listDevices(filter?.location ? { location: filter.location } : undefined);
    } catch (err) {
      throw this.discoveryError(mesh, err);
    }
    return devices.filter((d) => d.online !== false);
  }

  /**
   * One device from discovery. In D2D mode the collector's view answers at once (the mesh client's getDevice
   * waits for a device that may just be appearing); the registry answers in infra mode.
   */
  async findDevice(deviceId: string): Promise<DeviceInfo | null> {
    const mesh = this.opts.mesh();
    try {
      const device =
        mesh.discoveryMode === 'd2d' ? ((await mesh.listDevices()).find((d) => d.device_id === deviceId) ?? null) : await mesh.getDevice(deviceId);
      return device && device.online !== false ? device : null;
    } catch (err) {
      throw this.discoveryError(mesh, err);
    }
  }

  /** A function's declared labels (cached briefly); `known` is false when discovery does not know it. */
  async functionLabels(deviceId: string, fn: string): Promise<{ known: boolean; labels: Labels | null }> {
    const now = Date.now();
    let entry = this.labelCache.get(deviceId);
    // An unknown device is asked again soon: it may just be appearing.
    const ttl = entry?.fns ? LABEL_TTL_MS : 1000;
    if (!entry || now - entry.at > ttl || (entry.fns && !entry.fns.has(fn))) {
      const device = await this.findDevice(deviceId).catch(() => null);
      entry = {
        at: now,
        fns: device ? new Map(device.functions.map((f) => [f.name, f.labels ?? null])) : null,
        params: new Map((device?.functions ?? []).map((f) => [f.name, Object.keys(f.parameters?.properties ?? {})])),
      };
      if (this.labelCache.size > 1000) this.labelCache.clear();
      this.labelCache.set(deviceId, entry);
    }
    if (!entry.fns || !entry.fns.has(fn)) return { known: false, labels: null };
    return { known: true, labels: entry.fns.get(fn) ?? null };
  }

  /** A function's declared parameter names (after functionLabels filled the cache), null when unknown. */
  private functionParams(deviceId: string, fn: string): string[] | null {
    return this.labelCache.get(deviceId)?.params.get(fn) ?? null;
  }

  get supervisor(): Supervisor | null {
    return this.opts.supervisor ?? null;
  }

  /** The supervisor's gate for one call (a pass-through when the bridge is not supervised). */
  private async supervise(caller: CallerContext | undefined, id: string, fn: string, args: JsonObject) {
    const sup = this.opts.supervisor;
    if (!sup) return { ok: true as const, params: args, sourceDevice: undefined, done: () => undefined };
    const { known, labels } = await this.functionLabels(id, fn);
    return sup.gate(caller ?? { agent: 'agent' }, { deviceId: id, fn, args, labels, known, params: this.functionParams(id, fn) });
  }

  describeFleet(): Promise<ToolResult> {
    return this.record('describe_fleet', {}, async () => {
      const devices = await this.onlineDevices();
      const result = aggregateFleet(devices);
      if (this.threshold > 0 && devices.length <= this.threshold) {
        result.devices = devices.map(fullDevice);
        result.hint = SMALL_FLEET_HINT;
      }
      return { text: boundedAggregate(result, dumpsIndent), ok: true, summary: `${devices.length} devices` };
    });
  }

  listDevices(args: ListDevicesArgs): Promise<ToolResult> {
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
      // Pages and groups stay under the reply cap however large the fleet (see fleet.ts).
      const paging = { offset, limit, expand, dump: dumpsIndent };
      if (group_by === 'location' || group_by === 'device_type') {
        const grouped = groupedPage(devices, group_by, paging);
        return { text: grouped.text, ok: true, summary: `${total} devices in ${grouped.groups} groups` };
      }
      const page = listPage(devices, paging);
      return { text: page.text, ok: true, summary: `${page.shown} of ${total} devices` };
    });
  }

  getDeviceFunctions(args: { device_id: string }): Promise<ToolResult> {
    return this.record('get_device_functions', args, async () => {
      const device = await this.findDevice(args.device_id);
      if (!device) {
        const error = `Device ${args.device_id} not found`;
        return { text: dumps({ error }), ok: false, summary: error };
      }
      const full = fullDevice(device);
      return { text: dumpsIndent(full), ok: true, summary: `${full.functions.length} functions` };
    });
  }

  invokeDevice(args: InvokeDeviceArgs, caller?: CallerContext): Promise<ToolResult> {
    return this.record('invoke_device', args, async () => {
      const { device_id: id, function: fn } = args;
      const fail = (error: string): Outcome => ({ text: dumps({ success: false, error }), ok: false, summary: clip(`${id}::${fn}: ${error}`) });
      const parsed = parseJsonObject(args.arguments, 'Invalid JSON arguments: ');
      if (!parsed.ok) return fail(parsed.error);
      const refusal = await this.refusal(id, fn);
      if (refusal) return fail(refusal);
      // Policy, guard rails and a human's answer come before anything reaches the mesh.
      const gate = await this.supervise(caller, id, fn, parsed.value);
      if (!gate.ok) return fail(gate.error);
      const out = await this.invokeGated(id, fn, gate.params, gate.sourceDevice, fail);
      gate.done({ ok: out.ok, summary: out.summary, ...(out.image ? { image: out.image } : {}) });
      return out;
    });
  }

  private async invokeGated(id: string, fn: string, params: JsonObject, sourceDevice: string | undefined, fail: (e: string) => Outcome): Promise<Outcome> {
    await this.untilReady(id, fn);
    const mesh = this.opts.mesh();
    // Subscribe before the request goes out so events fired by this call land in the ring.
    this.events.pin(id);
    let result: unknown;
    try {
      // Recordings attribute this invoke to the agent.
      result = await mesh.invoke(id, fn, params, { timeoutMs: this.timeoutMs, caller: MCP_AGENT_CALLER, ...(sourceDevice ? { sourceDevice } : {}) });
    } catch (err) {
      return fail(await this.invokeError(mesh, id, fn, err));
    }
    const image = await this.imageResult(id, fn, result);
    if (image) {
      const note = `${image.image.mimeType}, ${Buffer.byteLength(image.image.data, 'base64')} bytes, sent as an MCP image content block`;
      return { text: dumpsIndent({ success: true, result: { ...image.rest, image: note } }), ok: true, summary: `${id}::${fn} (image)`, image: image.image };
    }
    return { text: dumpsIndent({ success: true, result }), ok: true, summary: `${id}::${fn}` };
  }

  /** Null when this bridge may invoke `fn` on `id`, else the allow-list's refusal sentence. */
  async refusal(id: string, fn: string): Promise<string | null> {
    const allow = this.opts.allow;
    if (!allow || allow.allowsName(fn)) return null;
    const { known, labels } = await this.functionLabels(id, fn);
    return allow.check(fn, labels, known);
  }

  /**
   * Waits for the `ready` gate (mcp --sim: the robot's wake-up) before a call that may act on the robot; functions
   * labelled access=read only observe and go ahead at once.
   */
  private async untilReady(id: string, fn: string): Promise<void> {
    if (!this.opts.ready || this.isReady) return;
    const { labels } = await this.functionLabels(id, fn);
    if (accessOf(labels) === 'read') return;
    await this.opts.ready();
    this.isReady = true;
  }

  /** The bridge's mesh for jobs it runs itself (a panorama scan): every invoke passes the allow-list first. */
  private guardedMesh(caller?: CallerContext): MeshClient {
    const mesh = this.opts.mesh();
    return {
      get tenant() {
        return mesh.tenant;
      },
      get discoveryMode() {
        return mesh.discoveryMode;
      },
      invoke: async (id, fn, params, opts) => {
        const refusal = await this.refusal(id, fn);
        if (refusal) throw new MeshError('device_error', refusal);
        const gate = await this.supervise(caller, id, fn, params ?? {});
        if (!gate.ok) throw new MeshError('device_error', gate.error);
        await this.untilReady(id, fn);
        try {
          const result = await mesh.invoke(id, fn, gate.params, { caller: MCP_AGENT_CALLER, ...opts, ...(gate.sourceDevice ? { sourceDevice: gate.sourceDevice } : {}) });
          gate.done({ ok: true, summary: `${id}::${fn}` });
          return result;
        } catch (err) {
          gate.done({ ok: false, summary: `${id}::${fn}: ${errorMessage(err)}` });
          throw err;
        }
      },
      subscribe: (id, ev, handler) => mesh.subscribe(id, ev, handler),
      listDevices: (filter) => mesh.listDevices(filter),
      getDevice: (id) => mesh.getDevice(id),
      describeFleet: () => mesh.describeFleet(),
      onDevicesChanged: (cb) => mesh.onDevicesChanged(cb),
      connectionStatus: () => mesh.connectionStatus(),
      onConnectionStatus: (cb) => mesh.onConnectionStatus(cb),
      // Shared with the bridge: a job never closes it.
      close: async () => undefined,
    };
  }

  /** The robot a prompt means when it names none: the only Reachy Mini (or the only device) on the mesh. */
  async defaultRobot(): Promise<string> {
    const devices = await this.onlineDevices();
    const robots = devices.filter((d) => d.device_type === DEVICE_TYPE);
    if (robots.length === 1) return robots[0].device_id;
    if (robots.length === 0 && devices.length === 1) return devices[0].device_id;
    const ids = devices.map((d) => d.device_id);
    throw new Error(
      robots.length > 1
        ? `several robots are on the mesh (${robots.map((d) => d.device_id).join(', ')}); name one with device_id`
        : `no ${DEVICE_TYPE} device on the mesh${ids.length ? ` (devices: ${ids.join(', ')})` : ''}; name one with device_id`,
    );
  }

  /**
   * The look-around job: a full-circle panorama scan through the allow-listed invoke path, written into a new
   * folder of the panorama directory; resolves with the equirect as an agent gets it.
   */
  async lookAround(args: LookAroundArgs, signal?: AbortSignal, caller?: CallerContext): Promise<LookAroundResult> {
    const t0 = performance.now();
    let outcome: { ok: boolean; summary: string } = { ok: false, summary: 'not started' };
    try {
      const root = this.opts.panoramaDir;
      if (!root) throw new Error('this bridge has no panorama folder (start it with --panorama-dir <dir>)');
      const deviceId = args.device_id || (await this.defaultRobot());
      const [{ planScan }, { runScan }, { panoramaScanOptions }, { equirectForAgent }] = await Promise.all([
        import('../panorama'),
        import('../panorama'),
        import('../../shared/console-api/panorama'),
        import('./panorama'),
      ]);
      const options = panoramaScanOptions.parse({
        deviceId,
        full360: true,
        ...(args.detail === 'quick' ? { pitchSteps: 1 } : {}),
        settleS: 0.25,
        bodyMoveS: 0.6,
      });
      const plan = planScan({ options });
      const outputDir = join(root, `look-around-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`);
      this.log.info(`look_around: ${plan.frames}-frame scan on ${deviceId} into ${outputDir}`);
      const result = await runScan({ mesh: this.guardedMesh(caller), plan, outputDir, logger: this.log.child('panorama'), signal });
      const equirect = result.manifest.outputs.equirect;
      if (!equirect) {
        throw new Error(`the panorama scan on ${deviceId} ended ${result.status}${result.error ? `: ${result.error}` : ''}; no panorama was written`);
      }
      const img = await equirectForAgent(join(outputDir, equirect));
      outcome = { ok: true, summary: `${deviceId}: ${result.framesCaptured}/${result.framesPlanned} frames, ${img.width}x${img.height}` };
      return {
        deviceId,
        outputDir,
        image: img,
        framesCaptured: result.framesCaptured,
        framesPlanned: result.framesPlanned,
        status: result.status,
      };
    } catch (err) {
      outcome = { ok: false, summary: clip(errorMessage(err)) };
      throw err;
    } finally {
      const elapsedMs = performance.now() - t0;
      this.log.info(`prompt look_around ${outcome.ok ? 'ok' : 'failed'} in ${elapsedMs.toFixed(0)} ms: ${outcome.summary}`);
      try {
        this.opts.onCall?.({ ts: Date.now(), tool: 'prompt:look_around', arguments: args, ok: outcome.ok, summary: outcome.summary, elapsedMs });
      } catch (err) {
        this.log.warn(`tool-call log sink failed: ${errorMessage(err)}`);
      }
    }
  }

  get panoramaDir(): string | undefined {
    return this.opts.panoramaDir;
  }

  /** The image in a result, when the function declares an image result (`result: image` label). */
  private async imageResult(id: string, fn: string, result: unknown): Promise<{ image: ToolImage; rest: JsonObject } | null> {
    // Cheap shape check first: only a result that carries image data costs a label lookup.
    const found = imageOfResult(result);
    if (!found) return null;
    const { labels } = await this.functionLabels(id, fn);
    const declared = labels?.result;
    return declared === 'image' || (Array.isArray(declared) && declared.includes('image')) ? found : null;
  }

  /** The reference router's wording for each failure. */
  private async invokeError(mesh: MeshClient, id: string, fn: string, err: unknown): Promise<string> {
    if (!(err instanceof MeshError)) return `Failed to invoke ${id}::${fn}: ${errorMessage(err)}`;
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
      case 'no_responders': {
        if (this.opts.inProcessMesh) {
          const ids = await this.listKnownDeviceIds().catch(() => [] as string[]);
          return (
            `Failed to invoke ${id}::${fn}: no device '${id}' on this bridge's in-process mesh (no broker involved); ` +
            `devices here: ${ids.length ? ids.join(', ') : 'none'}`
          );
        }
        return `Failed to invoke ${id}::${fn}: Request failed: ${err.message}`;
      }
      default:
        return `Failed to invoke ${id}::${fn}: ${err.message}`;
    }
  }

  waitForEvent(args: WaitForEventArgs, signal?: AbortSignal): Promise<ToolResult> {
    return this.record('wait_for_event', args, async () => {
      const { device_id: id, timeout_seconds = 60, event_name = '' } = args;
      const match = parseJsonObject(args.match_params, 'invalid match_params: ');
      if (!match.ok) return { text: dumps({ error: match.error }), ok: false, summary: match.error };
      const matchParams = Object.keys(match.value).length ? match.value : null;
      const event: BridgeEvent | null = await this.events.wait(id, timeout_seconds * 1000, event_name, matchParams, signal);
      // No event in time is an answer, not a failed call.
      if (!event) return { text: dumpsIndent({ timeout: true, device_id: id }), ok: false, isError: false, summary: `${id}: timeout` };
      return { text: dumpsIndent(event), ok: true, summary: `${id}: ${event.event_name}` };
    });
  }

  /** Online device ids (for resources/list). */
  async listKnownDeviceIds(): Promise<string[]> {
    return (await this.onlineDevices()).map((d) => d.device_id);
  }

  /** `devices://{id}/functions` content: the device's function catalogue (as get_device_functions, not logged). */
  async catalogueText(deviceId: string): Promise<string> {
    const device = await this.findDevice(deviceId);
    if (!device) return dumps({ error: `Device ${deviceId} not found` });
    // As get_device_functions, plus each function's labels (access, stop, result) that agents can plan with.
    const labels = new Map(device.functions.map((f) => [f.name, f.labels ?? null]));
    const full = fullDevice(device);
    return dumpsIndent({ ...full, functions: full.functions.map((f) => ({ ...f, labels: labels.get(f.name) ?? null })) });
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
