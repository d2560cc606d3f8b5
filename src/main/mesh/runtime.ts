/**
 * DeviceRuntime (edge side): serves JSON-RPC on `device-connect.<t>.<id>.cmd` exactly as the reference
 * (§3.3), publishes events (§3.4), heartbeats (§3.9), D2D presence (§3.7) or infra registration (§3.5).
 *
 * Deliberate differences from the reference, where it sends no reply and the caller can only time out:
 * malformed JSON gets -32700 (id null), params that are not an object get -32602, a non-string method -32600.
 */
import { z } from 'zod';
import {
  DEVICE_ID_PATTERN,
  EVENT_NAME_PATTERN,
  RPC_DEVICE_ERROR,
  RPC_INVALID_PARAMS,
  RPC_UNKNOWN_METHOD,
  type DeviceCapabilities,
  type DeviceIdentity,
  type DeviceStatus,
  type FunctionDef,
  type JsonObject,
  type JsonSchemaObject,
} from '../../shared/wire';
import { createLogger, type Logger } from '../log';
import { envNumber } from './config';
import { DEFAULT_ANNOUNCER_TIMING, PresenceAnnouncer, type AnnouncerTiming } from './announcer';
import { bytesToString, oversizeBytes, type MeshConnection, type MeshMessage, type MeshSubscription } from './connection';
import { Registrar } from './registrar';
import {
  checkJsonSchemaParams,
  describeType,
  epochSeconds,
  errorMessage,
  formatZodError,
  isoSeconds,
  isPlainObject,
  randomHex,
  rpcError,
  rpcResult,
} from './rpc';
import { eventToWire, functionToWire, isZodFunction } from './schema';
import { subjects, TENANT_PATTERN } from './subjects';
import {
  MeshError,
  type DeviceFunction,
  type DeviceRuntimeHandle,
  type DeviceRuntimeOptions,
  type DiscoveryMode,
  type FunctionContext,
  type JsonSchemaFunction,
} from './types';

export interface DeviceRuntimeConfig extends DeviceRuntimeOptions {
  connection: MeshConnection;
  /** Defaults to the connection's tenant / discovery mode. */
  tenant?: string;
  discoveryMode?: DiscoveryMode;
  /** Infra: registerDevice timeout (reference DEVICE_CONNECT_REGISTER_TIMEOUT, 15 s). */
  registerTimeoutMs?: number;
  /** Infra: random delay before the first registration (reference DEVICE_CONNECT_REGISTER_JITTER, 2 s). */
  registerJitterMs?: number;
  /** Infra: retry backoff bounds (reference 1 → 30 s). */
  registerBackoffMs?: { min: number; max: number };
  /** D2D presence timings (tests shorten them). */
  presenceTiming?: Partial<AnnouncerTiming>;
  logger?: Logger;
}

interface FnEntry {
  readonly name: string;
  readonly wire: FunctionDef;
  readonly errPrefix: string;
  readonly zod: z.ZodType | null;
  readonly handler: (params: never, ctx: FunctionContext) => unknown;
}

const EMPTY_CTX: FunctionContext = Object.freeze({});
const IDENTITY_KEYS = ['manufacturer', 'model', 'serial_number', 'firmware_version', 'arch', 'description'] as const;

/** Unknown keys are refused, as Python refuses unexpected keyword arguments (unless the schema opted in). */
function strictOf(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject && (schema as z.ZodObject)._zod.def.catchall === undefined) {
    return (schema as z.ZodObject).strict();
  }
  return schema;
}

