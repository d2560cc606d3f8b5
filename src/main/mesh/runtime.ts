/**
 * DeviceRuntime (edge side): serves JSON-RPC on `device-connect.<t>.<id>.cmd` as the reference Device Connect
 * runtime does, publishes events, heartbeats, D2D presence or infra registration (docs/PROTOCOL.md: "Subjects",
 * "RPC on .cmd", "Registration").
 *
 * Deliberate differences from the reference (see docs/PROTOCOL.md):
 * - Every well-formed call is executed, with or without an `id` or a reply subject (JSON-RPC notifications are
 *   executed and not answered); the reference ignores them, which silently dropped stops.
 * - Where the reference sends no reply and the caller can only time out: malformed JSON gets -32700 (id null), a
 *   batch or a non-object body -32600, params that are not an object -32602, a non-string method -32600.
 * - Every reply stays under REPLY_CAP_BYTES: echoed caller input is clipped, and an oversized result becomes a
 *   -32000 error saying so.
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
import { clipText, STORED_TEXT_MAX_CHARS } from '../../shared/bounded';
import { createLogger, type Logger } from '../log';
import { envNumber } from './config';
import { DEFAULT_ANNOUNCER_TIMING, PresenceAnnouncer, type AnnouncerTiming } from './announcer';
import { bytesToString, oversizeBytes, type MeshConnection, type MeshMessage, type MeshSubscription } from './connection';
import { hasInvokeObservers, invokeStarted } from './observe';
import { Registrar } from './registrar';
import { jsonTextOf } from './result-json';
import {
  checkJsonSchemaParams,
  describeType,
  echo,
  epochSeconds,
  errorMessage,
  formatZodError,
  isoSeconds,
  isPlainObject,
  ERROR_MESSAGE_MAX_CHARS,
  randomHex,
  REPLY_CAP_BYTES,
  RPC_ID_MAX_CHARS,
  RPC_INVALID_REQUEST,
  RPC_PARSE_ERROR,
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
  /** Labelled `stop: "true"`: executed whatever its params' framing. */
  readonly isStop: boolean;
  /**
   * Whether the schema turns `{}` into `{}` (null until the first call without params): most reads take no params,
   * and those calls then skip zod's parse. Schemas are pure, so the first answer holds.
   */
  emptyOk: boolean | null;
}

