/**
 * `run --sim` and tests: a simulated Reachy Mini, its driver and a mesh client on a private in-process mesh
 * (no broker). The runner still reaches the robot only through MeshClient.invoke.
 */
import type { Logger } from '../log';
import { createLocalMesh, createMeshClient } from '../mesh';
import type { MeshClient } from '../mesh/types';
import { startReachyDriver, type ReachyDriverHandle } from '../driver';
import { startSimulator, type Simulator, type SimulatorOptions } from '../sim/server';

export interface RunnerSimStack {
  mesh: MeshClient;
  sim: Simulator;
  driver: ReachyDriverHandle;
  deviceId: string;
  close(): Promise<void>;
}

export async function startRunnerSimStack(
  opts: { deviceId?: string; logger?: Logger; sim?: SimulatorOptions; stateHz?: number; media?: boolean } = {},
): Promise<RunnerSimStack> {
  const deviceId = opts.deviceId ?? 'reachy-mini-1';
  const sim = await startSimulator({ port: 0, ...(opts.sim ?? {}) });
  const local = createLocalMesh();
  let driver: ReachyDriverHandle | undefined;
  let mesh: MeshClient | undefined;
  try {
    await sim.ready();
    if (opts.media !== false) {
      // The simulator's camera (no WebRTC: the runner captures frames through capture_video_frame).
      const { attachSimMedia } = await import('../sim/media');
      await attachSimMedia(sim, { webrtc: false, ...(opts.logger ? { logger: opts.logger.child('sim-media') } : {}) });
    }
    driver = await startReachyDriver({
      connection: local.connect(),
      target: sim.url,
      deviceId,
      stateHz: opts.stateHz ?? 0,
      ...(opts.logger ? { logger: opts.logger.child('driver') } : {}),
    });
    mesh = createMeshClient({ connection: local.connect(), ownsConnection: true, discoveryWaitMs: 200 });
  } catch (err) {
    await driver?.close().catch(() => undefined);
    await sim.stop();
    throw err;
  }
  const m = mesh;
  const d = driver;
  return {
    mesh: m,
    sim,
    driver: d,
    deviceId,
    close: async () => {
      await m.close().catch(() => undefined);
      await d.close().catch(() => undefined);
      await sim.stop();
    },
  };
}
