/**
 * What the robot app's DriverSupervisor starts: the mesh connection, the in-process simulator (for `simulate`) and the
 * driver, which keeps its interlock latched in `latchDir` (beside the settings), so neither a settings change (the
 * supervisor restarts the driver) nor an app restart clears a trip. Lazy imports keep the simulator, sharp and the
 * driver out of `reachy-console app` until a start needs them.
 */
import type { Logger } from '../log';
import type { LatchStore } from '../driver';
import type { RobotAppStack } from '../robot-app';

/** The driver trips its interlock when the daemon is not running at start, so give the in-process sim its wake-up. */
async function waitDaemonRunning(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/daemon/status`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { state?: unknown }).state === 'running') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function createRobotAppStack(opts: { latchDir: string; logger: Logger }): RobotAppStack {
  let latches: LatchStore | null = null;
  return {
  async openMesh(config) {
    const { openMesh } = await import('../mesh');
    return openMesh(config);
  },
  async startSimulator({ media, logger }) {
    const [{ startSimulator }, { targetForSimulator }] = await Promise.all([import('../sim'), import('../reachy')]);
    const sim = await startSimulator({ port: 0, host: '127.0.0.1', mode: 'robot', wakeUpOnStart: true, noMedia: !media });
    let simMedia: { close(): Promise<void> } | null = null;
    if (media) {
      const { attachSimMedia } = await import('../sim/media');
      simMedia = await attachSimMedia(sim, { webrtc: false, logger: logger.child('sim-media') }).catch(() => null);
    }
    const stop = async (): Promise<void> => {
      await simMedia?.close().catch(() => undefined);
      await sim.stop();
    };
    const target = targetForSimulator(sim);
    await waitDaemonRunning(target.baseUrl, 10_000);
    return { target, stop };
  },
  async startDriver(start) {
    const { LatchStore, latchTarget, startReachyDriver } = await import('../driver');
    latches ??= new LatchStore(opts.latchDir, opts.logger.child('interlock'));
    const target = typeof start.target === 'object' ? latchTarget(start.target) : (start.target ?? 'unknown');
    return startReachyDriver({ ...start, latch: { store: latches, target } });
  },
  };
}
