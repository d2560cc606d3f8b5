/**
 * REC1/REC2: the cost of recording. REC1: invoke round trip of get_status over NATS (DeviceRuntime + MeshClient in
 * one process, as in the console) with a Recorder observing every call vs without, in alternating rounds; target
 * p50 ratio ≤ 1.1. REC2: the simulator at 50 Hz state plus 10 fps video recorded for 60 s (REC_BENCH_SECONDS to
 * change): every state_event published must be in the file (no drops), frames counted, event-loop delay p99 reported.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { Recorder } from '../../src/main/record/recorder';
import { readMcapStreamed } from '../../src/main/record/mcap-file';
import { startSimStack } from '../../src/main/app/sim-stack';
import { startNatsServer } from '../helpers/nats-server';
import { percentile, round, type Bench, type BenchResult } from './harness';

const STATUS = { ok: true, owner: null, interlock: { state: 'safe' }, head_pose: { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 }, body_yaw: 0 };

async function invokeCost(dir: string): Promise<BenchResult> {
  const server = await startNatsServer();
  const cfg = meshConfigFromEnv({ NATS_URL: server.url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
  const devConn = await openMesh(cfg);
  const cliConn = await openMesh(cfg);
  const rt = new DeviceRuntime({
    connection: devConn,
    deviceId: 'rec-bench-1',
    deviceType: 'bench',
    description: 'recording bench device',
    functions: [defineFunction({ name: 'get_status', description: 'Status snapshot.', params: z.object({}), handler: () => STATUS })],
  });
  await rt.start();
  await devConn.flush();
  const client = createMeshClient({ connection: cliConn, ownsConnection: true });
  const lat = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await client.invoke('rec-bench-1', 'get_status', {}, { sourceDevice: 'console-bench' });
      out.push(performance.now() - t0);
    }
    return out;
  };
  const off: number[] = [];
  const on: number[] = [];
  let recorded = 0;
  try {
    await lat(1000);
    for (let r = 0; r < 10; r++) {
      const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const side of order) {
        if (side === 'off') off.push(...(await lat(500)));
        else {
          const rec = await Recorder.start({ mesh: client, out: join(dir, `invoke-${r}.mcap`), devices: ['rec-bench-1'], videoFps: 0, logs: false });
          on.push(...(await lat(500)));
          recorded += (await rec.stop()).messages;
        }
      }
    }
  } finally {
    await client.close();
    await rt.stop();
    await devConn.close();
    await server.stop();
  }
  const p50Off = percentile(off, 50);
  const p50On = percentile(on, 50);
  return {
    id: 'REC1',
    name: 'invoke p50 over NATS with recording on vs off (every call recorded)',
    metrics: {
      p50_off_ms: round(p50Off),
      p50_on_ms: round(p50On),
      p99_off_ms: round(percentile(off, 99)),
      p99_on_ms: round(percentile(on, 99)),
      ratio_p50: round(p50On / p50Off, 3),
      invokes_recorded: recorded,
      samples: on.length,
    },
    target: 'p50 on ≤ 1.1× off',
    pass: p50On / p50Off <= 1.1 && recorded === on.length,
  };
}

async function sustained(dir: string): Promise<BenchResult> {
  const seconds = Number(process.env.REC_BENCH_SECONDS ?? 60);
  const stack = await startSimStack({ stateHz: 50 });
  const out = join(dir, 'sustained.mcap');
  let published = 0;
  const h = monitorEventLoopDelay({ resolution: 10 });
  try {
    const rec = await Recorder.start({ mesh: stack.mesh, out, devices: [stack.deviceId], videoFps: 10 });
    // Counted by an independent subscriber: what the mesh delivered while recording.
    const unsub = stack.mesh.subscribe(stack.deviceId, 'state_event', () => published++);
    h.enable();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    h.disable();
    unsub();
    const stats = await rec.stop();
    const back = await readMcapStreamed(out);
    const topicOf = (id: number): string => back.channels.get(id)?.topic ?? '';
    const state = back.messages.filter((m) => topicOf(m.channelId).endsWith('/state')).length;
    const frames = back.messages.filter((m) => topicOf(m.channelId).endsWith('/camera')).length;
    const bytes = (await stat(out)).size;
    // The subscriber and the recorder subscribe a moment apart: allow the one sample in between.
    const dropped = Math.max(0, published - state - 1);
    return {
      id: 'REC2',
      name: `recording ${seconds} s of 50 Hz state + 10 fps video (simulator, in-process)`,
      metrics: {
        seconds,
        state_published: published,
        state_recorded: state,
        state_dropped: dropped,
        state_hz: round(state / seconds, 1),
        frames_recorded: frames,
        frames_fps: round(frames / seconds, 1),
        frames_skipped: stats.framesSkipped,
        file_mb: round(bytes / 1024 / 1024, 2),
        write_rate_kbps: round(bytes / 1024 / seconds, 1),
        event_loop_delay_p50_ms: round(h.percentile(50) / 1e6, 2),
        event_loop_delay_p99_ms: round(h.percentile(99) / 1e6, 2),
        event_loop_delay_max_ms: round(h.max / 1e6, 2),
      },
      target: 'no dropped state messages; event-loop delay p99 reported',
      pass: dropped === 0 && back.complete,
    };
  } finally {
    await stack.close();
  }
}

export const recordBench: Bench = {
  id: 'REC',
  name: 'recording: invoke cost and sustained state + video',
  async run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'rec-bench-'));
    try {
      return [await invokeCost(dir), await sustained(dir)];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
