/**
 * B1/B2: invoke round trip (B1) and throughput with 32 in flight (B2) of the real driver, as ratios to a floor
 * measured in the same run.
 *
 * - Ours: `reachy-console driver --sim` spawned as users run it (real function table, real simulator, media on,
 *   state_event at 20 Hz), called with MeshClient.invoke for `get_status` and `get_joints`.
 * - Floor: a bare nats.js responder in its own process (floor-responder.mjs) replying the same number of bytes as
 *   the driver's reply to that function, called with a bare nats.js request.
 * - Framework only (separate lines B1-fw/B2-fw): DeviceRuntime + MeshClient in this process serving a constant
 *   status document, against an in-process bare responder; what the mesh layer alone costs.
 *
 * Floor and ours run in alternating rounds, so drift in machine load hits both alike.
 */
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { startNatsServer } from '../helpers/nats-server';
import { spawnDriver } from './driver-proc';
import { percentile, round, type Bench, type BenchResult } from './harness';

const STATUS = {
  ok: true,
  owner: null,
  lease: { holder: null, expires_in_s: 0 },
  interlock: { state: 'safe', reason: null },
  execution: { status: 'idle', last_error: null },
  head_pose: { x: 0, y: 0, z: 0, roll: 0, pitch: 0, yaw: 0 },
  body_yaw: 0,
  antennas: [0, 0],
};

const ROUNDS = Number(process.env.BENCH_B1_ROUNDS ?? 8);
const LAT_PER_ROUND = 400;
const TPUT_MS = 600;
const IN_FLIGHT = 32;

type Call = () => Promise<unknown>;

async function latencies(call: Call, n: number): Promise<number[]> {
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out[i] = performance.now() - t0;
  }
  return out;
}

async function throughput(call: Call, inFlight: number, durationMs: number): Promise<number> {
  let done = 0;
  const end = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await call();
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - t0) / 1000);
}

/** Measures two callers in alternating rounds: latency p50/p99 each, median throughput each. */
async function sideBySide(floor: Call, mine: Call): Promise<{ fl: number[]; ml: number[]; fr: number; mr: number }> {
  await latencies(floor, 300);
  await latencies(mine, 300);
  await throughput(floor, IN_FLIGHT, 300);
  await throughput(mine, IN_FLIGHT, 300);
  const fl: number[] = [];
  const ml: number[] = [];
  const frps: number[] = [];
  const mrps: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order: Array<[Call, number[]]> = r % 2 === 0 ? [[floor, fl], [mine, ml]] : [[mine, ml], [floor, fl]];
    for (const [call, into] of order) into.push(...(await latencies(call, LAT_PER_ROUND)));
    for (const [call, into] of order) (into === fl ? frps : mrps).push(await throughput(call, IN_FLIGHT, TPUT_MS));
  }
  return { fl, ml, fr: percentile(frps, 50), mr: percentile(mrps, 50) };
}

function results(id: string, what: string, m: { fl: number[]; ml: number[]; fr: number; mr: number }, extra: Record<string, number>, notes?: string): BenchResult[] {
  const fp50 = percentile(m.fl, 50);
  const mp50 = percentile(m.ml, 50);
  const idB2 = id.replace('B1', 'B2');
  return [
    {
      id,
      name: `invoke round trip of ${what}, ratio to a bare nats.js floor`,
      metrics: {
        p50_ms: round(mp50),
        p99_ms: round(percentile(m.ml, 99)),
        floor_p50_ms: round(fp50),
        floor_p99_ms: round(percentile(m.fl, 99)),
        ratio_p50: round(mp50 / fp50, 2),
        ...extra,
        samples: m.ml.length,
      },
      target: 'p50 ≤ 1.25× floor',
      pass: mp50 / fp50 <= 1.25,
      ...(notes ? { notes } : {}),
    },
    {
      id: idB2,
      name: `invokes per second of ${what} with ${IN_FLIGHT} in flight, ratio to the floor`,
      metrics: { rps: Math.round(m.mr), floor_rps: Math.round(m.fr), ratio: round(m.mr / m.fr, 2), ...extra, rounds: ROUNDS },
      target: '≥ 0.8× floor',
      pass: m.mr / m.fr >= 0.8,
      ...(notes ? { notes } : {}),
    },
  ];
}

/**
 * The floor process, answering `<subject>` with `reply` (a reply captured from the driver, with `id` replaced by each
 * request's id) or with a padded string of `bytes` (plus the request id).
 */
