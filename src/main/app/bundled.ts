/** Adapters from the bundled simulator and driver (their public surfaces) to ConsoleHost's handles. */
import { errorMessage } from '../../shared/errors';
import { startSimulator } from '../sim';
import { startReachyDriver } from '../driver';
import type { Logger } from '../log';
import type { DriverHandle, DriverStartOptions, SimHandle } from '../console';

export async function startBundledSimulator(opts: { port?: number; mode: 'robot' | 'mockup'; media?: boolean; logger: Logger }): Promise<SimHandle> {
  const media = opts.media ?? true;
  // wake_up at start, as the real daemon does, so a newcomer sees the robot move at once.
  const sim = await startSimulator({ port: opts.port ?? 0, host: '127.0.0.1', mode: opts.mode, wakeUpOnStart: true, noMedia: !media });
  await sim.ready();
  // No wait for the start-up wake_up (about 2 s): the driver holds motion until the daemon runs (docs/SAFETY.md
  // "Daemon start-up"), so the console shows the robot waking up and the first operator command runs after it.
  let simMedia: { close(): Promise<void> } | null = null;
  if (media) {
    try {
      const { attachSimMedia } = await import('../sim/media');
      simMedia = await attachSimMedia(sim, { logger: opts.logger.child('media') });
    } catch (err) {
      opts.logger.warn(`simulator camera/microphone not available: ${errorMessage(err)}`);
    }
  }
  return {
    url: sim.url,
    port: sim.port,
    mode: sim.mode,
    close: async () => {
      await simMedia?.close().catch(() => undefined);
      await sim.stop();
    },
  };
}

export async function startBundledDriver(opts: DriverStartOptions): Promise<DriverHandle> {
  const connection = (opts.mesh as { connection?: import('../mesh').MeshConnection }).connection;
  if (!connection) throw new Error('the mesh handle has no connection for the driver');
  const d = await startReachyDriver({
    connection,
    target: opts.daemonUrl,
    deviceId: opts.deviceId,
    stateHz: opts.stateHz,
    media: opts.media,
    logger: opts.logger,
    ...(opts.latch ? { latch: opts.latch } : {}),
  });
  return {
    deviceId: d.deviceId,
    link: () => d.link(),
    onLinkChange: (cb) => d.onLinkChange(cb),
    close: () => d.close(),
  };
}
