/**
 * MeshClient (agent side): invoke, event subscriptions and discovery (D2D presence collector + probe, or the
 * infra registry), on any MeshConnection. Errors are MeshErrors whose messages match the reference wording
 * (see types.ts), so the MCP bridge can reproduce the Python bridge's texts.
 */
import {
  DEVICE_ID_PATTERN,
  EVENT_NAME_PATTERN,
  RPC_DEVICE_ERROR,
  RPC_UNKNOWN_METHOD,
  type DeviceInfo,
  type FleetSummary,
  type JsonObject,
  type MeshEvent,
} from '../../shared/wire';
import { createLogger, type Logger } from '../log';
import { PresenceCollector, type CollectorOptions } from './collector';
import { bytesToString, Listeners, type MeshConnection, type MeshSubscription } from './connection';
import { matchesFilter, summarizeFleet, type DeviceFilter } from './device-info';
import { RegistryClient, type RegistryClientOptions } from './registry-client';
import { invokeStarted } from './observe';
import { errorMessage, IdSource, isPlainObject } from './rpc';
import { subjects, TENANT_PATTERN } from './subjects';
import {
  MeshError,
  type ConnectionStatus,
  type DiscoveryMode,
  type EventSubscribeOptions,
  type InvokeOptions,
  type MeshClient,
  type MeshErrorDetails,
} from './types';

export interface MeshClientConfig {
  connection: MeshConnection;
  /** Defaults to the connection's. */
  tenant?: string;
  discoveryMode?: DiscoveryMode;
  requestTimeoutMs?: number;
  /** close() also closes the connection. */
  ownsConnection?: boolean;
  /** D2D: how long the first discovery waits for peers to answer the probe (reference 3 s). */
  discoveryWaitMs?: number;
  registry?: RegistryClientOptions;
  collector?: CollectorOptions;
  logger?: Logger;
}

export function invalidDeviceId(deviceId: unknown): MeshError {
  return new MeshError(
    'invalid_request',
    `invalid device id ${JSON.stringify(deviceId)}: must match ${DEVICE_ID_PATTERN} (letters, digits, '.', '_', '-'; 1-255 chars)`,
    { deviceId: typeof deviceId === 'string' ? deviceId : undefined },
  );
}

function parseReply(data: Uint8Array, deviceId: string, fn: string, subject: string): unknown {
  let reply: unknown;
  try {
    reply = JSON.parse(bytesToString(data));
  } catch {
    throw new MeshError('rpc_error', `reply from ${deviceId} is not valid JSON`, { deviceId, fn, subject });
  }
  if (!isPlainObject(reply)) throw new MeshError('rpc_error', `reply from ${deviceId} is not a JSON-RPC object`, { deviceId, fn, subject });
  const error = reply.error;
  if (error !== undefined && error !== null) {
    const code = isPlainObject(error) && typeof error.code === 'number' ? error.code : undefined;
    const message = isPlainObject(error) && typeof error.message === 'string' ? error.message : JSON.stringify(error);
    const kind = code === RPC_UNKNOWN_METHOD ? 'unknown_method' : code === RPC_DEVICE_ERROR ? 'device_error' : 'rpc_error';
    throw new MeshError(kind, message, { deviceId, fn, subject, rpcCode: code });
  }
  return reply.result;
}

