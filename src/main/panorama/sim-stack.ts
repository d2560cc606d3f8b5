/**
 * `panorama --sim` (and the simulator tests): a simulator with its camera, and its driver, in this process on a
 * private local mesh, so a scan needs no broker and no robot. The scan still goes through MeshClient.invoke like
 * any other caller.
 */
import type { Logger } from '../log';
import type { MeshClient } from '../mesh/types';
import type { Simulator } from '../sim';

export interface PanoramaSimStack {
  mesh: MeshClient;
  sim: Simulator;
  close(): Promise<void>;
}

/** The driver trips its interlock when the daemon is not up at start, so wait until the sim's daemon runs. */
async function waitDaemonRunning(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/daemon/status`);
      if (res.ok && ((await res.json()) as { state?: unknown }).state === 'running') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPanoramaSimStack(opts: { deviceId: string; logger: Logger; mode?: 'robot' | 'mockup' }): Promise<PanoramaSimStack> {
  const [{ startSimulator }, { attachSimMedia }, mesh, { targetForSimulator }, { startReachyDriver }] = await Promise.all([
    import('../sim'),
    import('../sim/media'),
    import('../mesh'),
    import('../reachy'),
    import('../driver'),
  ]);
  const log = opts.logger;
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: opts.mode ?? 'robot', wakeUpOnStart: true });
  const closers: Array<() => Promise<unknown>> = [() => sim.stop()];
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    for (const c of closers.reverse()) await c().catch((err: unknown) => log.warn(`shutdown: ${(err as Error).message}`));
  };
  try {
    const media = await attachSimMedia(sim, { webrtc: false, logger: log.child('sim-media') });
    const m = media as { close?: () => Promise<unknown> };
    if (typeof m.close === 'function') closers.push(() => m.close!());
    await waitDaemonRunning(sim.url, 15_000);
    const local = mesh.createLocalMesh();
    const driverConn = local.connect();
    closers.push(() => driverConn.close());
    const driver = await startReachyDriver({ connection: driverConn, target: targetForSimulator(sim), deviceId: opts.deviceId, logger: log.child('driver') });
    closers.push(() => driver.close());
    const client = mesh.createMeshClient({ connection: local.connect(), ownsConnection: true, logger: log.child('mesh') });
    closers.push(() => client.close());
    log.info(`simulator at ${sim.url}, driver '${driver.deviceId}' on the in-process mesh`);
    return { mesh: client, sim, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
