/**
 * A simulated Reachy Mini, its driver and a mesh client on a private in-process mesh: what `mcp --sim`,
 * `panorama --sim`, `run --sim`, their tests and benchmarks need to give a caller a robot with no broker and no
 * hardware. A composition layer (like the console): the sim still does not know the driver, and callers still
 * reach the robot only through the returned MeshClient's invoke.
 */
import { errorMessage } from '../../shared/errors';
import type { Logger } from '../log';
import { createLogger } from '../log';
import type { LocalMesh, MeshClient } from '../mesh';
import type { ReachyDriverHandle } from '../driver';
import type { Simulator, SimulatorOptions } from '../sim';

export interface SimStackOptions {
  deviceId?: string;
  logger?: Logger;
  mode?: 'robot' | 'mockup';
  /** Run the daemon's wake_up at start (default true); the driver holds motion until it is done. */
  wakeUp?: boolean;
  /** Attach the simulator's camera/microphone (default true). WebRTC is not started here. */
  media?: boolean;
  /** Driver state_event rate (default: the driver's 20 Hz). */
  stateHz?: number;
  /** Extra simulator options (seed, clock, ...). */
  sim?: SimulatorOptions;
}

export interface SimStack {
  mesh: MeshClient;
  sim: Simulator;
  driver: ReachyDriverHandle;
  deviceId: string;
  /** The private in-process mesh (another "mesh member" joins it with `local.connect()`). */
  local: LocalMesh;
  close(): Promise<void>;
}

export async function startSimStack(opts: SimStackOptions = {}): Promise<SimStack> {
  // Lazy: keeps sharp, the sim and the driver out of commands that never use --sim.
  const [{ createLocalMesh, createMeshClient }, { startSimulator }, { targetForSimulator }, { startReachyDriver }] = await Promise.all([
    import('../mesh'),
    import('../sim'),
    import('../reachy'),
    import('../driver'),
  ]);
  const log = opts.logger ?? createLogger('sim-stack');
  const deviceId = opts.deviceId ?? 'reachy-mini-1';
  const wakeUp = opts.wakeUp ?? true;
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: opts.mode ?? 'robot', wakeUpOnStart: wakeUp, ...(opts.sim ?? {}) });
  const closers: Array<() => Promise<unknown>> = [() => sim.stop()];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const c of closers.reverse()) await c().catch((err: unknown) => log.warn(`shutdown: ${errorMessage(err)}`));
  };
  try {
    await sim.ready();
    if (opts.media !== false) {
      const { attachSimMedia } = await import('../sim/media');
      const media = await attachSimMedia(sim, { webrtc: false, logger: log.child('sim-media') });
      closers.push(() => media.close());
    }
    // sim.ready() above: the driver trips its interlock when the daemon's backend is not up at start. Its start-up
    // wake_up (about 2 s) is not awaited: the driver holds motion until the daemon runs (docs/SAFETY.md).
    const local = createLocalMesh();
    const driverConn = local.connect();
    closers.push(() => driverConn.close());
    const driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId,
      ...(opts.stateHz !== undefined ? { stateHz: opts.stateHz } : {}),
      logger: log.child('driver'),
    });
    closers.push(() => driver.close());
    const mesh = createMeshClient({ connection: local.connect(), ownsConnection: true, discoveryWaitMs: 200, logger: log.child('mesh') });
    closers.push(() => mesh.close());
    log.info(`simulator at ${sim.url}, driver '${deviceId}' on the in-process mesh`);
    return { mesh, sim, driver, deviceId, local, close };
  } catch (err) {
    await close();
    throw err;
  }
}
