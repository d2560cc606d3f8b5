/**
 * B7: 500 simulated devices on one nats-server (D2D presence documents in the reference shape, each device
 * answering its .cmd), and the MCP bridge over stdio: `describe_fleet` and a paged `list_devices` (limit 20).
 */
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../helpers/nats-server';
import { startTestRegistry } from '../helpers/test-registry';
import { meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { median, percentile, round, type Bench, type BenchResult } from './harness';
import { spawnBridge } from './mcp-bridge-client';

const N = 500;
const TYPES = ['reachy_mini', 'sensor', 'camera', 'lamp', 'arm'];
const LOCATIONS = ['lab-1', 'lab-2', 'hall', 'desk', 'roof', 'shop', 'dock', 'gate'];

function registration(i: number): string {
  const doc = JSON.parse(presence(i)) as Record<string, unknown>;
  return JSON.stringify({
    jsonrpc: '2.0',
    id: `${doc.device_id as string}-${Date.now()}`,
    method: 'registerDevice',
    params: { device_id: doc.device_id, device_ttl: 600, capabilities: doc.capabilities, identity: doc.identity, status: doc.status },
  });
}

async function measure(call: (name: string, args?: Record<string, unknown>) => Promise<string>): Promise<{ fleet: number[]; pages: number[] }> {
  const fleet: number[] = [];
  const pages: number[] = [];
  for (let k = 0; k < 30; k++) {
    let t0 = performance.now();
    await call('describe_fleet');
    fleet.push(performance.now() - t0);
    t0 = performance.now();
    const page = JSON.parse(await call('list_devices', { offset: (k * 20) % N, limit: 20 })) as { devices: unknown[]; total: number };
    pages.push(performance.now() - t0);
    if (page.devices.length !== 20 || page.total !== N) throw new Error(`list_devices page has the wrong shape (total ${page.total})`);
  }
  return { fleet, pages };
}

function presence(i: number): string {
  const id = `dev-${String(i).padStart(3, '0')}`;
  const type = TYPES[i % TYPES.length];
  const location = LOCATIONS[i % LOCATIONS.length];
  const fns = ['get_status', 'set_mode', 'ping'].map((name) => ({
    name,
    description: `${name} of ${type}`,
    parameters: { type: 'object', properties: { value: { type: 'number' } }, required: [] },
    labels: null,
    tags: [],
  }));
  return JSON.stringify({
    device_id: id,
    capabilities: { description: `simulated ${type}`, functions: fns, events: [{ name: 'state', description: '', payload_schema: null, labels: null, tags: [] }], labels: { location } },
    identity: { device_type: type },
    status: { ts: new Date().toISOString().slice(0, 19) + 'Z', location, availability: i % 7 ? 'available' : 'busy' },
    ts: Date.now() / 1000,
    d2d: true,
  });
}

export const b7: Bench = {
  id: 'B7',
  name: '500 simulated devices: describe_fleet / paged list_devices via the MCP bridge',
  async run(): Promise<BenchResult[]> {
    const nats = await startNatsServer();
    const nc = await connect({ servers: nats.url });
    const enc = new TextEncoder();
    const docs = Array.from({ length: N }, (_, i) => enc.encode(presence(i)));
    const announceAll = (): void => docs.forEach((d, i) => nc.publish(`device-connect.default.dev-${String(i).padStart(3, '0')}.presence`, d));
    nc.subscribe('device-connect.default.discovery.probe', { callback: () => announceAll() });
    nc.subscribe('device-connect.default.*.cmd', {
      callback: (_e, m) => {
        const req = JSON.parse(new TextDecoder().decode(m.data)) as { id: string };
        m.respond(enc.encode(`{"jsonrpc": "2.0", "id": ${JSON.stringify(req.id)}, "result": {"ok": true}}`));
      },
    });
    await nc.flush();
    announceAll();
    const timer = setInterval(announceAll, 5000);
    const t0 = performance.now();
    const bridge = await spawnBridge(nats.url);
    let infra: Awaited<ReturnType<typeof spawnBridge>> | null = null;
    const regConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
    const registry = startTestRegistry({ connection: regConn });
    try {
      // Cold: a fresh bridge process, first describe_fleet (D2D probe + 500 presence answers).
      const cold = JSON.parse(await bridge.call('describe_fleet')) as { total_devices: number };
      const coldMs = performance.now() - t0;
      // Warm: until the bridge has heard every device.
      const end = Date.now() + 30_000;
      let seen = cold.total_devices;
      while (seen !== N && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        seen = (JSON.parse(await bridge.call('describe_fleet')) as { total_devices: number }).total_devices;
      }
      if (seen !== N) throw new Error(`bridge saw ${seen} of ${N} devices`);
      const d2d = await measure(bridge.call);
      const invoke = JSON.parse(await bridge.call('invoke_device', { device_id: 'dev-499', function: 'ping' })) as { success: boolean };
      if (!invoke.success) throw new Error('invoke on a simulated device failed');

      // Infra: the same 500 devices registered with the registry; the bridge pages discovery/listDevices.
      for (let i = 0; i < N; i++) await nc.request('device-connect.default.registry', enc.encode(registration(i)), { timeout: 5000 });
      infra = await spawnBridge(nats.url, { DEVICE_CONNECT_DISCOVERY_MODE: 'infra' });
      const inf = await measure(infra.call);

      const row = (id: string, name: string, v: number[], extra: Record<string, number> = {}): BenchResult => ({
        id,
        name,
        metrics: { devices: N, p50_ms: round(median(v)), p99_ms: round(percentile(v, 99)), ...extra },
        target: 'p50 ≤ 300 ms',
        pass: median(v) <= 300,
      });
      return [
        row('B7', `describe_fleet via the MCP bridge, ${N} devices on one nats-server (D2D)`, d2d.fleet, {
          cold_start_first_call_ms: round(coldMs, 1),
          cold_devices_seen: cold.total_devices,
        }),
        row('B7b', `paged list_devices (limit 20) via the MCP bridge, ${N} devices (D2D)`, d2d.pages),
        row('B7c', `describe_fleet via the MCP bridge, ${N} devices (infra registry, paged discovery)`, inf.fleet),
        row('B7d', `paged list_devices (limit 20) via the MCP bridge, ${N} devices (infra)`, inf.pages),
      ];
    } finally {
      clearInterval(timer);
      await bridge.close().catch(() => undefined);
      await infra?.close().catch(() => undefined);
      registry.stop();
      await regConn.close().catch(() => undefined);
      await nc.drain().catch(() => undefined);
      await nats.stop();
    }
  },
};
