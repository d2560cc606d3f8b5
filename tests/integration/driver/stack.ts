/** A real simulator + the driver on a real nats-server (or the in-process mesh) + an agent-side MeshClient. */
import { setStderrLogging } from '../../../src/main/log';
import { createLocalMesh, createMeshClient, meshConfigFromEnv, openMesh, type MeshConnection } from '../../../src/main/mesh';
import type { MeshClient } from '../../../src/main/mesh/types';
import { targetForSimulator } from '../../../src/main/reachy';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/main/sim';
import { startReachyDriver, type ReachyDriverHandle, type StartReachyDriverOptions } from '../../../src/main/driver';

export interface Stack {
  sim: Simulator;
  driver: ReachyDriverHandle;
  client: MeshClient;
  /** Opens another agent-side connection + client on the same mesh. */
  newClient(): Promise<MeshClient>;
  newConnection(): Promise<MeshConnection>;
  close(): Promise<void>;
}

export async function startStack(opts: {
  natsUrl?: string;
  deviceId?: string;
  stateHz?: number;
  driver?: Partial<StartReachyDriverOptions>;
  sim?: Partial<SimulatorOptions>;
}): Promise<Stack> {
  setStderrLogging(process.env.DRIVER_TEST_LOGS === '1');
  const sim = await startSimulator({ port: 0, mode: 'mockup', seed: 7, ...opts.sim });
  await sim.ready();
  const local = opts.natsUrl ? null : createLocalMesh();
  const connections: MeshConnection[] = [];
  const newConnection = async (): Promise<MeshConnection> => {
    const c = local
      ? local.connect({ requestTimeoutMs: 10_000 })
      : await openMesh(meshConfigFromEnv({}, { urls: [opts.natsUrl!], allowInsecure: true, requestTimeoutMs: 10_000, discoveryMode: 'd2d' }));
    connections.push(c);
    return c;
  };
  const driverConn = await newConnection();
  const driver = await startReachyDriver({
    connection: driverConn,
    target: targetForSimulator(sim),
    deviceId: opts.deviceId ?? 'reachy-test-1',
    stateHz: opts.stateHz ?? 0,
    media: false,
    heartbeatLogS: 0,
    ...opts.driver,
  });
  const clients: MeshClient[] = [];
  const newClient = async (): Promise<MeshClient> => {
    const c = createMeshClient({ connection: await newConnection(), ownsConnection: true, discoveryWaitMs: 300 });
    clients.push(c);
    return c;
  };
  const client = await newClient();
  return {
    sim,
    driver,
    client,
    newClient,
    newConnection,
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await driver.close().catch(() => undefined);
      for (const c of connections) await c.close().catch(() => undefined);
      await sim.stop();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 5000, stepMs = 25): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}
