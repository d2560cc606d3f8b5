/**
 * G1-G3: how cost grows, as small tables so a regression in growth (not only in one size) shows:
 * - G1 invoke p50 (DeviceRuntime + MeshClient over a real nats-server) against reply size, 1 KB to 512 KB, next to
 *   a bare nats.js request/reply of the same size;
 * - G2 `describe_fleet` through the MCP bridge (stdio) against fleet size, D2D, simulated devices speaking the
 *   presence protocol. Sizes: 50 and 500 by default; BENCH_FLEET_SIZES=50,500,5000 (or `fleetSizes.push(...)` from
 *   a bench that runs first) adds more — the 5,000-device fleet belongs to the scale bench;
 * - G3 stitch time (JPEG decode + reprojection + blend, stitchJpegFrames) against frame count 18 / 45 / 90.
 */
import { connect } from '@nats-io/transport-node';
import sharp from 'sharp';
import { z } from 'zod';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { SIM_CAMERA, scaleIntrinsics } from '../../src/shared/camera-model';
import { cameraRotationFromRpy } from '../../src/main/panorama/pose-math';
import { stitchJpegFrames } from '../../src/main/panorama/outputs';
import { renderPinhole } from '../../src/main/panorama/synthetic';
import { findSceneFile } from '../../src/main/sim/media';
import { startNatsServer } from '../helpers/nats-server';
import { spawnBridge } from './mcp-bridge-client';
import { median, percentile, round, type Bench, type BenchResult } from './harness';

export const replySizesKb = [1, 4, 16, 64, 256, 512];
export const fleetSizes: number[] = (process.env.BENCH_FLEET_SIZES ?? '50,500').split(',').map(Number).filter((n) => n > 0);
export const stitchFrameCounts = [18, 45, 90];

async function timeN(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push(performance.now() - t0);
  }
  return out;
}

async function replySize(): Promise<BenchResult> {
  const nats = await startNatsServer();
  const cfg = meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' });
  const devConn = await openMesh(cfg);
  const payloads = new Map(replySizesKb.map((kb) => [kb, 'x'.repeat(kb * 1024 - 64)]));
  const rt = new DeviceRuntime({
    connection: devConn,
    deviceId: 'growth-1',
    deviceType: 'bench',
    description: 'G1 device',
    functions: [
      defineFunction({
        name: 'blob',
        description: 'A reply of about kb KB.',
        params: z.object({ kb: z.number().int() }),
        handler: (p) => ({ data: payloads.get(p.kb) ?? '' }),
      }),
    ],
  });
  await rt.start();
  const client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true });
  const responder = await connect({ servers: nats.url, noAsyncTraces: true });
  const requester = await connect({ servers: nats.url, noAsyncTraces: true });
  const enc = new TextEncoder();
  responder.subscribe('bench.growth.floor', {
    callback: (_e, m) => {
      const req = JSON.parse(m.string()) as { id: string; params: { kb: number } };
      m.respond(enc.encode(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: { data: payloads.get(req.params.kb) ?? '' } })));
    },
  });
  await responder.flush();
  const metrics: Record<string, number> = {};
  const rows: Array<Array<string | number>> = [];
  try {
    for (const kb of replySizesKb) {
      const n = kb >= 256 ? 60 : 200;
      let id = 0;
      const ours = () => client.invoke('growth-1', 'blob', { kb }, { timeoutMs: 10_000 });
      const floor = () => requester.request('bench.growth.floor', JSON.stringify({ jsonrpc: '2.0', id: `g-${id++}`, method: 'blob', params: { kb } }), { timeout: 10_000 });
      await timeN(10, ours);
      await timeN(10, floor);
      const o: number[] = [];
      const f: number[] = [];
      for (let r = 0; r < 4; r++) {
        o.push(...(await timeN(n / 4, ours)));
        f.push(...(await timeN(n / 4, floor)));
      }
      metrics[`p50_ms_${kb}kb`] = round(median(o));
      metrics[`floor_p50_ms_${kb}kb`] = round(median(f));
      rows.push([`${kb} KB`, round(median(o)), round(median(f)), round(median(o) / median(f), 2)]);
    }
  } finally {
    await client.close();
    await rt.stop();
    await devConn.close();
    await responder.close();
    await requester.close();
    await nats.stop();
  }
  const worst = Math.max(...replySizesKb.map((kb) => metrics[`p50_ms_${kb}kb`] / metrics[`floor_p50_ms_${kb}kb`]));
  return {
    id: 'G1',
    name: 'invoke p50 against reply size (DeviceRuntime + MeshClient, real nats-server) vs bare nats.js',
    metrics: { ...metrics, worst_ratio: round(worst, 2) },
    target: 'ours/floor ≤ 1.5× at every size (cost grows as the broker\'s does)',
    pass: worst <= 1.5,
    table: { columns: ['reply', 'invoke p50 ms', 'bare nats.js p50 ms', 'ratio'], rows },
  };
}