function hasNoKeys(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

type RpcId = string | number | null;

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
  private readonly unanswered = { windowStart: 0, count: 0, suppressed: 0 };
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
      isStop: fn.labels?.stop === 'true',
      emptyOk: null,
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
        // The registry merges heartbeat extras into the stored status (docs/PROTOCOL.md).
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

  /**
   * A command that was neither executed nor answered leaves only this trace (it may have been someone's stop), so it
   * is a warning; at most 10 per 10 s, so a flood of junk cannot flood the log.
   */
  private warnUnanswered(text: string): void {
    const now = Date.now();
    const w = this.unanswered;
    if (now - w.windowStart > 10_000) {
      if (w.suppressed > 0) this.log.warn(`${w.suppressed} more commands were neither executed nor answered`);
      w.windowStart = now;
      w.count = 0;
      w.suppressed = 0;
    }
    if (++w.count <= 10) this.log.warn(`${text} (not executed, no reply subject or id to answer)`);
    else w.suppressed++;
  }

  private readonly onCmd = (msg: MeshMessage): void => {
    const reply = msg.reply ? msg.reply : null;
    let req: unknown;
    try {
      req = JSON.parse(bytesToString(msg.data));
    } catch (err) {
      if (reply) this.send(reply, null, rpcError(null, RPC_PARSE_ERROR, `Parse error: ${errorMessage(err)}`));
      else this.warnUnanswered(`malformed command on ${msg.subject} (${msg.data.byteLength} bytes): ${errorMessage(err)}`);
      return;
    }
    if (!isPlainObject(req)) {
      // A batch is refused whole, never partly run: the caller must not have to guess which calls happened.
      const message = Array.isArray(req)
        ? `Invalid Request: batches are not supported (got an array of ${req.length}); send each call as one JSON-RPC object`
        : `Invalid Request: expected a JSON-RPC request object, got ${describeType(req)}`;
      if (reply) this.send(reply, null, rpcError(null, RPC_INVALID_REQUEST, message));
      else this.warnUnanswered(`${message} on ${msg.subject}`);
      return;
    }
    // JSON-RPC 2.0: a request without an `id` member is a notification, executed and not answered. Whether it is
    // answered never decides whether it is executed: a stop_motion without id or reply subject still stops.
    const isNotification = !('id' in req) || req.id === undefined;
    const rawId = req.id;
    let badId: string | null = null;
    if (!isNotification && rawId !== null && typeof rawId !== 'string' && typeof rawId !== 'number') {
      badId = `Invalid Request: id must be a string, a number or null, got ${describeType(rawId)}`;
    } else if (typeof rawId === 'string' && rawId.length > RPC_ID_MAX_CHARS) {
      // The id must come back whole, so an id that would bloat every reply is refused (and nothing is executed).
      badId = `Invalid Request: id of ${rawId.length} characters is longer than ${RPC_ID_MAX_CHARS}`;
    }
    if (badId !== null) {
      if (reply) this.send(reply, null, rpcError(null, RPC_INVALID_REQUEST, badId));
      else this.warnUnanswered(badId);
      return;
    }
    const id = isNotification ? null : (rawId as string | number | null);
    // Only a request with an id is answered, and only when there is somewhere to answer.
    const answerTo = !isNotification && reply ? reply : null;
    const method = req.method;
    if (typeof method !== 'string') {
      if (reply) this.send(reply, id, rpcError(id, RPC_INVALID_REQUEST, 'Invalid Request: method must be a string'));
      else this.warnUnanswered('Invalid Request: method must be a string');
      return;
    }
    if (method === 'requestRegistration') {
      if (answerTo) this.send(answerTo, id, rpcResult(id, JSON.stringify(this.registrationParams())));
      return;
    }
    const entry = this.fns.get(method);
    if (entry === undefined) {
      const message = `Unknown method: ${echo(method)}`;
      if (answerTo) this.send(answerTo, id, rpcError(id, RPC_UNKNOWN_METHOD, message));
      else this.warnUnanswered(message);
      return;
    }
    const rawParams = req.params ?? {};
    let params: JsonObject;
    if (isPlainObject(rawParams)) params = rawParams;
    else if (entry.isStop) {
      // A stop is never refused for its framing (docs/SAFETY.md): positional or scalar params are ignored.
      params = {};
    } else {
      const message = `Invalid params: params must be a JSON object, got ${describeType(rawParams)}`;
      if (answerTo) this.send(answerTo, id, rpcError(id, RPC_INVALID_PARAMS, message));
      else this.warnUnanswered(`${echo(method)}: ${message}`);
      return;
    }
    let ctx = EMPTY_CTX;
    if ('_dc_meta' in params) {
      const { _dc_meta: meta, ...rest } = params;
      params = rest;
      if (isPlainObject(meta)) {
        ctx = {
          sourceDevice: typeof meta.source_device === 'string' ? clipText(meta.source_device, STORED_TEXT_MAX_CHARS) : undefined,
          meta,
        };
      }
    }
    const observed = hasInvokeObservers()
      ? invokeStarted({ side: 'device', deviceId: this.deviceId, fn: method, params, sourceDevice: ctx.sourceDevice ?? null, caller: null, rpcId: id })
      : null;
    this.invoke(entry, id, params, ctx, answerTo, observed);
  };

  // -------------------------------------------------------------------------------------------------------------
  // Broadcast (docs/PROTOCOL.md, optional): selector fan-out with the reply on `…event.async_reply.<cid>`.
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
    if (!entry) throw new Error(`Unknown method: ${echo(fn)}`);
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
    const failed = (message: string): string =>
      JSON.stringify({
        correlation_id: cid,
        device_id: this.deviceId,
        success: false,
        error: { code: 'invoke_failed', message: clipText(message, ERROR_MESSAGE_MAX_CHARS) },
        actually_fired_at: firedAt,
      });
    if (isPlainObject(outcome.error) && typeof outcome.error.message === 'string') {
      outcome = { ...outcome, error: { ...outcome.error, message: clipText(outcome.error.message, ERROR_MESSAGE_MAX_CHARS) } };
    }
    let data: string;
    try {
      data = JSON.stringify({ correlation_id: cid, device_id: this.deviceId, ...outcome, actually_fired_at: firedAt });
    } catch (err) {
      data = failed(errorMessage(err));
    }
    const cap = this.replyCap();
    const over = oversizeBytes(data, cap);
    if (over) data = failed(`result of ${this.overCap(over, cap)}`);
    try {
      this.conn.publish(subjects.event(this.tenant, this.deviceId, `async_reply.${cid}`), data);
    } catch (err) {
      this.log.debug(`broadcast reply not sent: ${errorMessage(err)}`);
    }
  }

  /** Runs a call; `reply` null for a notification (or a request without a reply subject): executed, not answered. */
  private invoke(
    entry: FnEntry,
    id: RpcId,
    params: JsonObject,
    ctx: FunctionContext,
    reply: string | null,
    observed: ReturnType<typeof invokeStarted> = null,
  ): void {
    const fail = (message: string): void => {
      observed?.({ ok: false, error: message });
      this.fail(entry, id, reply, message);
    };
    const succeed = (value: unknown): void => {
      observed?.({ ok: true, result: value });
      this.succeed(entry, id, reply, value);
    };
    let parsed: unknown = params;
    if (entry.zod && entry.emptyOk === true && hasNoKeys(params)) {
      parsed = {};
    } else if (entry.zod) {
      const r = entry.zod.safeParse(params);
      if (!r.success) {
        fail(formatZodError(r.error, params, entry.wire.parameters as JsonSchemaObject));
        return;
      }
      parsed = r.data;
      if (entry.emptyOk === null && hasNoKeys(params)) entry.emptyOk = isPlainObject(r.data) && Object.getPrototypeOf(r.data) === Object.prototype && hasNoKeys(r.data);
    } else {
      const problem = checkJsonSchemaParams(params, entry.wire.parameters);
      if (problem) {
        fail(problem);
        return;
      }
    }
    let out: unknown;
    try {
      out = entry.handler(parsed as never, ctx);
    } catch (err) {
      fail(errorMessage(err));
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      (out as PromiseLike<unknown>).then(succeed, (err: unknown) => fail(errorMessage(err)));
    } else {
      succeed(out);
    }
  }

  /** Largest reply we send: the reply cap, or the broker's max_payload when that is smaller. */
  private replyCap(): number {
    return Math.min(REPLY_CAP_BYTES, this.conn.maxPayload());
  }

  private overCap(bytes: number, cap: number): string {
    return `${bytes} bytes exceeds the reply cap of ${cap} bytes${cap < REPLY_CAP_BYTES ? " (the broker's max_payload)" : ''}`;
  }

  private succeed(entry: FnEntry, id: RpcId, reply: string | null, value: unknown): void {
    if (reply === null) return;
    let json: string | undefined;
    try {
      json = jsonTextOf(value) ?? JSON.stringify(value === undefined ? null : value);
    } catch (err) {
      this.fail(entry, id, reply, `result is not JSON-serialisable: ${errorMessage(err)}`);
      return;
    }
    const data = rpcResult(id, json ?? 'null');
    const cap = this.replyCap();
    const over = oversizeBytes(data, cap);
    if (over) {
      // The caller gets a clear error instead of a reply the mesh (or the next hop) would refuse.
      this.fail(entry, id, reply, `result of ${this.overCap(over, cap)}`);
      return;
    }
    this.send(reply, id, data);
  }

  private fail(entry: FnEntry, id: RpcId, reply: string | null, message: string): void {
    if (reply === null) {
      // Executed and refused (a lease, a range...): the caller asked for no answer; the driver logs its refusals.
      this.log.debug(`${entry.name} (no reply wanted) failed: ${message}`);
      return;
    }
    this.send(reply, id, rpcError(id, RPC_DEVICE_ERROR, entry.errPrefix + message));
  }

  /** Publishes one reply; a reply over the cap is replaced by a -32000 error saying so (never silence). */
  private send(reply: string, id: RpcId, data: string): void {
    const cap = this.replyCap();
    const over = oversizeBytes(data, cap);
    const out = over ? rpcError(id, RPC_DEVICE_ERROR, `reply of ${this.overCap(over, cap)}`) : data;
    try {
      this.conn.publish(reply, out);
    } catch (err) {
      this.log.debug(`reply not sent: ${errorMessage(err)}`);
    }
  }
}
