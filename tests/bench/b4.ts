/**
 * B4: `capture_video_frame` (jpeg, 640 px, q82) from `reachy-console driver --sim` spawned as users run it (its own
 * process, media on) over a real nats-server: the driver asks its simulator for the camera view as a JPEG (rendered
 * at 640 px on the render workers, encoded by the sim with sharp), checks it and replies through NATS. Two runs: head
 * still (the sim reuses its last render) and head moving (every capture renders a new view); p50/p99 and reply bytes.
 * The driver and the caller (b4-client.ts) each run in a process of their own, as users run them: inside the bench
 * process the garbage of the benches before it slowed both down (the driver before; the caller's p99 24 ms vs 14 ms).
 */
import { spawn } from 'node:child_process';
import { startNatsServer } from '../helpers/nats-server';
import { spawnDriver } from './driver-proc';
import { percentile, round, type Bench, type BenchResult } from './harness';

const ROUNDS = 200;

/** Runs b4-client.ts in its own process; its one JSON line of timings. */
function runClient(url: string, deviceId: string): Promise<{ still: number[]; moving: number[]; bytes: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./b4-client.ts', import.meta.url).pathname, url, deviceId, String(ROUNDS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      clearTimeout(t);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`B4 client exited ${code}: ${err.slice(-500)}`));
      else resolve(JSON.parse(line) as { still: number[]; moving: number[]; bytes: number[] });
    }),
  );
}

export const b4: Bench = {
  id: 'B4',
  name: 'capture_video_frame jpeg 640 px from the sim over NATS',
  async run(): Promise<BenchResult> {
    const nats = await startNatsServer();
    const s = await spawnDriver(nats.url, { deviceId: 'bench-b4' });
    try {
      const { still, moving, bytes } = await runClient(nats.url, s.deviceId);
      const p50 = percentile(still, 50);
      const p50m = percentile(moving, 50);
      return {
        id: 'B4',
        name: 'capture_video_frame jpeg 640 px from the sim over NATS',
        metrics: {
          p50_ms: round(p50, 2),
          p99_ms: round(percentile(still, 99), 2),
          moving_p50_ms: round(p50m, 2),
          moving_p99_ms: round(percentile(moving, 99), 2),
          reply_bytes_p50: Math.round(percentile(bytes, 50)),
          reply_bytes_max: Math.max(...bytes),
        },
        target: 'head moving (every capture renders): p50 ≤ 10 ms, p99 ≤ 20 ms',
        pass: p50m <= 10 && percentile(moving, 99) <= 20,
        notes: `${ROUNDS} captures each; still head reuses the last render`,
      };
    } finally {
      await s.close();
      await nats.stop();
    }
  },
};