export class DeviceRuntime implements DeviceRuntimeHandle {
  readonly deviceId: string;
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  private readonly conn: MeshConnection;
  private readonly opts: DeviceRuntimeConfig;
  private readonly log: Logger;
  private readonly fns = new Map<string, FnEntry>();
  private readonly caps: DeviceCapabilities;
  private readonly capsJson: string;
  private readonly identity: DeviceIdentity;
  private readonly identityJson: string;
  private readonly ttlS: number;
  private readonly eventSubjects = new Map<string, string>();
  private cmdSub: MeshSubscription | null = null;
  private broadcastSub: MeshSubscription | null = null;
  private readonly broadcastTimers = new Set<NodeJS.Timeout>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private announcer: PresenceAnnouncer | null = null;
  private registrar: Registrar | null = null;
  private unlisten: Array<() => void> = [];
  private state: 'new' | 'running' | 'stopped' = 'new';
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(opts: DeviceRuntimeConfig) {
    if (!DEVICE_ID_PATTERN.test(opts.deviceId)) {
      throw new MeshError(
        'invalid_request',
        `invalid device id '${opts.deviceId}': must match ${DEVICE_ID_PATTERN} (letters, digits, '.', '_', '-'; 1-255 chars)`,
        { deviceId: opts.deviceId },
      );
    }
    if (!opts.deviceType) throw new MeshError('invalid_request', 'deviceType is required');
    this.opts = opts;
    this.conn = opts.connection;
    this.deviceId = opts.deviceId;
    this.tenant = opts.tenant ?? opts.connection.tenant;
    if (!TENANT_PATTERN.test(this.tenant)) {
      throw new MeshError('config', `invalid tenant '${this.tenant}': must match ${TENANT_PATTERN}`);
    }
    this.discoveryMode = opts.discoveryMode ?? opts.connection.discoveryMode;
    this.ttlS = opts.ttlS ?? 15;
    // The registry's RegisterParams wants an integer device_ttl > 0.
    if (!Number.isInteger(this.ttlS) || this.ttlS < 1) {
      throw new MeshError('invalid_request', `ttlS must be an integer number of seconds >= 1, got ${opts.ttlS}`);
    }
    this.log = opts.logger ?? createLogger(`mesh/${opts.deviceId}`);

    for (const fn of opts.functions) this.addFunction(fn);
    const events = (opts.events ?? []).map((e) => {
      if (!EVENT_NAME_PATTERN.test(e.name)) {
        throw new MeshError('invalid_request', `event name '${e.name}' must match ${EVENT_NAME_PATTERN}`);
      }
      return eventToWire(e);
    });
    this.caps = {
      description: opts.description ?? '',
      functions: [...this.fns.values()].map((f) => f.wire),
      events,
      labels: opts.labels ?? null,
    };
    this.capsJson = JSON.stringify(this.caps);
    const identity: DeviceIdentity = { device_type: opts.deviceType };
    for (const k of IDENTITY_KEYS) {
      const v = opts.identity?.[k];
      if (v !== undefined && v !== null) identity[k] = String(v);
    }
    this.identity = identity;
    this.identityJson = JSON.stringify(identity);
  }

