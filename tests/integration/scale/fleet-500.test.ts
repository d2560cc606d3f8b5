/**
 * 500 simulated devices on one nats-server (the real wire protocol, tests/integration/scale/sim-fleet.ts): a
 * registration storm with every device starting at once (the product's Registrar: start jitter, backoff) ends with
 * all of them in the registry; the MCP bridge over stdio in infra mode describes and pages the whole fleet; in D2D
 * mode a fresh collector hears every device after one probe; no reply exceeds the payload cap.
 * (The 5,000-device version is B7 in `npm run bench`.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsServer, type NatsServerHandle } from '../../helpers/nats-server';
import { startTestRegistry, type TestRegistry } from '../../helpers/test-registry';
import { createMeshClient, meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import { REPLY_CAP_BYTES } from '../../../src/main/mesh/rpc';
import { setStderrLogging } from '../../../src/main/log';
import { FLEET_LOCATIONS, FLEET_TYPES, startSimFleet, type SimFleet } from './sim-fleet';

setStderrLogging(false);
const ROOT = new URL('../../../', import.meta.url).pathname;
const N = 500;

describe(`${N} simulated devices on one nats-server`, () => {
  let nats: NatsServerHandle;
  let regConn: MeshConnection;
  let fleetConn: MeshConnection;
  let registry: TestRegistry;
  let fleet: SimFleet | null = null;
  let client: Client | null = null;
  const replies: number[] = [];

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<string> => {
    const text = ((await client!.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text;
    replies.push(Buffer.byteLength(text));
    return text;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    regConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true }));
    fleetConn = await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, requestTimeoutMs: 20_000 }));
  }, 30_000);

  afterAll(async () => {
    fleet?.stop();
    await client?.close().catch(() => undefined);
    registry?.stop();
    await fleetConn?.close().catch(() => undefined);
    await regConn?.close().catch(() => undefined);
    await nats?.stop();
  });

  it('a registration storm of 500 devices starting at once, before the registry is up, ends with all registered', async () => {
    // Every device starts at once; the registry only comes up after most first attempts have failed, so the
    // devices get in through their backoff and retries, not their first try.
    fleet = startSimFleet({ connection: fleetConn, count: N, mode: 'infra', jitterMs: 500 });
    await new Promise((r) => setTimeout(r, 600));
    registry = startTestRegistry({ connection: regConn });
    await regConn.flush();
    await fleet.allRegistered(60_000);
    expect(fleet.failures()).toBeGreaterThan(0);
    const ids = registry.devices().map((d) => d.device_id);
    expect(new Set(ids).size).toBe(N);
    expect(ids.sort()).toEqual([...fleet.ids].sort());
  }, 90_000);

  it('the MCP bridge in infra mode describes the fleet and pages through every device', async () => {
    client = new Client({ name: 'scale-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/reachy-console.mjs', 'mcp'],
        cwd: ROOT,
        stderr: 'ignore',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NATS_URL: nats.url, DEVICE_CONNECT_ALLOW_INSECURE: '1', DEVICE_CONNECT_DISCOVERY_MODE: 'infra' },
      }),
    );
    const fleetDoc = JSON.parse(await call('describe_fleet')) as { total_devices: number; total_functions: number; by_type: Record<string, { count: number }>; by_location: Record<string, { count: number }> };
    expect(fleetDoc.total_devices).toBe(N);
    expect(fleetDoc.total_functions).toBe(N * 3);
    expect(Object.keys(fleetDoc.by_type).sort()).toEqual([...FLEET_TYPES].sort());
    expect(Object.values(fleetDoc.by_type).reduce((a, t) => a + t.count, 0)).toBe(N);
    expect(Object.keys(fleetDoc.by_location).sort()).toEqual([...FLEET_LOCATIONS].sort());

    const seen: string[] = [];
    for (let offset = 0; ; ) {
      const page = JSON.parse(await call('list_devices', { offset, limit: 100 })) as { devices: Array<{ device_id: string }>; total: number; has_more: boolean };
      expect(page.total).toBe(N);
      seen.push(...page.devices.map((d) => d.device_id));
      if (!page.has_more) break;
      offset += page.devices.length;
    }
    expect(seen.sort()).toEqual([...fleet!.ids].sort());

    const grouped = JSON.parse(await call('list_devices', { group_by: 'device_type' })) as { groups: Record<string, unknown[]>; total: number };
    expect(grouped.total).toBe(N);
    expect(Object.values(grouped.groups).reduce((a, g) => a + g.length, 0)).toBe(N);

    const invoke = JSON.parse(await call('invoke_device', { device_id: fleet!.ids[N - 1], function: 'ping' })) as { success: boolean; result: { device_id: string } };
    expect(invoke).toMatchObject({ success: true, result: { device_id: fleet!.ids[N - 1] } });
    expect(Math.max(...replies)).toBeLessThan(REPLY_CAP_BYTES);
  }, 60_000);

  it('in D2D mode a fresh collector hears all 500 devices after its probe', async () => {
    fleet?.stop();
    fleet = startSimFleet({ connection: fleetConn, count: N, mode: 'd2d', presenceIntervalMs: 60_000 });
    await fleetConn.flush();
    const listener = createMeshClient({
      connection: await openMesh(meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' })),
      ownsConnection: true,
      discoveryWaitMs: 200,
    });
    try {
      // The periodic presence is a minute away: only the probe answers can fill the collector this fast.
      await expect.poll(async () => (await listener.listDevices()).length, { timeout: 10_000 }).toBe(N);
      const devices = await listener.listDevices();
      expect(new Set(devices.map((d) => d.device_id)).size).toBe(N);
      expect(devices.every((d) => d.functions.length === 3 && d.source === 'd2d')).toBe(true);
    } finally {
      await listener.close();
    }
  }, 30_000);
});
