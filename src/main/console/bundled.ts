/**
 * Adapters to the bundled simulator and driver (src/main/sim, src/main/driver), loaded at first use so the console
 * starts (and says why) even in a build where one of them is missing.
 */
import type { DriverHandle, DriverStartOptions, SimHandle } from './backends';
import type { Logger } from '../log';

async function load(area: string): Promise<Record<string, unknown>> {
  const spec = `../${area}/index`;
  try {
    return (await import(/* @vite-ignore */ spec)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`the bundled ${area === 'sim' ? 'simulator' : area} is not available in this build (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
}

export async function startBundledSimulator(opts: { port?: number; mode: 'robot' | 'mockup'; logger: Logger }): Promise<SimHandle> {
  const mod = await load('sim');
  const start = mod.startSimulator as ((o: Record<string, unknown>) => Promise<{ url?: string; port: number; close(): Promise<void> }>) | undefined;
  if (typeof start !== 'function') throw new Error('the simulator module has no startSimulator()');
  const sim = await start({ port: opts.port ?? 0, host: '127.0.0.1', mode: opts.mode, logger: opts.logger });
  return { url: sim.url ?? `http://127.0.0.1:${sim.port}`, port: sim.port, mode: opts.mode, close: () => sim.close() };
}

export async function startBundledDriver(opts: DriverStartOptions): Promise<DriverHandle> {
  const mod = await load('driver');
  const start = mod.startReachyDriver as ((o: Record<string, unknown>) => Promise<{ deviceId?: string; close?(): Promise<void>; stop?(): Promise<void> }>) | undefined;
  if (typeof start !== 'function') throw new Error('the driver module has no startReachyDriver()');
  const connection = (opts.mesh as { connection?: unknown }).connection;
  const d = await start({ connection, target: opts.daemonUrl, deviceId: opts.deviceId, stateHz: opts.stateHz, media: opts.media, logger: opts.logger });
  return {
    deviceId: d.deviceId ?? opts.deviceId,
    link: () => 'running',
    close: async () => {
      await (d.close ?? d.stop)?.call(d);
    },
  };
}
