/**
 * The mesh tap: turns everything on the mesh for the chosen devices into channel messages — every event
 * (state_event also as 3D transforms), every invoke with its caller and duration, camera frames at a chosen rate,
 * and this process's logs. The recorder writes them to MCAP; the Foxglove bridge serves them live.
 *
 * Invokes are taken where they pass: in-process through the mesh's invoke observers (the console's and the
 * bridge's MeshClient, and the driver's runtime for calls from other processes), or, for a tap in its own
 * process, from the wire (requests on the devices' `.cmd` subjects and their replies).
 */
import type { JsonObject, MeshEvent } from '../../shared/wire';
import { addLogSink, createLogger, type LogRecord, type Logger } from '../log';
import { observeInvokes, subjects, type MeshClient, type MeshConnection, type ObservedCall, type ObservedOutcome } from '../mesh';
import { foxTime, frameIds, topics, transformsFromState, type ChannelSpec } from './channels';
import { errorMessage } from '../../shared/errors';

/** The tap's own frame grabs are not invokes anyone made; they are never recorded as such. */
export const RECORDER_CALLER = 'recorder';
/** Strings longer than this inside recorded params/results are elided (camera frames go to the camera channel). */
const MAX_RECORDED_STRING = 2048;

export interface TapOptions {
  mesh: MeshClient;
  /** Device ids, or 'all' for every device that shows up on the mesh. */
  devices: string[] | 'all';
  /** Camera frames per second per device (0 = no video). */
  videoFps?: number;
  /** 'observe': invokes of this process (default). 'wire': every call seen on the mesh (a tap in its own process). */
  invokes?: 'observe' | 'wire';
  /** The connection to watch with invokes 'wire'. */
  connection?: MeshConnection;
  /** This process's logs (default true). */
  logs?: boolean;
  logger?: Logger;
}

/**
 * Receives each message (or a function that builds it, for messages on a hot path); `publishTimeMs` is when its
 * source stamped it. Returns false when it was not taken.
 */
export type TapOutput = (channel: ChannelSpec, message: unknown, publishTimeMs?: number) => boolean;

export interface ToolCallRecord {
  tool: string;
  arguments: JsonObject;
  startedAt: number;
  durationMs: number;
  isError: boolean;
  result: unknown;
}

/**
 * Whether compactForRecord would change what JSON.stringify writes for `value`: a long string, an undefined member
 * of an object, nesting past its depth limit, or an object that is not plain (a Date, a class). Most invoke records
 * are small plain documents and are written as they are, without a copy.
 */
function needsCompacting(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length > MAX_RECORDED_STRING;
  if (value === null || typeof value !== 'object') return value === undefined;
  if (depth > 12) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (needsCompacting(v, depth + 1)) return true;
    return false;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return true;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) return true;
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || needsCompacting(v, depth + 1)) return true;
  }
  return false;
}

/** compactForRecord, without copying a value it would leave as it is. */
export function compactIfNeeded(value: unknown): unknown {
  return needsCompacting(value, 0) ? compactForRecord(value) : value;
}

