/**
 * A lean simulated fleet that speaks the real Device Connect wire protocol without one runtime per device:
 * - infra: each device registers through the product's own Registrar (random start jitter, 1→30 s backoff with
 *   jitter), then heartbeats on `device-connect.<t>.<id>.heartbeat` (one timer for the fleet, devices spread over the
 *   period), and answers `requestRegistration` when the registry pulls it;
 * - d2d: presence docs on `device-connect.<t>.<id>.presence`, spread over the announce interval, and every device's
 *   presence again on each `discovery.probe`;
 * - `.cmd`: one wildcard responder answers JSON-RPC for every device (`ping`, `get_status`, `set_mode`).
 * Thousands of devices cost a few subscriptions, not thousands of simulators.
 */
import type { MeshConnection } from '../../../src/main/mesh';
import { Registrar } from '../../../src/main/mesh/registrar';

export const FLEET_TYPES = ['reachy_mini', 'sensor', 'camera', 'lamp', 'arm'];
export const FLEET_LOCATIONS = ['lab-1', 'lab-2', 'hall', 'desk', 'roof', 'shop', 'dock', 'gate'];

export interface SimFleetOptions {
  connection: MeshConnection;
  count: number;
  mode: 'infra' | 'd2d';
  tenant?: string;
  /** Registration start jitter per device (the registration-herd spread), ms. */
  jitterMs?: number;
  registerTimeoutMs?: number;
  backoffMs?: { min: number; max: number };
  ttlS?: number;
  /** D2D: every device's presence once per this period, spread evenly (ms). */
  presenceIntervalMs?: number;
}

export interface SimFleet {
  ids: string[];
  registered(): number;
  /** Registration attempts that failed (each one retried after a backoff). */
  failures(): number;
  /** Resolves when every device holds a registration id (infra). */
  allRegistered(timeoutMs: number): Promise<void>;
  /** Publish every device's presence now (d2d). */
  announceAll(): void;
  stop(): void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function simDeviceId(i: number): string {
  return `sim-${String(i).padStart(5, '0')}`;
}

/** The device's capabilities/identity/status, in the shape DeviceRuntime registers and announces. */
export function simDeviceDoc(i: number): { device_id: string; capabilities: object; identity: object; status: Record<string, unknown> } {
  const type = FLEET_TYPES[i % FLEET_TYPES.length];
  const location = FLEET_LOCATIONS[i % FLEET_LOCATIONS.length];
  const functions = ['get_status', 'set_mode', 'ping'].map((name) => ({
    name,
    description: `${name} of ${type}`,
    parameters: { type: 'object', properties: { value: { type: 'number' } }, required: [] },
    labels: null,
    tags: [],
  }));
  return {
    device_id: simDeviceId(i),
    capabilities: {
      description: `simulated ${type}`,
      functions,
      events: [{ name: 'state', description: '', payload_schema: null, labels: null, tags: [] }],
      labels: { location },
    },
    identity: { device_type: type, manufacturer: 'sim', model: type },
    status: { ts: new Date().toISOString().slice(0, 19) + 'Z', location, availability: i % 7 ? 'available' : 'busy', online: true },
  };
}

export function startSimFleet(opts: SimFleetOptions): SimFleet {
  const conn = opts.connection;
  const tenant = opts.tenant ?? conn.tenant;
  const ttlS = opts.ttlS ?? 30;
  const ids = Array.from({ length: opts.count }, (_, i) => simDeviceId(i));
  const index = new Map(ids.map((id, i) => [id, i]));
  const docs = ids.map((_, i) => simDeviceDoc(i));
  const registerParams = (i: number) => ({ ...docs[i], device_ttl: ttlS });
  const presence = ids.map((_, i) => enc.encode(JSON.stringify({ ...docs[i], ts: Date.now() / 1000, d2d: true })));
  const timers: NodeJS.Timeout[] = [];
  const subs = [
    conn.subscribe(`device-connect.${tenant}.*.cmd`, (msg) => {
      const id = msg.subject.split('.')[2];
      const i = index.get(id);
      if (i === undefined || !msg.reply) return;
      let req: { id?: unknown; method?: unknown };
      try {
        req = JSON.parse(dec.decode(msg.data)) as typeof req;
      } catch {
        return;
      }
      const result =
        req.method === 'requestRegistration'
          ? registerParams(i)
          : req.method === 'get_status'
            ? docs[i].status
            : { ok: true, device_id: id, method: String(req.method) };
      try {
        conn.publish(msg.reply, JSON.stringify({ jsonrpc: '2.0', id: req.id ?? null, result }));
      } catch {
        // Connection closing: the caller times out, as with a real device.
      }
    }),
  ];
  let registered = 0;
  let failures = 0;
  const registrars: Registrar[] = [];
  let waiters: Array<() => void> = [];

  const announce = (i: number): void => {
    try {
      conn.publish(`device-connect.${tenant}.${ids[i]}.presence`, presence[i]);
    } catch {
      // Connection closing or away: the next period announces again.
    }
  };
  const announceAll = (): void => {
    for (let i = 0; i < ids.length; i++) announce(i);
  };

  if (opts.mode === 'infra') {
    const done = new Set<number>();
    for (let i = 0; i < ids.length; i++) {
      const r = new Registrar(
        conn,
        tenant,
        ids[i],
        () => registerParams(i),
        {
          timeoutMs: opts.registerTimeoutMs ?? 15_000,
          jitterMs: opts.jitterMs ?? 2_000,
          backoffMinMs: opts.backoffMs?.min ?? 1_000,
          backoffMaxMs: opts.backoffMs?.max ?? 30_000,
        },
        {
          registered: () => {
            if (done.has(i)) return;
            done.add(i);
            registered++;
            if (registered === ids.length) for (const w of waiters.splice(0)) w();
          },
          failed: () => {
            failures++;
          },
        },
      );
      registrars.push(r);
      void r.register(true);
    }
    // Heartbeats: every registered device once per ttl/3, spread over the period in 100 ms slices.
    const periodMs = Math.max(1, ttlS / 3) * 1000;
    const slices = Math.max(1, Math.round(periodMs / 100));
    let slice = 0;
    const hb = setInterval(() => {
      const ts = Date.now() / 1000;
      for (let i = slice; i < ids.length; i += slices) {
        if (!done.has(i)) continue;
        try {
          conn.publish(`device-connect.${tenant}.${ids[i]}.heartbeat`, JSON.stringify({ device_id: ids[i], ts }));
        } catch {
          // Broker away: the next period tries again.
        }
      }
      slice = (slice + 1) % slices;
    }, 100);
    hb.unref();
    timers.push(hb);
  } else {
    subs.push(conn.subscribe(`device-connect.${tenant}.discovery.probe`, () => announceAll()));
    const intervalMs = opts.presenceIntervalMs ?? 5_000;
    const slices = Math.max(1, Math.round(intervalMs / 100));
    let slice = 0;
    const t = setInterval(() => {
      for (let i = slice; i < ids.length; i += slices) announce(i);
      slice = (slice + 1) % slices;
    }, 100);
    t.unref();
    timers.push(t);
    announceAll();
  }

  return {
    ids,
    registered: () => registered,
    failures: () => failures,
    announceAll,
    allRegistered: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (registered === ids.length) return resolve();
        const t = setTimeout(() => reject(new Error(`${registered} of ${ids.length} devices registered within ${timeoutMs} ms (${failures} failed attempts)`)), timeoutMs);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      }),
    stop: () => {
      for (const r of registrars) r.stop();
      for (const t of timers) clearInterval(t);
      for (const s of subs) s.unsubscribe();
      waiters = [];
    },
  };
}
