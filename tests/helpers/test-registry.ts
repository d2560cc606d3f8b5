/**
 * A protocol-faithful stand-in for the reference registry service (device_connect_server.registry.service,
 * docs/PROTOCOL.md), for infra-mode tests. It speaks over any MeshConnection (real NATS or local):
 * - `registerDevice` on `device-connect.*.registry` (queue "registry"): RegisterParams validation
 *   (-32602), unknown method -32601 "method not found", `device/online` published BEFORE the reply,
 *   reply `{status:"registered", device_registration_id:<uuid>}`;
 * - heartbeats on `device-connect.*.*.heartbeat`: refresh the lease, merge extras into status; an unknown
 *   heartbeating device is asked for `requestRegistration` and re-registered;
 * - offline monitor: no heartbeat for longer than the ttl → `device/offline` and the device is forgotten;
 * - `discovery/listDevices` (paged with {offset,limit}, clamp 200, -32602 on bad limit/offset, substring
 *   filters) and `discovery/getDevice` on `device-connect.*.discovery` (queue "orch"); other methods ignored.
 */
import { randomUUID } from 'node:crypto';
import type { MeshConnection, MeshSubscription } from '../../src/main/mesh';

type Json = Record<string, unknown>;

export interface StoredRecord {
  device_id: string;
  device_ttl: number;
  capabilities: Json;
  identity: Json;
  status: Json;
  registry: { device_registration_id: string; registered_at: string };
}

interface Entry {
  tenant: string;
  record: StoredRecord;
  lastHeartbeat: number;
}

export interface TestRegistryOptions {
  connection: MeshConnection;
  /** Offline check period (reference: 1 s). */
  checkMs?: number;
  maxLimit?: number;
}