class MeshClientImpl implements MeshClient {
  readonly tenant: string;
  readonly discoveryMode: DiscoveryMode;
  private readonly conn: MeshConnection;
  private readonly requestTimeoutMs: number;
  private readonly ids = new IdSource('d2d');
  private readonly cmdSubjects = new Map<string, string>();
  private readonly subs = new Set<MeshSubscription>();
  private readonly collector: PresenceCollector | null;
  private readonly registry: RegistryClient | null;
  private readonly changes = new Listeners<void>();
  private initialWait: Promise<void> | null = null;
  private readonly discoveryWaitMs: number;
  private readonly unlisten: Array<() => void> = [];
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly cfg: MeshClientConfig) {
    this.conn = cfg.connection;
    this.tenant = cfg.tenant ?? cfg.connection.tenant;
    if (!TENANT_PATTERN.test(this.tenant)) throw new MeshError('config', `invalid tenant '${this.tenant}': must match ${TENANT_PATTERN}`);
    this.discoveryMode = cfg.discoveryMode ?? cfg.connection.discoveryMode;
    this.requestTimeoutMs = cfg.requestTimeoutMs ?? cfg.connection.requestTimeoutMs;
    this.discoveryWaitMs = cfg.discoveryWaitMs ?? 3_000;
    this.log = cfg.logger ?? createLogger('mesh/client');
    if (this.discoveryMode === 'd2d') {
      this.collector = new PresenceCollector(this.conn, this.tenant, {
        source: this.conn.backend === 'local' ? 'local' : 'd2d',
        ...cfg.collector,
      });
      // Started on first discovery use: a client used only for invoke/subscribe (e.g. inside a driver) never
      // parses the fleet's presence traffic.
      this.unlisten.push(this.collector.onChange(() => this.changes.emit()));
      this.registry = null;
    } else {
      this.collector = null;
      this.registry = new RegistryClient(this.conn, this.tenant, cfg.registry);
      // The registry announces arrivals and departures.
      for (const subject of [subjects.online(this.tenant), subjects.offline(this.tenant)]) {
        this.subs.add(this.conn.subscribe(subject, () => this.changes.emit()));
      }
    }
    this.unlisten.push(
      this.conn.onReconnect(() => {
        // Peers re-announce on their own; a probe makes it immediate.
        if (this.collector?.started) this.collector.probe();
        this.changes.emit();
      }),
    );
  }

  private ensureOpen(): void {
    if (this.closed) throw new MeshError('not_connected', 'mesh client is closed');
  }

  private cmdSubject(deviceId: string): string {
    let s = this.cmdSubjects.get(deviceId);
    if (s === undefined) {
      s = subjects.cmd(this.tenant, deviceId);
      if (this.cmdSubjects.size > 10_000) this.cmdSubjects.clear();
      this.cmdSubjects.set(deviceId, s);
    }
    return s;
  }

  // Hot path: no async wrapper (one promise chain from the transport), one stringify, one parse.
  invoke(deviceId: string, fn: string, params: JsonObject = {}, opts: InvokeOptions = {}): Promise<unknown> {
    let subject: string;
    let timeoutMs: number;
    let body: string;
    let rpcId: string;
    try {
      this.ensureOpen();
      if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId)) throw invalidDeviceId(deviceId);
      if (typeof fn !== 'string' || fn.length === 0) {
        throw new MeshError('invalid_request', 'function name must be a non-empty string', { deviceId });
      }
      if (!isPlainObject(params)) {
        throw new MeshError('invalid_request', `params must be a JSON object, got ${Array.isArray(params) ? 'array' : typeof params}`, {
          deviceId,
          fn,
        });
      }
      subject = this.cmdSubject(deviceId);
      timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      const sendParams = opts.sourceDevice
        ? { ...params, _dc_meta: { source_device: opts.sourceDevice, source_type: 'agent' } }
        : params;
      try {
        rpcId = this.ids.next();
        body = '{"jsonrpc":"2.0","id":"' + rpcId + '","method":' + JSON.stringify(fn) + ',"params":' + JSON.stringify(sendParams) + '}';
      } catch (err) {
        throw new MeshError('invalid_request', `params are not JSON-serialisable: ${errorMessage(err)}`, { deviceId, fn });
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const observed = invokeStarted({ side: 'client', deviceId, fn, params, sourceDevice: opts.sourceDevice ?? null, caller: opts.caller ?? null, rpcId });
    return this.conn.request(subject, body, timeoutMs).then(
      (data) => {
        if (observed === null) return parseReply(data, deviceId, fn, subject);
        let result: unknown;
        try {
          result = parseReply(data, deviceId, fn, subject);
        } catch (err) {
          observed({ ok: false, error: errorMessage(err) });
          throw err;
        }
        observed({ ok: true, result });
        return result;
      },
      (err: unknown) => {
        const details: MeshErrorDetails = { deviceId, fn, subject, timeoutMs };
        const out = err instanceof MeshError ? new MeshError(err.code, err.message, { ...err.details, ...details }) : new MeshError('not_connected', errorMessage(err), details);
        observed?.({ ok: false, error: out.message });
        throw out;
      },
    );
  }

  subscribe(deviceId: string, eventName: string, handler: (event: MeshEvent) => void, opts: EventSubscribeOptions = {}): () => void {
    this.ensureOpen();
    if (deviceId !== '*' && !DEVICE_ID_PATTERN.test(deviceId)) throw invalidDeviceId(deviceId);
    if (eventName !== '*' && !EVENT_NAME_PATTERN.test(eventName)) {
      throw new MeshError('invalid_request', `invalid event name '${eventName}': must be '*' or match ${EVENT_NAME_PATTERN}`);
    }
    const sub = this.conn.subscribe(subjects.eventPattern(this.tenant, deviceId, eventName), (msg) => {
      const tokens = msg.subject.split('.');
      const base = { device_id: tokens[2], event_name: tokens[tokens.length - 1], received_at: Date.now() };
      let event: MeshEvent;
      try {
        const parsed: unknown = JSON.parse(bytesToString(msg.data));
        const params = isPlainObject(parsed) ? (isPlainObject(parsed.params) ? parsed.params : parsed) : {};
        event = { ...base, params };
      } catch {
        if (!opts.includeMalformed) {
          this.log.debug(`ignoring non-JSON event on ${msg.subject}`);
          return;
        }
        event = { ...base, params: {}, malformed: `not JSON (${msg.data.byteLength} bytes)` };
      }
      try {
        handler(event);
      } catch (err) {
        this.log.warn(`event handler failed: ${errorMessage(err)}`);
      }
    });
    this.subs.add(sub);
    return () => {
      if (this.subs.delete(sub)) sub.unsubscribe();
    };
  }

  private ensureDiscovered(): Promise<void> {
    if (!this.collector) return Promise.resolve();
    this.collector.start();
    this.initialWait ??= this.collector.waitForPeers(this.discoveryWaitMs);
    return this.initialWait;
  }

  async listDevices(filter?: DeviceFilter): Promise<DeviceInfo[]> {
    this.ensureOpen();
    if (this.registry) return this.registry.listDevices(filter);
    await this.ensureDiscovered();
    return this.collector!.devices().filter((d) => matchesFilter(d, filter));
  }

  async getDevice(deviceId: string): Promise<DeviceInfo | null> {
    this.ensureOpen();
    if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId)) throw invalidDeviceId(deviceId);
    if (this.registry) return this.registry.getDevice(deviceId);
    await this.ensureDiscovered();
    const collector = this.collector!;
    if (!collector.get(deviceId)) await collector.waitForPeers(Math.min(500, this.discoveryWaitMs), deviceId, 0);
    return collector.get(deviceId) ?? null;
  }

  async describeFleet(): Promise<FleetSummary> {
    return summarizeFleet(await this.listDevices());
  }

  onDevicesChanged(cb: () => void): () => void {
    if (!this.closed) this.collector?.start();
    return this.changes.add(cb);
  }

  connectionStatus(): ConnectionStatus {
    return this.closed ? 'disconnected' : this.conn.status();
  }

  onConnectionStatus(cb: (status: ConnectionStatus) => void): () => void {
    return this.conn.onStatus(cb);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.collector?.stop();
    for (const u of this.unlisten) u();
    for (const s of this.subs) s.unsubscribe();
    this.subs.clear();
    this.changes.clear();
    if (this.cfg.ownsConnection) await this.conn.close();
  }
}

export function createMeshClient(cfg: MeshClientConfig): MeshClient {
  return new MeshClientImpl(cfg);
}
