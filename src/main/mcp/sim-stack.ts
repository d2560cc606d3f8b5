/**
 * `mcp --sim`: a simulated Reachy Mini and its driver in this process, on a private in-process mesh, plus the
 * mesh client the bridge uses. No broker, no hardware: one command gives an agent a robot.
 */
import type { Logger } from '../log';
import type { MeshClient } from '../mesh/types';

export interface SimStack {
  mesh: MeshClient;
  close(): Promise<void>;
}

/** The driver trips its interlock when the daemon is not up at start, so wait until the sim's daemon runs. */
async function waitDaemonRunning(baseUrl: string, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'unknown';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/daemon/status`);
      if (res.ok) {
        last = String(((await res.json()) as { state?: unknown }).state);
        if (last === 'running') return;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log.warn(`simulator daemon not running after ${timeoutMs / 1000} s (state ${last}); starting the driver anyway`);
}

export async function startSimStack(opts: { deviceId: string; logger: Logger; mode?: 'robot' | 'mockup' }): Promise<SimStack> {
  const [{ createLocalMesh, createMeshClient }, { startSimulator }, { targetForSimulator }, { startReachyDriver }] = await Promise.all([
    import('../mesh'),
    import('../sim'),
    import('../reachy'),
    import('../driver'),
  ]);
  const log = opts.logger;
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: opts.mode ?? 'robot', wakeUpOnStart: true });
  log.info(`simulator listening on ${sim.url}`);
  await waitDaemonRunning(sim.url, 15_000, log);
  const local = createLocalMesh();
  const driverConn = local.connect();
  let driver: Awaited<ReturnType<typeof startReachyDriver>>;
  try {
    driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId: opts.deviceId,
      logger: log.child('driver'),
    });
  } catch (err) {
    await driverConn.close().catch(() => undefined);
    await sim.stop();
    throw err;
  }
  log.info(`driver serving ${driver.deviceId} on the in-process mesh`);
  const mesh = createMeshClient({ connection: local.connect(), ownsConnection: true, logger: log.child('mesh') });
  return {
    mesh,
    close: async () => {
      await mesh.close();
      await driver.close().catch((err: unknown) => log.warn(`driver shutdown: ${(err as Error).message}`));
      await driverConn.close().catch(() => undefined);
      await sim.stop();
    },
  };
}