export interface TestRegistry {
  devices(tenant?: string): StoredRecord[];
  /** Every JSON-RPC request the registry received, for assertions. */
  readonly log: Array<{ subject: string; method: string; params: unknown }>;
  /** Forget everything (simulates a registry restart that lost its leases). */
  forgetAll(): void;
  stop(): void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function isoSeconds(): string {
  return new Date().toISOString().slice(0, 19) + 'Z';
}

function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

class ValidationError extends Error {}

const SERVER_IDENTITY_KEYS = ['device_type', 'manufacturer', 'model', 'serial_number', 'firmware_version'];
const STATUS_KEYS = ['ts', 'location', 'busy_score', 'availability', 'task_stack', 'battery', 'online'];

/** pydantic RegisterParams of the reference registry (main.py), including its normalisation. */
function validateRegisterParams(p: unknown): Omit<StoredRecord, 'registry'> {
  const errors: string[] = [];
  if (!isObj(p)) throw new ValidationError('params must be an object');
  if (typeof p.device_id !== 'string') errors.push('device_id: Input should be a valid string');
  if (typeof p.device_ttl !== 'number' || !Number.isInteger(p.device_ttl) || p.device_ttl <= 0) {
    errors.push('device_ttl: Input should be greater than 0');
  }
  if (!isObj(p.capabilities)) errors.push('capabilities: Input should be a valid dictionary');
  if (!isObj(p.identity)) errors.push('identity: Input should be a valid dictionary');
  if (!isObj(p.status)) errors.push('status: Input should be a valid dictionary');
  else if (typeof p.status.ts !== 'string') errors.push('status.ts: Field required');
  if (errors.length) throw new ValidationError(`${errors.length} validation errors for RegisterParams: ${errors.join('; ')}`);
  const caps = p.capabilities as Json;
  const identityIn = p.identity as Json;
  const statusIn = p.status as Json;
  const identity: Json = { arch: identityIn.arch ?? 'arm64', host_cpu: identityIn.host_cpu ?? 'generic', dram_mb: identityIn.dram_mb ?? 0 };
  for (const k of SERVER_IDENTITY_KEYS) identity[k] = identityIn[k] ?? null;
  identity.capabilities = Array.isArray(identityIn.capabilities) ? identityIn.capabilities : [];
  const status: Json = {};
  for (const k of STATUS_KEYS) status[k] = statusIn[k] ?? null;
  return {
    device_id: p.device_id as string,
    device_ttl: p.device_ttl as number,
    capabilities: {
      description: caps.description ?? '',
      functions: Array.isArray(caps.functions) ? caps.functions : [],
      events: Array.isArray(caps.events) ? caps.events : [],
      labels: caps.labels ?? null,
    },
    identity,
    status,
  };
}

export function startTestRegistry(opts: TestRegistryOptions): TestRegistry {
  const conn = opts.connection;
  const maxLimit = opts.maxLimit ?? 200;
  const entries = new Map<string, Entry>(); // key: tenant/device_id
  const pulling = new Set<string>();
  const subs: MeshSubscription[] = [];
  const log: TestRegistry['log'] = [];

  const reply = (to: string | undefined, body: Json): void => {
    try {
      if (to) conn.publish(to, enc.encode(JSON.stringify(body)));
    } catch {
      // Broker gone: the caller times out, as with the real registry.
    }
  };
  const rpcErr = (id: unknown, code: number, message: string): Json => ({ jsonrpc: '2.0', id, error: { code, message } });

  const register = (tenant: string, params: unknown): string => {
    const valid = validateRegisterParams(params);
    const key = `${tenant}/${valid.device_id}`;
    const regId = randomUUID();
    const record: StoredRecord = { ...valid, registry: { device_registration_id: regId, registered_at: isoSeconds() } };
    entries.set(key, { tenant, record, lastHeartbeat: Date.now() });
    try {
      conn.publish(
        `device-connect.${tenant}.device.online`,
        JSON.stringify({ jsonrpc: '2.0', method: 'device/online', params: { device_id: valid.device_id, ts: isoSeconds() } }),
      );
    } catch {
      // Broker gone: registration still stands.
    }
    return regId;
  };

  subs.push(
    conn.subscribe(
      'device-connect.*.registry',
      (msg) => {
        const tenant = msg.subject.split('.')[1];
        let req: Json;
        try {
          const parsed = JSON.parse(dec.decode(msg.data)) as unknown;
          if (!isObj(parsed)) return;
          req = parsed;
        } catch {
          return;
        }
        log.push({ subject: msg.subject, method: String(req.method), params: req.params });
        if (req.method !== 'registerDevice') return reply(msg.reply, rpcErr(req.id, -32601, 'method not found'));
        try {
          const regId = register(tenant, req.params);
          reply(msg.reply, { jsonrpc: '2.0', id: req.id, result: { status: 'registered', device_registration_id: regId } });
        } catch (err) {
          if (err instanceof ValidationError) reply(msg.reply, rpcErr(req.id, -32602, err.message));
          else reply(msg.reply, rpcErr(req.id, -32603, String(err)));
        }
      },
      { queue: 'registry' },
    ),
  );

  subs.push(
    conn.subscribe('device-connect.*.*.heartbeat', (msg) => {
      const [, tenant, deviceId] = msg.subject.split('.');
      let hb: unknown;
      try {
        hb = JSON.parse(dec.decode(msg.data));
      } catch {
        return;
      }
      if (!isObj(hb)) return;
      const key = `${tenant}/${deviceId}`;
      const entry = entries.get(key);
      if (entry) {
        entry.lastHeartbeat = Date.now();
        for (const [k, v] of Object.entries(hb)) if (k !== 'device_id' && k !== 'ts') entry.record.status[k] = v;
        return;
      }
      if (pulling.has(key)) return;
      // Unknown heartbeating device (registry restart / lost lease): pull its registration (PR #42).
      pulling.add(key);
      const req = { jsonrpc: '2.0', id: `re-reg-${deviceId}-${Date.now()}`, method: 'requestRegistration', params: {} };
      conn
        .request(`device-connect.${tenant}.${deviceId}.cmd`, JSON.stringify(req), 5_000)
        .then((data) => {
          const resp = JSON.parse(dec.decode(data)) as Json;
          if (!isObj(resp.result)) throw new Error('no result');
          register(tenant, resp.result);
        })
        .catch(() => {
          // The reference logs "failed to pull registration from <id>" and tries again on the next heartbeat.
        })
        .finally(() => pulling.delete(key));
    }),
  );

  /** The listDevices result as JSON text: each page is serialised once (large fleets are tens of pages per listing). */
  const listDevices = (tenant: string, params: Json): string => {
    const type = typeof params.device_type === 'string' ? params.device_type.toLowerCase() : '';
    const loc = typeof params.location === 'string' ? params.location.toLowerCase() : '';
    const matched: StoredRecord[] = [];
    for (const e of entries.values()) {
      if (e.tenant !== tenant) continue;
      const r = e.record;
      if (type && !String(r.identity.device_type ?? '').toLowerCase().includes(type)) continue;
      if (loc && !String(r.status.location ?? '').toLowerCase().includes(loc)) continue;
      matched.push(r);
    }
    if (params.limit === undefined || params.limit === null) return JSON.stringify({ devices: matched });
    const limit = params.limit;
    const offset = params.offset ?? 0;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0) throw new ValidationError('limit must be a positive integer');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be a non-negative integer');
    let lim = Math.min(limit, maxLimit);
    // Large records (e.g. robots with many functions) could push a page over the broker's max_payload; a
    // shorter page with the right next_offset is still a valid reply, so shrink instead of failing.
    const budget = conn.maxPayload() - 1024;
    let pageJson = JSON.stringify(matched.slice(offset, offset + lim));
    while (lim > 1 && pageJson.length > budget) {
      lim = Math.ceil(lim / 2);
      pageJson = JSON.stringify(matched.slice(offset, offset + lim));
    }
    const next = offset + lim < matched.length ? offset + lim : null;
    return `{"devices":${pageJson},"next_offset":${JSON.stringify(next)},"total_matched":${matched.length}}`;
  };