/** Long strings (base64 images, audio) are elided so invoke records stay small and readable. */
export function compactForRecord(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_RECORDED_STRING ? `${value.slice(0, 64)}…(${value.length} chars elided)` : value;
  if (value === null || typeof value !== 'object') return value === undefined ? null : value;
  if (depth > 12) return '…(nested too deep)';
  if (Array.isArray(value)) return value.map((v) => compactForRecord(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = compactForRecord(v, depth + 1);
  return out;
}

const LOG_LEVEL: Record<LogRecord['level'], number> = { debug: 1, info: 2, warn: 3, error: 4 };

export class MeshTap {
  private readonly unsubs: Array<() => void> = [];
  private readonly frameTimers = new Map<string, ReturnType<typeof setInterval>>();
  private readonly devices = new Set<string>();
  private readonly log: Logger;
  private running = false;
  /** Frames not taken: a grab still in flight, the output shedding, or a failed capture. */
  framesSkipped = 0;
  /** Consulted before each frame grab: false skips it (nobody watching, or the output is behind). */
  wantFrame: (deviceId: string) => boolean = () => true;

  constructor(
    private readonly opts: TapOptions,
    private readonly out: TapOutput,
  ) {
    this.log = opts.logger ?? createLogger('record');
  }

  get deviceIds(): string[] {
    return [...this.devices];
  }

  private readonly invokeChannels = new Map<string, ChannelSpec>();
  private invokeChannel(deviceId: string): ChannelSpec {
    let c = this.invokeChannels.get(deviceId);
    if (!c) {
      c = topics.invoke(deviceId);
      this.invokeChannels.set(deviceId, c);
    }
    return c;
  }

  private wants(deviceId: string): boolean {
    return this.opts.devices === 'all' || this.opts.devices.includes(deviceId);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { mesh } = this.opts;
    if (this.opts.devices === 'all') {
      this.unsubs.push(mesh.subscribe('*', '*', (e) => this.onEvent(e), { includeMalformed: true }));
      const refresh = (): void => {
        mesh.listDevices().then(
          (list) => list.forEach((d) => this.addDevice(d.device_id)),
          (err: unknown) => this.log.warn(`listing devices: ${errorMessage(err)}`),
        );
      };
      this.unsubs.push(mesh.onDevicesChanged(refresh));
      refresh();
    } else {
      for (const id of this.opts.devices) {
        this.addDevice(id);
        this.unsubs.push(mesh.subscribe(id, '*', (e) => this.onEvent(e), { includeMalformed: true }));
      }
    }
    if ((this.opts.invokes ?? 'observe') === 'wire' && this.opts.connection) this.tapWire(this.opts.connection);
    else this.unsubs.push(observeInvokes((call) => this.onInvoke(call)));
    if (this.opts.logs !== false) {
      this.unsubs.push(
        addLogSink((r) => {
          if (r.level === 'debug') return;
          this.out(topics.log(), { timestamp: foxTime(r.ts), level: LOG_LEVEL[r.level], message: r.message, name: r.scope, file: '', line: 0 }, r.ts);
        }),
      );
    }
  }

  stop(): void {
    this.running = false;
    for (const u of this.unsubs.splice(0)) u();
    for (const t of this.frameTimers.values()) clearInterval(t);
    this.frameTimers.clear();
  }

  private addDevice(id: string): void {
    if (this.devices.has(id) || !this.running) return;
    this.devices.add(id);
    const fps = this.opts.videoFps ?? 0;
    if (fps <= 0) return;
    let inFlight = false;
    const grab = (): void => {
      if (!this.running || !this.wantFrame(id)) return;
      if (inFlight) {
        this.framesSkipped++;
        return;
      }
      inFlight = true;
      const t = Date.now();
      this.opts.mesh.invoke(id, 'capture_video_frame', { encoding: 'jpeg' }, { timeoutMs: 5000, sourceDevice: RECORDER_CALLER }).then(
        (r) => {
          inFlight = false;
          const reply = r as { data_b64?: unknown; format?: unknown };
          if (typeof reply.data_b64 !== 'string' || reply.format !== 'jpeg' || !this.running) {
            this.framesSkipped++;
            return;
          }
          this.out(topics.camera(id), { timestamp: foxTime(t), frame_id: frameIds(id).camera, data: reply.data_b64, format: 'jpeg' }, t);
        },
        () => {
          inFlight = false;
          this.framesSkipped++;
        },
      );
    };
    const timer = setInterval(grab, Math.max(10, Math.round(1000 / fps)));
    timer.unref?.();
    this.frameTimers.set(id, timer);
    grab();
  }

  private onEvent(e: MeshEvent): void {
    if (!this.wants(e.device_id)) return;
    if (this.opts.devices === 'all') this.addDevice(e.device_id);
    const ts = typeof e.params.ts === 'number' ? e.params.ts * 1000 : undefined;
    if (e.event_name === 'state_event') {
      this.out(topics.state(e.device_id), { ...e.params, device_id: e.device_id, received_at: e.received_at }, ts);
      const tf = transformsFromState(e.device_id, e.params as Parameters<typeof transformsFromState>[1], e.received_at);
      if (tf) this.out(topics.tf(), tf, ts);
      return;
    }
    const msg: Record<string, unknown> = { device_id: e.device_id, event_name: e.event_name, received_at: e.received_at, params: e.params };
    if (e.malformed !== undefined) msg.malformed = e.malformed;
    this.out(topics.event(e.device_id, e.event_name), msg, ts);
  }

  private onInvoke(call: ObservedCall): ((o: ObservedOutcome) => void) | void {
    if (call.caller === RECORDER_CALLER || call.sourceDevice === RECORDER_CALLER || !this.wants(call.deviceId)) return;
    return (o) => this.writeInvoke(call.deviceId, call.fn, call.params, call.caller ?? 'unknown', call.sourceDevice, call.side, call.startedAt, o);
  }

  private writeInvoke(
    deviceId: string,
    fn: string,
    params: JsonObject,
    caller: string,
    sourceDevice: string | null,
    seenAt: 'client' | 'device' | 'wire',
    startedAt: number,
    o: ObservedOutcome,
  ): void {
    // Built when encoded (outputs accept a builder), so the invoke's reply path only queues it.
    const build = (): Record<string, unknown> => {
      const rec: Record<string, unknown> = {
        device_id: deviceId,
        function: fn,
        params: compactIfNeeded(params),
        caller,
        source_device: sourceDevice,
        seen_at: seenAt,
        started_at: startedAt,
        duration_ms: Math.max(0, o.durationMs),
        ok: o.ok,
      };
      if (o.ok) rec.result = compactIfNeeded(o.result);
      else rec.error = o.error;
      return rec;
    };
    this.out(this.invokeChannel(deviceId), build, startedAt);
  }

  /** A tap in its own process sees calls on the wire: each request on `.cmd`, matched with its reply. */
  private tapWire(conn: MeshConnection): void {
    const pending = new Map<string, { deviceId: string; fn: string; params: JsonObject; source: string | null; startedAt: number; t0: number }>();
    const ids = this.opts.devices === 'all' ? ['*'] : this.opts.devices;
    const dec = new TextDecoder();
    for (const id of ids) {
      const sub = conn.subscribe(subjects.cmd(this.opts.mesh.tenant, id), (msg) => {
        const deviceId = msg.subject.split('.')[2];
        if (!msg.reply || !this.wants(deviceId)) return;
        try {
          const req = JSON.parse(dec.decode(msg.data)) as { method?: unknown; params?: unknown };
          if (typeof req.method !== 'string') return;
          const raw = (req.params && typeof req.params === 'object' ? req.params : {}) as JsonObject;
          const { _dc_meta: meta, ...params } = raw;
          const source = meta && typeof meta === 'object' && typeof (meta as JsonObject).source_device === 'string' ? String((meta as JsonObject).source_device) : null;
          if (source === RECORDER_CALLER) return;
          // Replies that never come (a caller that timed out) must not grow this without bound.
          if (pending.size > 10_000) pending.clear();
          pending.set(msg.reply, { deviceId, fn: req.method, params, source, startedAt: Date.now(), t0: performance.now() });
        } catch {
          // Not JSON: the device answers it with a parse error; nothing was invoked.
        }
      });
      this.unsubs.push(() => sub.unsubscribe());
    }
    const replies = conn.subscribe('_INBOX.>', (msg) => {
      const p = pending.get(msg.subject);
      if (!p) return;
      pending.delete(msg.subject);
      let o: ObservedOutcome;
      const durationMs = performance.now() - p.t0;
      try {
        const rep = JSON.parse(dec.decode(msg.data)) as { result?: unknown; error?: { message?: unknown } | null };
        o = rep.error ? { ok: false, error: String(rep.error.message ?? JSON.stringify(rep.error)), durationMs } : { ok: true, result: rep.result, durationMs };
      } catch {
        o = { ok: false, error: 'reply is not JSON', durationMs };
      }
      this.writeInvoke(p.deviceId, p.fn, p.params, p.source ?? 'unknown', p.source, 'wire', p.startedAt, o);
    });
    this.unsubs.push(() => replies.unsubscribe());
  }

  /** An MCP agent's tool call, beside the invokes it caused. */
  toolCall(call: ToolCallRecord): void {
    this.out(
      topics.toolCalls(),
      {
        tool: call.tool,
        arguments: compactForRecord(call.arguments),
        started_at: call.startedAt,
        duration_ms: Math.max(0, call.durationMs),
        is_error: call.isError,
        result: compactForRecord(call.result),
      },
      call.startedAt,
    );
  }
}