  private addFunction(fn: DeviceFunction | JsonSchemaFunction): void {
    if (this.fns.has(fn.name) || fn.name === 'requestRegistration') {
      throw new MeshError('invalid_request', `duplicate or reserved function name '${fn.name}'`);
    }
    const wire = functionToWire(fn);
    this.fns.set(fn.name, {
      name: fn.name,
      wire,
      errPrefix: `Error invoking ${fn.name}: `,
      zod: isZodFunction(fn) ? strictOf(fn.params) : null,
      handler: fn.handler as FnEntry['handler'],
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Documents

  /** Infra: the registry's device_registration_id once registered (null before, and in D2D mode). */
  get registrationId(): string | null {
    return this.registrar?.registrationId ?? null;
  }

  capabilities(): DeviceCapabilities {
    return this.caps;
  }

  /** Status as sent at registration / presence time: driver status, location default, `ts` overwritten. */
  currentStatus(): DeviceStatus {
    let base: DeviceStatus;
    try {
      base = this.opts.status?.() ?? {};
    } catch (err) {
      this.log.warn(`status provider failed: ${errorMessage(err)}`);
      base = {};
    }
    const status: DeviceStatus = { ts: isoSeconds() };
    const location = base.location ?? this.opts.location;
    if (location !== undefined) status.location = location;
    status.availability = base.availability ?? 'idle';
    status.busy_score = base.busy_score ?? 0.0;
    status.online = base.online ?? true;
    for (const [k, v] of Object.entries(base)) {
      if (v !== undefined && v !== null && k !== 'ts' && !(k in status)) status[k] = v;
    }
    return status;
  }

  registrationParams(): JsonObject {
    return {
      device_id: this.deviceId,
      device_ttl: this.ttlS,
      capabilities: this.caps,
      identity: this.identity,
      status: this.currentStatus(),
    };
  }

  presenceJson(): string {
    return (
      '{"device_id":' +
      JSON.stringify(this.deviceId) +
      ',"capabilities":' +
      this.capsJson +
      ',"identity":' +
      this.identityJson +
      ',"status":' +
      JSON.stringify(this.currentStatus()) +
      ',"ts":' +
      epochSeconds() +
      ',"d2d":true}'
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lifecycle

  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state === 'stopped') throw new MeshError('invalid_request', 'a stopped DeviceRuntime cannot be restarted');
    this.state = 'running';
    // Serve commands before announcing (reference run() order).
    this.cmdSub = this.conn.subscribe(subjects.cmd(this.tenant, this.deviceId), this.onCmd);
    this.broadcastSub = this.conn.subscribe(subjects.broadcast(this.tenant), this.onBroadcast);
    // A round trip to the broker: once start() returns, requests from other connections find us.
    await this.conn.flush();
    if (this.state !== 'running') return;
    this.unlisten.push(this.conn.onReconnect(() => this.onReconnect()));
    if (this.discoveryMode === 'd2d') {
      const timing = { ...DEFAULT_ANNOUNCER_TIMING, ...this.opts.presenceTiming };
      this.announcer = new PresenceAnnouncer(
        this.conn,
        this.tenant,
        this.deviceId,
        () => this.presenceJson(),
        timing,
        (err) => this.log.debug(`presence publish failed: ${errorMessage(err)}`),
      );
      this.announcer.start();
      this.log.info(`serving ${subjects.cmd(this.tenant, this.deviceId)} (d2d presence, ${this.conn.description})`);
      this.startHeartbeat();
    } else {
      this.registrar = new Registrar(
        this.conn,
        this.tenant,
        this.deviceId,
        () => this.registrationParams(),
        {
          timeoutMs: this.opts.registerTimeoutMs ?? envNumber('DEVICE_CONNECT_REGISTER_TIMEOUT', 15) * 1000,
          jitterMs: this.opts.registerJitterMs ?? envNumber('DEVICE_CONNECT_REGISTER_JITTER', 2, true) * 1000,
          backoffMinMs: this.opts.registerBackoffMs?.min ?? 1_000,
          backoffMaxMs: this.opts.registerBackoffMs?.max ?? 30_000,
        },
        {
          registered: (id) => this.log.info(`registered with the registry (device_registration_id ${id})`),
          failed: (reason, retry) =>
            this.log.warn(`registration failed: ${reason}; retrying in ${(retry / 1000).toFixed(1)}s`),
        },
      );
      this.log.info(`serving ${subjects.cmd(this.tenant, this.deviceId)} (infra registry, ${this.conn.description})`);
      // Register before the first heartbeat, as the reference does: a heartbeat from a device the registry does
      // not know makes it pull the registration itself and announce the device online twice.
      await this.registrar.register(true);
      if (this.state === 'running') this.startHeartbeat();
    }
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.announcer?.stop();
    this.announcer = null;
    this.registrar?.stop();
    this.registrar = null;
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.cmdSub?.unsubscribe();
    this.cmdSub = null;
    this.broadcastSub?.unsubscribe();
    this.broadcastSub = null;
    for (const t of this.broadcastTimers) clearTimeout(t);
    this.broadcastTimers.clear();
    try {
      await this.conn.flush();
    } catch {
      // Closed connection: nothing left to flush.
    }
  }

  private onReconnect(): void {
    if (this.state !== 'running') return;
    this.log.info('mesh link back; re-announcing');
    this.sendHeartbeat();
    if (this.announcer) this.announcer.burst();
    if (this.registrar) void this.registrar.register(false);
  }

  private startHeartbeat(): void {
    const periodMs = Math.max(1, this.ttlS / 3) * 1000;
    this.sendHeartbeat();
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), periodMs);
    this.heartbeatTimer.unref?.();
  }

  private sendHeartbeat(extras?: JsonObject): void {
    try {
      const hb = { device_id: this.deviceId, ts: epochSeconds(), ...extras };
      this.conn.publish(subjects.heartbeat(this.tenant, this.deviceId), JSON.stringify(hb));
    } catch (err) {
      this.log.debug(`heartbeat publish failed: ${errorMessage(err)}`);
    }
  }

  statusChanged(): void {
    if (this.state !== 'running' || this.statusTimer) return;
    // Coalesce bursts of changes into one announcement.
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (this.state !== 'running') return;
      if (this.announcer) this.announcer.announce();
      else {
        // The registry merges heartbeat extras into the stored status (reference §3.6).
        const { ts: _ts, ...status } = this.currentStatus();
        this.sendHeartbeat(status);
      }
    }, 50);
    this.statusTimer.unref?.();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Events