  subs.push(
    conn.subscribe(
      'device-connect.*.discovery',
      (msg) => {
        const tenant = msg.subject.split('.')[1];
        let req: Json;
        try {
          const parsed = JSON.parse(dec.decode(msg.data)) as unknown;
          if (!isObj(parsed)) return;
          req = parsed;
        } catch {
          return;
        }
        log.push({ subject: msg.subject, method: String(req.method), params: req.params });
        const params = isObj(req.params) ? req.params : {};
        try {
          if (req.method === 'discovery/listDevices') {
            const result = listDevices(tenant, params);
            if (msg.reply) {
              try {
                conn.publish(msg.reply, enc.encode(`{"jsonrpc":"2.0","id":${JSON.stringify(req.id ?? null)},"result":${result}}`));
              } catch {
                // Broker gone: the caller times out, as with the real registry.
              }
            }
          } else if (req.method === 'discovery/getDevice') {
            if (typeof params.device_id !== 'string') throw new ValidationError('device_id is required');
            const e = entries.get(`${tenant}/${params.device_id}`);
            reply(msg.reply, { jsonrpc: '2.0', id: req.id, result: { device: e ? e.record : null } });
          }
          // Any other method is silently ignored, as the reference does.
        } catch (err) {
          if (err instanceof ValidationError) reply(msg.reply, rpcErr(req.id, -32602, err.message));
          else reply(msg.reply, rpcErr(req.id, -32000, String(err)));
        }
      },
      { queue: 'orch' },
    ),
  );

  const monitor = setInterval(() => {
    const now = Date.now();
    for (const [key, e] of entries) {
      if (now - e.lastHeartbeat > e.record.device_ttl * 1000) {
        entries.delete(key);
        try {
          conn.publish(
            `device-connect.${e.tenant}.device.offline`,
            JSON.stringify({ jsonrpc: '2.0', method: 'device/offline', params: { device_id: e.record.device_id, ts: isoSeconds() } }),
          );
        } catch {
          // Broker down: the device is forgotten anyway.
        }
      }
    }
  }, opts.checkMs ?? 1_000);

  return {
    log,
    devices: (tenant = 'default') => [...entries.values()].filter((e) => e.tenant === tenant).map((e) => e.record),
    forgetAll: () => entries.clear(),
    stop: () => {
      clearInterval(monitor);
      for (const s of subs) s.unsubscribe();
    },
  };
}
