/**
 * B7: fleet scale on one nats-server, at 50 / 500 / 5,000 simulated devices (tests/integration/scale/sim-fleet.ts:
 * the real wire protocol, one lean process instead of thousands of simulators), through the MCP bridge over stdio.
 * Per size:
 * - a registration storm: every device starts at once through the product's Registrar (start jitter, backoff),
 *   against the test registry; time until all are registered;
 * - infra: `describe_fleet` and a paged `list_devices` (limit 20) via the bridge (paged discovery/listDevices);
 * - D2D: time for a fresh collector to hear every device after its probe, then `describe_fleet` / `list_devices`;
 * - the largest describe_fleet / list_devices reply (must stay under the 900,000-byte payload cap).
 * `B7_SIZES=5000 npm run bench B7` runs one size.
 */
import { startNatsServer } from '../helpers/nats-server';
import { startTestRegistry } from '../helpers/test-registry';
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { REPLY_CAP_BYTES } from '../../src/main/mesh/rpc';
import { startSimFleet } from '../integration/scale/sim-fleet';
import { median, percentile, round, type Bench, type BenchResult } from './harness';
import { spawnBridge, type BridgeClient } from './mcp-bridge-client';

const SIZES = (process.env.B7_SIZES ?? '50,500,5000')
  .split(',')
  .map((s) => Number.parseInt(s, 10))
  .filter((n) => n > 0);
const TARGET_P50_MS = 300;
const TARGET_DISCOVERY_MS = 5_000;
const TARGET_STORM_MS = 60_000;

interface Calls {
  fleet: number[];
  pages: number[];
  maxReplyBytes: number;
}

async function measure(bridge: BridgeClient, n: number, rounds: number): Promise<Calls> {
  const out: Calls = { fleet: [], pages: [], maxReplyBytes: 0 };
  const note = (text: string): void => {
    out.maxReplyBytes = Math.max(out.maxReplyBytes, Buffer.byteLength(text));
  };
  for (let k = 0; k < rounds; k++) {
    let t0 = performance.now();
    const fleetText = await bridge.call('describe_fleet');
    out.fleet.push(performance.now() - t0);
    note(fleetText);
    const fleet = JSON.parse(fleetText) as { total_devices: number };
    if (fleet.total_devices !== n) throw new Error(`describe_fleet saw ${fleet.total_devices} of ${n} devices`);
    t0 = performance.now();
    const offset = (k * 20) % n;
    const pageText = await bridge.call('list_devices', { offset, limit: 20 });
    out.pages.push(performance.now() - t0);
    note(pageText);
    const page = JSON.parse(pageText) as { devices: unknown[]; total: number };
    if (page.devices.length !== Math.min(20, n - offset) || page.total !== n) throw new Error(`list_devices page has the wrong shape (total ${page.total})`);
  }
  // The widest replies an agent can ask for: the largest page and the grouped listing.
  for (const args of [{ limit: 1000 }, { group_by: 'location' }, { group_by: 'device_type', limit: 1000 }]) note(await bridge.call('list_devices', args));
  return out;
}

interface SizeResult {
  n: number;
  stormMs: number;
  stormFailures: number;
  infra: Calls;
  discoveryMs: number;
  d2d: Calls;
}

