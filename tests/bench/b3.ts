/**
 * B3 (README.md "Benchmarks"): realtime look_at_world streamed at 60 Hz for 30 s by an agent-side MeshClient over a real local
 * nats-server to the driver and the simulator. Measures the share of commands that reached the simulator (matched
 * one by one in its target log) and the latency from the agent's invoke to the driver handing the target to the
 * daemon client (mesh + validation + lease + 60 Hz limiter). The machine is shared and noisy, so a floor runs in the
 * same process at the same time: a bare nats.js request on the same schedule, timed to its arrival at a bare
 * responder. `added_latency` is ours minus that floor (p50 and p99 each), as B1/B2 do with ratios.
 */
import { createMeshClient, meshConfigFromEnv, openMesh } from '../../src/main/mesh';
import { targetForSimulator } from '../../src/main/reachy';
import { startSimulator } from '../../src/main/sim';
import { startReachyDriver } from '../../src/main/driver';
import { mat4ToPose } from '../../src/shared/kinematics';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '../helpers/nats-server';
import { percentile, round, type Bench, type BenchResult } from './harness';
import { errorMessage } from '../../src/shared/errors';

const HZ = 60;
const SECONDS = Number(process.env.B3_SECONDS ?? 30);
const ID = 'reachy-bench-b3';

/**
 * Command i carries z_mm = (i mod 500)·0.02 (0-10 mm, inside the head's reachable range at every yaw of the sweep, so
 * no command is refused for reachability), so every target is recognisable in the simulator's log. Targets arrive in
 * order, so a fall in z marks the next cycle of 500.
 */
const CYCLE = 500;
const zFor = (i: number): number => round((i % CYCLE) * 0.02, 2);
function indexUnwrapper(): (zMetres: number) => number {
  let cycle = 0;
  let last = -1;
  return (zMetres) => {
    const k = Math.round((zMetres * 1000) / 0.02);
    if (last >= 0 && k < last - CYCLE / 2) cycle++;
    last = k;
    return cycle * CYCLE + k;
  };
}

export const b3: Bench = {
  id: 'B3',
  name: 'realtime look_at_world at 60 Hz for 30 s',
  async run(): Promise<BenchResult> {
    const nats = await startNatsServer();
    const sim = await startSimulator({ port: 0, mode: 'mockup' });
    await sim.ready();
    const cfg = meshConfigFromEnv({}, { urls: [nats.url], allowInsecure: true, discoveryMode: 'd2d' });
    const driverConn = await openMesh(cfg);
    const handedOff = new Map<number, number>();
    const handedIndex = indexUnwrapper();
    const driver = await startReachyDriver({
      connection: driverConn,
      target: targetForSimulator(sim),
      deviceId: ID,
      stateHz: 20,
      media: false,
      heartbeatLogS: 0,
      onRealtimeSent: (t) => {
        if (t.headPose) handedOff.set(handedIndex(t.headPose[11]), performance.now());
      },
    });
    const client = createMeshClient({ connection: await openMesh(cfg), ownsConnection: true, discoveryWaitMs: 300 });
    try {
      await client.invoke(ID, 'wake_up', { wait: true });
      await client.invoke(ID, 'look_at_world', { duration_s: 0.3, wait: true });
      sim.clearTargetLog();
      const n = Math.round(HZ * SECONDS);
      const sentAt = new Array<number>(n);
      // Floor: bare nats.js request → responder arrival, same schedule, half a period apart.
      const floorResp = await connect({ servers: nats.url, noAsyncTraces: true });
      const floorReq = await connect({ servers: nats.url, noAsyncTraces: true });
      const floorSent = new Array<number>(n);
      const floorAt = new Array<number>(n);
      floorResp.subscribe('bench.b3.floor', {
        callback: (_e, msg) => {
          const i = (JSON.parse(msg.string()) as { params: { i: number } }).params.i;
          floorAt[i] = performance.now() - floorSent[i];
          msg.respond('{"jsonrpc":"2.0","id":"1","result":{"status":"accepted"}}');
        },
      });
      const floorPending: Array<Promise<unknown>> = [];
      const rtt: number[] = [];
      let refused = 0;
      let firstRefusal: string | undefined;
      let coalesced = 0;
      const pending: Array<Promise<void>> = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        // Drift-free 60 Hz schedule, as a control loop would send.
        const due = t0 + (i * 1000) / HZ;
        const wait = due - performance.now();
        // Timer sleep only (no busy wait: the machine is shared); latency is measured from the actual send.
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        floorSent[i] = performance.now();
        floorPending.push(
          floorReq
            .request('bench.b3.floor', JSON.stringify({ jsonrpc: '2.0', id: String(i), method: 'look_at_world', params: { i, yaw: 0 } }))
            .catch(() => undefined),
        );
        const yaw = 30 * Math.sin((2 * Math.PI * i) / (HZ * 4));
        sentAt[i] = performance.now();
        pending.push(
          client.invoke(ID, 'look_at_world', { yaw: round(yaw, 3), pitch: 5, z_mm: zFor(i) }).then(
            (r) => {
              rtt.push(performance.now() - sentAt[i]);
              if ((r as { coalesced?: boolean }).coalesced) coalesced++;
            },
            (err: unknown) => {
              refused++;
              firstRefusal ??= errorMessage(err);
            },
          ),
        );
      }
      await Promise.all(pending);
      await Promise.all(floorPending);
      await floorReq.close();
      await floorResp.close();
      await new Promise((r) => setTimeout(r, 200));
      const arrived = new Set<number>();
      const arrivedIndex = indexUnwrapper();
      for (const e of sim.targetLog()) {
        if (e.kind === 'set_target' && e.accepted && e.head) arrived.add(arrivedIndex(mat4ToPose(e.head).z));
      }
      const path: number[] = [];
      const added: number[] = [];
      for (const [i, t] of handedOff) {
        if (i < 0 || i >= n) continue;
        path.push(t - sentAt[i]);
        // Paired with the floor request sent at the same instant, so both saw the same machine noise.
        if (floorAt[i] !== undefined) added.push(t - sentAt[i] - floorAt[i]);
      }
      const floor = floorAt.filter((v) => v !== undefined);
      const pct = (arrived.size / n) * 100;
      const p99 = percentile(added, 99);
      return {
        id: 'B3',
        name: this.name,
        metrics: {
          sent: n,
          reached_sim_pct: round(pct, 2),
          coalesced,
          refused,
          limiter_delayed: driver.driver.counters().realtime.delayed,
          path_p50_ms: round(percentile(path, 50)),
          path_p99_ms: round(percentile(path, 99)),
          floor_p50_ms: round(percentile(floor, 50)),
          floor_p99_ms: round(percentile(floor, 99)),
          added_latency_p50_ms: round(percentile(added, 50)),
          added_latency_p99_ms: round(p99),
          invoke_rtt_p99_ms: round(percentile(rtt, 99)),
        },
        target: '100 % reach the sim, added latency p99 ≤ 5 ms',
        pass: pct >= 100 && p99 <= 5,
        notes:
          `path = agent invoke → target handed to the daemon link; floor = bare nats.js request → bare responder, same run; added = per command, path − its paired floor${firstRefusal ? `; first refusal: ${firstRefusal}` : ''}`,
      };
    } finally {
      await client.close();
      await driver.close();
      await driverConn.close();
      await sim.stop();
      await nats.stop();
    }
  },
};
