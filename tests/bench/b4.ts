/**
 * B4: `capture_video_frame` (jpeg, 640 px, q82) from `reachy-console driver --sim` spawned as users run it (its own
 * process, media on) over a real nats-server: the driver asks its simulator for the camera view as a JPEG (rendered
 * at 640 px on the render workers, encoded by the sim with sharp), checks it and replies through NATS. Two runs: head
 * still (the sim reuses its last render) and head moving (every capture renders a new view); p50/p99 and reply bytes.
 * (It ran the stack inside the bench process before, where the garbage of the benches before it slowed it down.)
 */
import { startNatsServer } from '../helpers/nats-server';
import { spawnDriver } from './driver-proc';
import { percentile, round, type Bench, type BenchResult } from './harness';

const ROUNDS = 200;

export const b4: Bench = {
  id: 'B4',
  name: 'capture_video_frame jpeg 640 px from the sim over NATS',
  async run(): Promise<BenchResult> {
    const nats = await startNatsServer();
    const s = await spawnDriver(nats.url, { deviceId: 'bench-b4' });
    try {
      const capture = async (): Promise<{ ms: number; bytes: number }> => {
        const t0 = performance.now();
        const r = (await s.client.invoke(s.deviceId, 'capture_video_frame', { encoding: 'jpeg' }, { timeoutMs: 10_000 })) as { rpc_json_bytes: number; width: number };
        const ms = performance.now() - t0;
        if (r.width !== 640) throw new Error(`unexpected width ${r.width}`);
        return { ms, bytes: r.rpc_json_bytes };
      };
      for (let i = 0; i < 20; i++) await capture();
      const still: number[] = [];
      const bytes: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const c = await capture();
        still.push(c.ms);
        bytes.push(c.bytes);
      }
      // Moving head: a new realtime yaw target before each capture, so every frame is a fresh render.
      const moving: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        await s.client.invoke(s.deviceId, 'look_at_world', { yaw: ((i % 40) - 20) * 1.5, duration_s: 0 }, { timeoutMs: 10_000 });
        await new Promise((r) => setTimeout(r, 25)); // one sim tick so the pose has changed
        const c = await capture();
        moving.push(c.ms);
        bytes.push(c.bytes);
      }
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
