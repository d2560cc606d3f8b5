/**
 * `panorama --sim`: a simulator and its driver in this process on a private local mesh, so a scan needs no broker
 * and no robot. The scan still goes through MeshClient.invoke like any other caller.
 */
import type { Logger } from '../log';
import type { MeshClient } from '../mesh/types';

export interface PanoramaSimStack {
  mesh: MeshClient;
  simUrl: string;
  close(): Promise<void>;
}

export async function startPanoramaSimStack(opts: { deviceId: string; logger: Logger; mode?: 'robot' | 'mockup' }): Promise<PanoramaSimStack> {
  const [{ startSimulator }, mesh, { startReachyDriver }] = await Promise.all([
    import('../sim/server'),
    import('../mesh'),
    import('../driver'),
  ]);
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: opts.mode ?? 'robot' });
  const closers: Array<() => Promise<void>> = [() => sim.stop()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => opts.logger.warn(`shutdown: ${(err as Error).message}`));
  };
  try {
    await sim.ready();
    const local = mesh.createLocalMesh();
    const config = { backend: 'local' as const, urls: [], tenant: 'default', discoveryMode: 'd2d' as const, allowInsecure: true, requestTimeoutMs: 15_000 };
    const driverConn = await mesh.openMesh(config, { localMesh: local });
    closers.push(() => driverConn.close());
    const driver = await startReachyDriver({ connection: driverConn, target: sim.url, deviceId: opts.deviceId, logger: opts.logger.child('driver') });
    closers.push(() => driver.close());
    const clientConn = await mesh.openMesh(config, { localMesh: local });
    const client = mesh.createMeshClient({ connection: clientConn, ownsConnection: true, logger: opts.logger.child('mesh') });
    closers.push(() => client.close());
    opts.logger.info(`simulator at ${sim.url}, driver '${driver.deviceId}' on the in-process mesh`);
    return { mesh: client, simUrl: sim.url, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