type FloorSpec = { subject: string; bytes: number } | { subject: string; reply: string; id: string };
const specArg = (s: FloorSpec): string =>
  'reply' in s ? `${s.subject}=reply:${Buffer.from(s.reply).toString('base64')}:${Buffer.from(s.id).toString('base64')}` : `${s.subject}=${s.bytes}`;

async function floorProcess(url: string, specs: FloorSpec[]): Promise<{ close(): Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./floor-responder.mjs', import.meta.url).pathname, url, ...specs.map(specArg)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`floor responder exited (${code})`)));
  });
  return {
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

function bareCaller(nc: NatsConnection, subject: string, method: string): Call {
  let n = 0;
  return async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: `f-${n++}`, method, params: {} });
    const reply = await nc.request(subject, body, { timeout: 5_000 });
    return (JSON.parse(reply.string()) as { result: unknown }).result;
  };
}

async function realDriver(url: string): Promise<BenchResult[]> {
  const drv = await spawnDriver(url);
  const requester = await connect({ servers: url, noAsyncTraces: true });
  const fns = ['get_status', 'get_joints'] as const;
  let floor: { close(): Promise<void> } | null = null;
  try {
    // The sim pushes daemon_status about once a second; wait until get_status answers from it.
    for (let i = 0; i < 100; i++) {
      const st = (await drv.client.invoke(drv.deviceId, 'get_status')) as { source?: string };
      if (st.source === 'mirror') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The real functions' replies, captured once: the floor answers with these very bytes (its request id put in), so
    // the client decodes the same document from both and the ratio is what the driver adds.
    const subject = `device-connect.default.${drv.deviceId}.cmd`;
    const sizes: Record<string, number> = {};
    const id = 'size-probe';
    const specs: FloorSpec[] = [];
    for (const fn of fns) {
      const reply = await requester.request(subject, JSON.stringify({ jsonrpc: '2.0', id, method: fn, params: {} }), { timeout: 5_000 });
      const parsed = JSON.parse(reply.string()) as { result?: unknown; error?: unknown };
      if (!parsed.result) throw new Error(`${fn} failed: ${JSON.stringify(parsed.error)}`);
      sizes[fn] = reply.data.length - JSON.stringify(id).length;
      specs.push({ subject: `bench.floor.${fn}`, reply: reply.string(), id });
    }
    floor = await floorProcess(url, specs);
    const out: BenchResult[] = [];
    for (const fn of fns) {
      const m = await sideBySide(bareCaller(requester, `bench.floor.${fn}`, fn), () => drv.client.invoke(drv.deviceId, fn));
      const tag = fn === 'get_status' ? 'B1' : 'B1-joints';
      out.push(...results(tag, `\`${fn}\` on \`driver --sim\` (separate process, real sim)`, m, { reply_bytes: sizes[fn] }, 'floor: a bare nats.js responder process replying the driver\'s own reply bytes (captured once, request id put in); both clients JSON.parse the reply'));
    }
    return out;
  } finally {
    await floor?.close();
    await requester.close();
    await drv.close();
  }
}

async function frameworkOnly(url: string): Promise<BenchResult[]> {
  const responder: NatsConnection = await connect({ servers: url, noAsyncTraces: true });
  const requester: NatsConnection = await connect({ servers: url, noAsyncTraces: true });
  const subject = 'device-connect.default.floor-1.cmd';
  responder.subscribe(subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(msg.string()) as { id: string };
      msg.respond(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: STATUS }));
    },
  });
  await responder.flush();
  const cfg = meshConfigFromEnv({ NATS_URL: url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
  const devConn = await openMesh(cfg);
  const rt = new DeviceRuntime({
    connection: devConn,
    deviceId: 'bench-1',
    deviceType: 'bench',
    description: 'B1/B2 framework-only device',
    functions: [defineFunction({ name: 'get_status', description: 'Status snapshot.', params: z.object({}), handler: () => STATUS })],
  });
  await rt.start();
  await devConn.flush();
  const client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true });
  try {
    const m = await sideBySide(bareCaller(requester, subject, 'get_status'), () => client.invoke('bench-1', 'get_status'));
    return results('B1-fw', 'a constant status document (framework only: DeviceRuntime + MeshClient, one process)', m, {});
  } finally {
    await client.close();
    await rt.stop();
    await devConn.close();
    await responder.close();
    await requester.close();
  }
}

export const b1b2: Bench = {
  id: 'B1',
  name: 'invoke get_status / get_joints on driver --sim vs bare nats.js floor (B1 latency, B2 throughput)',
  async run(): Promise<BenchResult[]> {
    const server = await startNatsServer();
    try {
      return [...(await realDriver(server.url)), ...(await frameworkOnly(server.url))];
    } finally {
      await server.stop();
    }
  },
};