function presence(i: number, width: number): string {
  const id = `fleet-${String(i).padStart(width, '0')}`;
  const fns = ['get_status', 'ping'].map((name) => ({ name, description: name, parameters: { type: 'object', properties: {}, required: [] }, labels: null, tags: [] }));
  return JSON.stringify({
    device_id: id,
    capabilities: { description: 'simulated device', functions: fns, events: [], labels: { location: `room-${i % 10}` } },
    identity: { device_type: i % 3 ? 'sensor' : 'reachy_mini' },
    status: { ts: new Date().toISOString().slice(0, 19) + 'Z', location: `room-${i % 10}`, availability: 'available' },
    ts: Date.now() / 1000,
    d2d: true,
  });
}

async function fleetSize(): Promise<BenchResult> {
  const metrics: Record<string, number> = {};
  const rows: Array<Array<string | number>> = [];
  for (const n of fleetSizes) {
    const nats = await startNatsServer();
    const nc = await connect({ servers: nats.url, noAsyncTraces: true });
    const enc = new TextEncoder();
    const width = String(n - 1).length;
    const docs = Array.from({ length: n }, (_, i) => enc.encode(presence(i, width)));
    const announceAll = (): void => docs.forEach((d, i) => nc.publish(`device-connect.default.fleet-${String(i).padStart(width, '0')}.presence`, d));
    nc.subscribe('device-connect.default.discovery.probe', { callback: () => announceAll() });
    await nc.flush();
    announceAll();
    const timer = setInterval(announceAll, 5000);
    const bridge = await spawnBridge(nats.url);
    try {
      const end = Date.now() + 60_000;
      let seen = 0;
      while (seen !== n && Date.now() < end) {
        seen = (JSON.parse(await bridge.call('describe_fleet')) as { total_devices: number }).total_devices;
        if (seen !== n) await new Promise((r) => setTimeout(r, 200));
      }
      if (seen !== n) throw new Error(`bridge saw ${seen} of ${n} devices`);
      const t = await timeN(20, () => bridge.call('describe_fleet'));
      metrics[`p50_ms_${n}`] = round(median(t));
      rows.push([n, round(median(t), 2), round(percentile(t, 90), 2)]);
    } finally {
      clearInterval(timer);
      await bridge.close().catch(() => undefined);
      await nc.drain().catch(() => undefined);
      await nats.stop();
    }
  }
  const worst = Math.max(...fleetSizes.map((n) => metrics[`p50_ms_${n}`]));
  return {
    id: 'G2',
    name: 'describe_fleet p50 via the MCP bridge against fleet size (D2D)',
    metrics,
    target: 'p50 ≤ 300 ms at every size',
    pass: worst <= 300,
    table: { columns: ['devices', 'describe_fleet p50 ms', 'p90 ms'], rows },
  };
}

async function stitchGrowth(): Promise<BenchResult> {
  const { data, info } = await sharp(findSceneFile()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const scene = { data: new Uint8Array(data), width: info.width, height: info.height };
  const k = scaleIntrinsics(SIM_CAMERA, 640);
  const metrics: Record<string, number> = {};
  const rows: Array<Array<string | number>> = [];
  for (const count of stitchFrameCounts) {
    // Frames spread over the sphere band a scan covers: yaw all round, pitch in three rows.
    const frames = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const orientation = { rollDeg: 0, pitchDeg: [-20, 0, 20][i % 3], yawDeg: -179 + (358 * Math.floor(i / 3)) / Math.ceil(count / 3) };
        const img = renderPinhole(scene, k, cameraRotationFromRpy(orientation));
        const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
        return { jpeg, width: img.width, orientation };
      }),
    );
    const t: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await stitchJpegFrames(frames, SIM_CAMERA);
      t.push(performance.now() - t0);
    }
    metrics[`ms_${count}_frames`] = Math.round(median(t));
    rows.push([count, Math.round(median(t)), round(median(t) / count, 1)]);
  }
  const perFrame = stitchFrameCounts.map((c) => metrics[`ms_${c}_frames`] / c);
  const growth = perFrame[perFrame.length - 1] / perFrame[0];
  return {
    id: 'G3',
    name: 'panorama stitch (decode + reprojection + blend) against frame count, 640 px JPEG frames',
    metrics: { ...metrics, per_frame_growth: round(growth, 2) },
    target: 'linear: ms per frame at 90 ≤ 1.5× at 18',
    pass: growth <= 1.5,
    table: { columns: ['frames', 'stitch ms', 'ms per frame'], rows },
  };
}

export const growth: Bench = {
  id: 'G',
  name: 'how cost grows: reply size, fleet size, stitch frame count',
  async run(): Promise<BenchResult[]> {
    return [await replySize(), await fleetSize(), await stitchGrowth()];
  },
};