  emit(name: string, payload: JsonObject): void {
    let subject = this.eventSubjects.get(name);
    if (subject === undefined) {
      if (!EVENT_NAME_PATTERN.test(name)) {
        throw new MeshError('invalid_request', `event name '${name}' must match ${EVENT_NAME_PATTERN}`);
      }
      subject = subjects.event(this.tenant, this.deviceId, name);
      this.eventSubjects.set(name, subject);
    }
    if (!isPlainObject(payload)) throw new MeshError('invalid_request', `event payload for '${name}' must be an object`);
    if (this.state === 'stopped') return;
    const params = { ...payload, event_id: randomHex(4), ts: isoSeconds(), _trace_id: randomHex(8) };
    const data = '{"jsonrpc":"2.0","method":' + JSON.stringify(name) + ',"params":' + JSON.stringify(params) + '}';
    try {
      this.conn.publish(subject, data);
    } catch (err) {
      if (err instanceof MeshError && err.code === 'invalid_request') throw err;
      this.log.debug(`event ${name} not published: ${errorMessage(err)}`);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commands (hot path: one parse, one validation, one stringify)

  private readonly onCmd = (msg: MeshMessage): void => {
    const reply = msg.reply;
    let req: unknown;
    try {
      req = JSON.parse(bytesToString(msg.data));
    } catch (err) {
      this.log.debug(`malformed command on ${msg.subject}: ${errorMessage(err)}`);
      if (reply) this.send(reply, rpcError(null, -32700, `Parse error: ${errorMessage(err)}`));
      return;
    }
    if (!isPlainObject(req)) return;
    const id = req.id;
    // Notifications (no id) and messages without a reply subject get no response (reference §3.3).
    if (id === undefined || id === null || !reply) return;
    if (typeof id !== 'string' && typeof id !== 'number') {
      this.send(reply, rpcError(null, -32600, 'Invalid Request: id must be a string or a number'));
      return;
    }
    const method = req.method;
    if (typeof method !== 'string') {
      this.send(reply, rpcError(id, -32600, 'Invalid Request: method must be a string'));
      return;
    }
    let params = req.params === undefined ? {} : req.params;
    if (!isPlainObject(params)) {
      this.send(
        reply,
        rpcError(id, RPC_INVALID_PARAMS, `Invalid params: params must be a JSON object, got ${describeType(params)}`),
      );
      return;
    }
    if (method === 'requestRegistration') {
      this.send(reply, rpcResult(id, JSON.stringify(this.registrationParams())));
      return;
    }
    const entry = this.fns.get(method);
    if (entry === undefined) {
      this.send(reply, rpcError(id, RPC_UNKNOWN_METHOD, `Unknown method: ${method}`));
      return;
    }
    let ctx = EMPTY_CTX;
    if ('_dc_meta' in params) {
      const { _dc_meta: meta, ...rest } = params;
      params = rest;
      if (isPlainObject(meta)) {
        ctx = {
          sourceDevice: typeof meta.source_device === 'string' ? meta.source_device : undefined,
          meta,
        };
      }
    }
    this.invoke(entry, id, params as JsonObject, ctx, reply);
  };

  // -------------------------------------------------------------------------------------------------------------
  // Broadcast (reference §3.8, optional): selector fan-out with the reply on `…event.async_reply.<cid>`.
  // Without a CEL evaluator a `where` filter fails closed, as the reference does without cel-python.

  private readonly onBroadcast = (msg: MeshMessage): void => {
    let env: unknown;
    try {
      env = JSON.parse(bytesToString(msg.data));
    } catch {
      return;
    }
    if (!isPlainObject(env) || typeof env.correlation_id !== 'string' || !EVENT_NAME_PATTERN.test(env.correlation_id)) return;
    if (Array.isArray(env.targets) && env.targets.length > 0 && !env.targets.includes(this.deviceId)) return;
    if (typeof env.where === 'string' && env.where.trim() !== '') {
      this.log.warn(`broadcast ${env.correlation_id} has a 'where' filter; no CEL evaluator here, so it is skipped`);
      return;
    }
    const cid = env.correlation_id;
    const fn = typeof env.function === 'string' ? env.function : '';
    const params = env.params === undefined ? {} : env.params;
    const fire = (): void => {
      const firedAt = epochSeconds();
      this.callForBroadcast(fn, params).then(
        (result) => this.sendAsyncReply(cid, { success: true, result }, firedAt),
        (err: unknown) =>
          this.sendAsyncReply(cid, { success: false, error: { code: 'invoke_failed', message: errorMessage(err) } }, firedAt),
      );
    };
    const delayMs = typeof env.fire_at === 'number' ? env.fire_at * 1000 - Date.now() : 0;
    if (delayMs > 0) {
      const t = setTimeout(() => {
        this.broadcastTimers.delete(t);
        fire();
      }, Math.min(delayMs, 3_600_000));
      this.broadcastTimers.add(t);
    } else if (delayMs < -1000 && env.on_late === 'skip') {
      this.log.info(`broadcast ${cid} arrived late; skipped (on_late=skip)`);
    } else {
      fire();
    }
  };

  private async callForBroadcast(fn: string, params: unknown): Promise<unknown> {
    const entry = this.fns.get(fn);
    if (!entry) throw new Error(`Unknown method: ${fn}`);
    if (!isPlainObject(params)) throw new Error(`params must be a JSON object, got ${describeType(params)}`);
    let parsed: unknown = params;
    if (entry.zod) {
      const r = entry.zod.safeParse(params);
      if (!r.success) throw new Error(entry.errPrefix + formatZodError(r.error, params, entry.wire.parameters));
      parsed = r.data;
    } else {
      const problem = checkJsonSchemaParams(params, entry.wire.parameters);
      if (problem) throw new Error(entry.errPrefix + problem);
    }
    try {
      return await entry.handler(parsed as never, EMPTY_CTX);
    } catch (err) {
      throw new Error(entry.errPrefix + errorMessage(err), { cause: err });
    }
  }

  private sendAsyncReply(cid: string, outcome: JsonObject, firedAt: number): void {
    const body = { correlation_id: cid, device_id: this.deviceId, ...outcome, actually_fired_at: firedAt };
    let data: string;
    try {
      data = JSON.stringify(body);
    } catch (err) {
      data = JSON.stringify({ correlation_id: cid, device_id: this.deviceId, success: false, error: { code: 'invoke_failed', message: errorMessage(err) }, actually_fired_at: firedAt });
    }
    try {
      this.conn.publish(subjects.event(this.tenant, this.deviceId, `async_reply.${cid}`), data);
    } catch (err) {
      this.log.debug(`broadcast reply not sent: ${errorMessage(err)}`);
    }
  }

  private invoke(entry: FnEntry, id: string | number, params: JsonObject, ctx: FunctionContext, reply: string): void {
    let parsed: unknown = params;
    if (entry.zod) {
      const r = entry.zod.safeParse(params);
      if (!r.success) {
        this.fail(entry, id, reply, formatZodError(r.error, params, entry.wire.parameters as JsonSchemaObject));
        return;
      }
      parsed = r.data;
    } else {
      const problem = checkJsonSchemaParams(params, entry.wire.parameters);
      if (problem) {
        this.fail(entry, id, reply, problem);
        return;
      }
    }
    let out: unknown;
    try {
      out = entry.handler(parsed as never, ctx);
    } catch (err) {
      this.fail(entry, id, reply, errorMessage(err));
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      (out as PromiseLike<unknown>).then(
        (v) => this.succeed(entry, id, reply, v),
        (err: unknown) => this.fail(entry, id, reply, errorMessage(err)),
      );
    } else {
      this.succeed(entry, id, reply, out);
    }
  }

  private succeed(entry: FnEntry, id: string | number, reply: string, value: unknown): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(value === undefined ? null : value);
    } catch (err) {
      this.fail(entry, id, reply, `result is not JSON-serialisable: ${errorMessage(err)}`);
      return;
    }
    const data = rpcResult(id, json ?? 'null');
    try {
      this.conn.publish(reply, data);
    } catch (err) {
      if (err instanceof MeshError && err.code === 'invalid_request') {
        // Over the broker's max_payload: the caller gets an error instead of silence.
        const max = this.conn.maxPayload();
        this.fail(entry, id, reply, `result of ${oversizeBytes(data, max)} bytes exceeds the mesh payload limit of ${max} bytes`);
      } else {
        this.log.debug(`reply not sent: ${errorMessage(err)}`);
      }
    }
  }

  private fail(entry: FnEntry, id: string | number, reply: string, message: string): void {
    this.send(reply, rpcError(id, RPC_DEVICE_ERROR, entry.errPrefix + message));
  }

  private send(reply: string, data: string): void {
    try {
      this.conn.publish(reply, data);
    } catch (err) {
      this.log.debug(`reply not sent: ${errorMessage(err)}`);
    }
  }
}
