/**
 * B1/B2 (README.md "Benchmarks"): invoke round trip and throughput of a get_status-like function through DeviceRuntime +
 * MeshClient on a real local nats-server, as ratios to a floor measured in the same run: a bare nats.js
 * responder answering the same JSON-RPC request, called by a bare nats.js requester (no framework).
 * Floor and ours run in alternating rounds so machine noise hits both alike.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';
import { createMeshClient, defineFunction, DeviceRuntime, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { startNatsServer } from '../helpers/nats-server';
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

async function bareFloor(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const responder: NatsConnection = await connect({ servers: url });
  const requester: NatsConnection = await connect({ servers: url });
  const subject = 'device-connect.default.floor-1.cmd';
  responder.subscribe(subject, {
    callback: (_err, msg) => {
      const req = JSON.parse(msg.string()) as { id: string };
      msg.respond(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: STATUS }));
    },
  });
  await responder.flush();
  let n = 0;
  const call: Call = async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: `f-${n++}`, method: 'get_status', params: {} });
    const reply = await requester.request(subject, body, { timeout: 5_000 });
    return (JSON.parse(reply.string()) as { result: unknown }).result;
  };
  return {
    call,
    close: async () => {
      await responder.close();
      await requester.close();
    },
  };
}

async function ours(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const cfg = meshConfigFromEnv({ NATS_URL: url, DEVICE_CONNECT_ALLOW_INSECURE: 'true', DEVICE_CONNECT_DISCOVERY_MODE: 'd2d' });
  const devConn = await openMesh(cfg);
  const cliConn = await openMesh(cfg);
  const rt = new DeviceRuntime({
    connection: devConn,
    deviceId: 'bench-1',
    deviceType: 'bench',
    description: 'B1/B2 demo device',
    functions: [
      defineFunction({ name: 'get_status', description: 'Status snapshot.', params: z.object({}), handler: () => STATUS }),
    ],
  });
  await rt.start();
  await devConn.flush();
  const client = createMeshClient({ connection: cliConn, ownsConnection: true });
  const call: Call = () => client.invoke('bench-1', 'get_status');
  return {
    call,
    close: async () => {
      await client.close();
      await rt.stop();
      await devConn.close();
    },
  };
}

export const b1b2: Bench = {
  id: 'B1',
  name: 'invoke get_status over NATS vs bare nats.js floor (B1 latency, B2 throughput)',
  async run(): Promise<BenchResult[]> {
    const server = await startNatsServer();
    const floor = await bareFloor(server.url);
    const mine = await ours(server.url);
    try {
      // Warm up JITs and the muxed inboxes.
      await latencies(floor.call, 1_000);
      await latencies(mine.call, 1_000);
      await throughput(floor.call, 32, 500);
      await throughput(mine.call, 32, 500);

      const fl: number[] = [];
      const ml: number[] = [];
      const frps: number[] = [];
      const mrps: number[] = [];
      const rounds = 10;
      for (let r = 0; r < rounds; r++) {
        // Alternate who goes first, so drift in machine load does not favour one side.
        const order = r % 2 === 0 ? [floor, mine] : [mine, floor];
        for (const side of order) {
          const lat = await latencies(side.call, 500);
          (side === floor ? fl : ml).push(...lat);
        }
        for (const side of order) {
          const rps = await throughput(side.call, 32, 600);
          (side === floor ? frps : mrps).push(rps);
        }
      }
      const median = (xs: number[]) => percentile(xs, 50);
      const fp50 = percentile(fl, 50);
      const fp99 = percentile(fl, 99);
      const mp50 = percentile(ml, 50);
      const mp99 = percentile(ml, 99);
      const fr = median(frps);
      const mr = median(mrps);
      return [
        {
          id: 'B1',
          name: 'invoke round trip of get_status over NATS (loopback), ratio to bare nats.js floor',
          metrics: {
            p50_ms: round(mp50),
            p99_ms: round(mp99),
            floor_p50_ms: round(fp50),
            floor_p99_ms: round(fp99),
            ratio_p50: round(mp50 / fp50, 2),
            ratio_p99: round(mp99 / fp99, 2),
            samples: ml.length,
          },
          target: 'p50 ≤ 1.25× floor',
          pass: mp50 / fp50 <= 1.25,
        },
        {
          id: 'B2',
          name: 'invokes per second with 32 in flight, ratio to bare nats.js floor',
          metrics: { rps: Math.round(mr), floor_rps: Math.round(fr), ratio: round(mr / fr, 2), rounds },
          target: '≥ 0.8× floor',
          pass: mr / fr >= 0.8,
        },
      ];
    } finally {
      await mine.close();
      await floor.close();
      await server.stop();
    }
  },
};
