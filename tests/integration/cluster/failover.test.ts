/**
 * A 3-node nats-server cluster (routes on loopback). The driver is given every node's URL and lands on one node;
 * the agent (the MCP bridge over stdio), the console (ConsoleHost) and an event listener sit on another. Killing the
 * driver's node must move the driver to a surviving node by itself (no restart), after which invokes and events
 * flow again and discovery (D2D presence, or the infra registry) keeps listing the device.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startNatsCluster, type NatsClusterHandle } from '../../helpers/nats-server';
import { startTestRegistry, type TestRegistry } from '../../helpers/test-registry';
import { createMeshClient, meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import { openNats } from '../../../src/main/mesh/nats';
import type { MeshClient } from '../../../src/main/mesh/types';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { targetForSimulator } from '../../../src/main/reachy';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';
import { ConsoleHost, type ConsoleSession } from '../../../src/main/console/host';
import { realBackends } from '../../../src/main/app/real-backends';
import { createSettingsStore } from '../../../src/main/console/settings';
import type { ReplyFrame } from '../../../src/shared/console-api';

setStderrLogging(false);
const ROOT = new URL('../../../', import.meta.url).pathname;
const ID = 'reachy-cluster-1';
const DRIVER_NAME = 'cluster-test-driver';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe.each(['d2d', 'infra'] as const)('a 3-node NATS cluster, %s discovery: the driver survives the loss of its node', (mode) => {
  let cluster: NatsClusterHandle;
  let sim: Simulator;
  let driverConn: MeshConnection;
  let driver: ReachyDriverHandle;
  let registryConn: MeshConnection | null = null;
  let registry: TestRegistry | null = null;
  let listener: MeshClient;
  let bridge: Client;
  let host: ConsoleHost;
  let session: ConsoleSession;
  let driverNode = -1;
  let agentNode = -1;
  const statuses: Array<{ status: string; at: number }> = [];
  const events: number[] = [];
  let seq = 1;

  const tool = async (name: string, args: Record<string, unknown> = {}): Promise<string> =>
    ((await bridge.callTool({ name, arguments: args })) as { content: Array<{ text: string }> }).content[0].text;
  const consoleCall = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const r: ReplyFrame = await session.handle({ id: seq++, method, params });
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  };
  const bridgeSees = async (): Promise<boolean> => {
    const list = JSON.parse(await tool('list_devices', { limit: 50 })) as { devices: Array<{ device_id: string }> };
    return list.devices.some((d) => d.device_id === ID);
  };
  const consoleSees = async (): Promise<boolean> =>
    (await consoleCall<Array<{ device_id: string; online?: boolean }>>('listDevices')).some((d) => d.device_id === ID && d.online !== false);

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    sim = await startSimulator({ port: 0, mode: 'mockup', seed: 7 });
    await sim.ready();
    // The driver gets every node's URL (MESSAGING_URLS=a,b,c) and picks one.
    driverConn = await openNats(meshConfigFromEnv({ MESSAGING_URLS: cluster.urls.join(',') }, { allowInsecure: true, discoveryMode: mode }), {
      name: DRIVER_NAME,
    });
    driverConn.onStatus((status) => statuses.push({ status, at: Date.now() }));
    driverNode = await until('driver on a node', async () => {
      const n = await cluster.nodeOf(DRIVER_NAME);
      return n >= 0 ? n + 1 : 0;
    }).then((n) => n - 1);
    agentNode = (driverNode + 1) % 3;
    const agentUrl = cluster.urls[agentNode];
    if (mode === 'infra') {
      registryConn = await openMesh(meshConfigFromEnv({}, { urls: [agentUrl], allowInsecure: true }));
      registry = startTestRegistry({ connection: registryConn });
      await registryConn.flush();
    }
    driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId: ID,
      stateHz: 10,
      media: false,
      heartbeatLogS: 0,
      runtime: { registerJitterMs: 0, ttlS: 5, presenceTiming: { burstIntervalMs: 200, burstDurationMs: 2_000, intervalMs: 1_000 } },
    });

    listener = createMeshClient({
      connection: await openMesh(meshConfigFromEnv({}, { urls: [agentUrl], allowInsecure: true, discoveryMode: mode })),
      ownsConnection: true,
      discoveryWaitMs: 300,
    });
    listener.subscribe(ID, 'state_event', () => events.push(Date.now()));

    bridge = new Client({ name: 'cluster-test', version: '1' });
    await bridge.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/reachy-console.mjs', 'mcp', '--allow', 'get_*'],
        cwd: ROOT,
        stderr: 'ignore',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NATS_URL: agentUrl,
          DEVICE_CONNECT_ALLOW_INSECURE: '1',
          DEVICE_CONNECT_DISCOVERY_MODE: mode,
        },
      }),
    );

    const dir = mkdtempSync(join(tmpdir(), 'cluster-console-'));
    host = new ConsoleHost({ backends: realBackends(), settings: createSettingsStore(join(dir, 's.json'), {}), dataDir: dir });
    await host.init(false);
    session = host.openSession(() => undefined);
    await consoleCall('connectMesh', { kind: 'nats', urls: [agentUrl], allowInsecure: true, discoveryMode: mode });
  }, 60_000);

  afterAll(async () => {
    session?.close();
    await host?.close().catch(() => undefined);
    await bridge?.close().catch(() => undefined);
    await listener?.close().catch(() => undefined);
    await driver?.close().catch(() => undefined);
    await driverConn?.close().catch(() => undefined);
    registry?.stop();
    await registryConn?.close().catch(() => undefined);
    await sim?.stop();
    await cluster?.stop();
  });

  it('moves to a surviving node; invokes, events and discovery carry on without a restart', async () => {
    expect(driverNode).toBeGreaterThanOrEqual(0);
    expect(agentNode).not.toBe(driverNode);
    // Across the routes: the agent and console on another node see and invoke the driver.
    await until('bridge lists the driver', bridgeSees);
    await until('console lists the driver', consoleSees);
    const before = JSON.parse(await tool('invoke_device', { device_id: ID, function: 'get_status' })) as { success: boolean };
    expect(before.success).toBe(true);
    await until('state events across the cluster', () => events.length > 0);
    const registrationsBefore = registry?.log.filter((l) => l.method === 'registerDevice').length ?? 0;

    const killedAt = Date.now();
    await cluster.nodes[driverNode].kill();

    // Discovery keeps listing the device while the driver moves (sampled throughout the failover).
    const sightings: boolean[] = [];
    const newNode = await until('driver reconnected to a surviving node', async () => {
      sightings.push((await bridgeSees()) && (await consoleSees()));
      const n = await cluster.nodeOf(DRIVER_NAME);
      return driverConn.status() === 'connected' && n >= 0 && n !== driverNode ? n + 1 : 0;
    }).then((n) => n - 1);
    expect(newNode).not.toBe(driverNode);
    expect(statuses.map((s) => s.status)).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
    const reconnectMs = statuses.find((s) => s.status === 'connected' && s.at >= killedAt)!.at - killedAt;
    if (process.env.CLUSTER_TEST_REPORT === '1') process.stderr.write(`[cluster ${mode}] driver reconnected in ${reconnectMs} ms\n`);

    // Invokes resume on the same driver process: same device, no restart.
    const after = await until('invoke after failover', async () => {
      const r = JSON.parse(await tool('invoke_device', { device_id: ID, function: 'get_status' })) as { success: boolean; result?: unknown };
      return r.success ? r : null;
    });
    expect(after.success).toBe(true);
    const eventsAtReconnect = events.length;
    await until('state events after failover', () => events.length > eventsAtReconnect + 3);
    for (let i = 0; i < 5; i++) sightings.push((await bridgeSees()) && (await consoleSees()));
    expect(sightings.every(Boolean)).toBe(true);

    if (mode === 'infra') {
      // The driver re-registered over the new node, and the registry still holds it.
      await until('re-registration after failover', () => (registry!.log.filter((l) => l.method === 'registerDevice').length > registrationsBefore ? true : null));
      expect(registry!.devices().map((d) => d.device_id)).toContain(ID);
    } else {
      // Fresh presence reaches the agent's side through a surviving node.
      await until('fresh presence after failover', async () => {
        const d = (await listener.listDevices()).find((x) => x.device_id === ID);
        return d && d.last_seen > killedAt ? d : null;
      });
    }
  }, 60_000);
});
