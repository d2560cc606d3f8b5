/**
 * The production topology of docs/DEPLOYMENT.md in miniature: a 3-node cluster and, on the "robot", a leaf-node
 * nats-server whose remote lists every cluster node. The driver talks only to its local leaf; the agent sits on a
 * cluster node. Killing the cluster node that carries the leaf's uplink: the leaf moves to a surviving node, the
 * driver's own connection never drops, and the agent's invokes and events resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeafNode, startNatsCluster, type NatsClusterHandle, type NatsServerHandle } from '../../helpers/nats-server';
import { createMeshClient, meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { setStderrLogging } from '../../../src/main/log';
import { startSimulator, type Simulator } from '../../../src/main/sim';
import { targetForSimulator } from '../../../src/main/reachy';
import { startReachyDriver, type ReachyDriverHandle } from '../../../src/main/driver';

setStderrLogging(false);
const ID = 'reachy-leaf-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('a robot behind a leaf node on a 3-node cluster', () => {
  let cluster: NatsClusterHandle;
  let leaf: NatsServerHandle;
  let sim: Simulator;
  let driverConn: MeshConnection;
  let driver: ReachyDriverHandle;
  let agent: MeshClient;
  let hub = -1;
  const driverStatuses: string[] = [];
  const events: number[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    leaf = await startLeafNode(cluster);
    hub = await until('leaf uplink', async () => {
      const n = await cluster.leafHub();
      return n >= 0 ? n + 1 : 0;
    }).then((n) => n - 1);
    sim = await startSimulator({ port: 0, mode: 'mockup', seed: 7 });
    await sim.ready();
    driverConn = await openMesh(meshConfigFromEnv({}, { urls: [leaf.url], allowInsecure: true, discoveryMode: 'd2d' }));
    driverConn.onStatus((s) => driverStatuses.push(s));
    driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId: ID,
      stateHz: 10,
      media: false,
      heartbeatLogS: 0,
      runtime: { presenceTiming: { burstIntervalMs: 200, burstDurationMs: 2_000, intervalMs: 1_000 } },
    });
    agent = createMeshClient({
      connection: await openMesh(meshConfigFromEnv({}, { urls: [cluster.urls[(hub + 1) % 3]], allowInsecure: true, discoveryMode: 'd2d', requestTimeoutMs: 2_000 })),
      ownsConnection: true,
      discoveryWaitMs: 300,
    });
    agent.subscribe(ID, 'state_event', () => events.push(Date.now()));
  }, 60_000);

  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await driver?.close().catch(() => undefined);
    await driverConn?.close().catch(() => undefined);
    await sim?.stop();
    await leaf?.stop();
    await cluster?.stop();
  });

  it('keeps the robot reachable when the cluster node carrying its uplink dies', async () => {
    await until('agent sees the robot', async () => (await agent.listDevices()).some((d) => d.device_id === ID));
    expect(((await agent.invoke(ID, 'get_status', {})) as { driver_state: unknown }).driver_state).toBeTruthy();
    await until('events across the leaf', () => events.length > 0);

    const killedAt = Date.now();
    await cluster.nodes[hub].kill();
    const newHub = await until('leaf re-attached to a surviving node', async () => {
      const n = await cluster.leafHub();
      return n >= 0 && n !== hub ? n + 1 : 0;
    }).then((n) => n - 1);
    expect(newHub).not.toBe(hub);
    await until('invoke through the new uplink', async () => {
      try {
        return Boolean(await agent.invoke(ID, 'get_status', {}));
      } catch {
        return false;
      }
    });
    if (process.env.CLUSTER_TEST_REPORT === '1') process.stderr.write(`[leaf] invokes resumed ${Date.now() - killedAt} ms after the hub died\n`);
    const n = events.length;
    await until('events after the move', () => events.length > n + 3);
    // The driver's link to its local leaf never dropped: nothing on the robot had to reconnect.
    expect(driverStatuses).not.toContain('reconnecting');
    expect((await agent.listDevices()).some((d) => d.device_id === ID)).toBe(true);
  }, 60_000);
});