async function runSize(n: number): Promise<SizeResult> {
  const nats = await startNatsServer();
  const regConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
  const registry = startTestRegistry({ connection: regConn });
  const fleetConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, requestTimeoutMs: 20_000 }));
  const rounds = n >= 5000 ? 15 : 30;
  let bridge: BridgeClient | null = null;
  let fleet: ReturnType<typeof startSimFleet> | null = null;
  try {
    await regConn.flush();
    // The storm: all devices at once, each with the product's start jitter (2 s) and backoff.
    const t0 = performance.now();
    fleet = startSimFleet({ connection: fleetConn, count: n, mode: 'infra', jitterMs: 2_000 });
    await fleet.allRegistered(TARGET_STORM_MS * 2);
    const stormMs = performance.now() - t0;
    const stormFailures = fleet.failures();
    if (registry.devices().length !== n) throw new Error(`registry holds ${registry.devices().length} of ${n}`);
    bridge = await spawnBridge(nats.url, { DEVICE_CONNECT_DISCOVERY_MODE: 'infra' });
    const infra = await measure(bridge, n, rounds);
    await bridge.close();
    bridge = null;
    fleet.stop();

    // D2D: the same devices announcing presence (every 5 s, spread) and answering probes.
    fleet = startSimFleet({ connection: fleetConn, count: n, mode: 'd2d' });
    const listenerConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' }));
    const listener = createMeshClient({ connection: listenerConn, ownsConnection: true, discoveryWaitMs: 100 });
    const d0 = performance.now();
    let discoveryMs = NaN;
    try {
      for (;;) {
        const seen = (await listener.listDevices()).length;
        if (seen === n) {
          discoveryMs = performance.now() - d0;
          break;
        }
        if (performance.now() - d0 > 30_000) throw new Error(`D2D discovery saw ${seen} of ${n} devices in 30 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await listener.close();
    }
    bridge = await spawnBridge(nats.url);
    const warmEnd = Date.now() + 30_000;
    while ((JSON.parse(await bridge.call('describe_fleet')) as { total_devices: number }).total_devices !== n) {
      if (Date.now() > warmEnd) throw new Error('the bridge did not hear every device within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const d2d = await measure(bridge, n, rounds);
    return { n, stormMs, stormFailures, infra, discoveryMs, d2d };
  } finally {
    fleet?.stop();
    await bridge?.close().catch(() => undefined);
    registry.stop();
    await fleetConn.close().catch(() => undefined);
    await regConn.close().catch(() => undefined);
    await nats.stop();
  }
}

export const b7: Bench = {
  id: 'B7',
  name: 'fleet scale: registration storm, describe_fleet / paged list_devices via the MCP bridge (infra and D2D)',
  async run(): Promise<BenchResult[]> {
    const sizes: SizeResult[] = [];
    for (const n of SIZES) sizes.push(await runSize(n));
    const rows: BenchResult[] = [];
    const p = (v: number[]): number => round(median(v), 1);
    for (const s of sizes) {
      const cap = Math.max(s.infra.maxReplyBytes, s.d2d.maxReplyBytes);
      const p50s = [median(s.infra.fleet), median(s.infra.pages), median(s.d2d.fleet), median(s.d2d.pages)];
      rows.push({
        id: `B7/${s.n}`,
        name: `${s.n} devices: describe_fleet and list_devices (limit 20) via the MCP bridge, infra and D2D`,
        metrics: {
          devices: s.n,
          infra_describe_p50_ms: p(s.infra.fleet),
          infra_describe_p99_ms: round(percentile(s.infra.fleet, 99), 1),
          infra_list_p50_ms: p(s.infra.pages),
          d2d_describe_p50_ms: p(s.d2d.fleet),
          d2d_list_p50_ms: p(s.d2d.pages),
          max_reply_bytes: cap,
        },
        target: `p50 ≤ ${TARGET_P50_MS} ms; replies < ${REPLY_CAP_BYTES} bytes`,
        pass: p50s.every((v) => v <= TARGET_P50_MS) && cap < REPLY_CAP_BYTES,
      });
      rows.push({
        id: `B7s/${s.n}`,
        name: `${s.n} devices: registration storm (all start at once, 2 s jitter, backoff) and D2D discovery after a probe`,
        metrics: { devices: s.n, storm_all_registered_ms: round(s.stormMs, 0), storm_failed_attempts: s.stormFailures, d2d_discovery_ms: round(s.discoveryMs, 0) },
        target: `all registered ≤ ${TARGET_STORM_MS / 1000} s; D2D discovery ≤ ${TARGET_DISCOVERY_MS / 1000} s`,
        pass: s.stormMs <= TARGET_STORM_MS && s.discoveryMs <= TARGET_DISCOVERY_MS,
      });
    }
    return rows;
  },
};

/** describe_fleet p50 against fleet size, as a small table (how cost grows). */
export function fleetGrowthTable(results: BenchResult[]): string {
  const rows = results.filter((r) => r.id.startsWith('B7/'));
  return [
    '| devices | infra describe_fleet p50 ms | infra list_devices p50 ms | D2D describe_fleet p50 ms | D2D list_devices p50 ms | largest reply bytes |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const m = r.metrics;
      return `| ${m.devices} | ${m.infra_describe_p50_ms} | ${m.infra_list_p50_ms} | ${m.d2d_describe_p50_ms} | ${m.d2d_list_p50_ms} | ${m.max_reply_bytes} |`;
    }),
  ].join('\n');
}
