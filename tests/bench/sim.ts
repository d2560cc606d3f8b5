/**
 * SIM (not a benchmark target; context for B3): the daemon client streaming realtime targets to the simulator over
 * /ws/sdk at 60 Hz (share received, send → simulator receipt latency), the /ws/sdk state rate a client sees, and
 * the analytic IK throughput the 50 Hz loop relies on.
 */
import { createDaemonClient, targetForSimulator } from '../../src/main/reachy';
import { headIk, poseToMat4 } from '../../src/main/reachy/kinematics';
import { setStderrLogging } from '../../src/main/log';
import { startSimulator } from '../../src/main/sim';
import { percentile, round, type Bench, type BenchResult } from './harness';

const SECONDS = Number(process.env.SIM_BENCH_SECONDS ?? 5);

export const simBench: Bench = {
  id: 'SIM',
  name: 'daemon client → simulator over /ws/sdk',
  async run(): Promise<BenchResult[]> {
    setStderrLogging(false);
    const sim = await startSimulator({ port: 0, mode: 'mockup' });
    await sim.ready();
    const client = createDaemonClient({ target: targetForSimulator(sim), transportMode: 'websocket' });
    try {
      await client.start();
      sim.clearTargetLog();
      const n = Math.round(60 * SECONDS);
      const sentAt: number[] = [];
      let states = 0;
      const off = client.onState(() => states++);
      const t0 = Date.now();
      for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / 60;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sentAt.push(Date.now());
        // z encodes the command index so each one is found in the simulator's log.
        await client.setTarget({ headPose: poseToMat4({ x: 0, y: 0, z: i * 1e-7, roll: 0, pitch: 0, yaw: 0 }) });
      }
      await new Promise((r) => setTimeout(r, 300));
      off();
      const elapsed = (Date.now() - t0) / 1000;
      const lat: number[] = [];
      for (const e of sim.targetLog()) {
        if (!e.head) continue;
        const i = Math.round(e.head[11] / 1e-7);
        if (sentAt[i] !== undefined) lat.push(e.t - sentAt[i]);
      }
      // IK throughput.
      const p = poseToMat4({ x: 0.005, y: -0.003, z: 0.002, roll: 0.1, pitch: 0.2, yaw: 0.3 });
      const k0 = performance.now();
      let solved = 0;
      while (performance.now() - k0 < 500) {
        headIk(p, 0.1, true);
        solved++;
      }
      const ikPerS = solved / ((performance.now() - k0) / 1000);
      return [
        {
          id: 'SIM',
          name: `client setTarget over /ws/sdk at 60 Hz for ${SECONDS} s`,
          metrics: { sent: n, received: lat.length, received_pct: round((100 * lat.length) / n, 2), p50_ms: round(percentile(lat, 50), 2), p99_ms: round(percentile(lat, 99), 2) },
          target: '100 % received',
          pass: lat.length === n,
        },
        {
          id: 'SIM',
          name: '/ws/sdk state rate seen by the client; IK solves per second',
          metrics: { state_hz: round(states / elapsed, 1), ik_per_s: Math.round(ikPerS) },
          target: 'state ≈ 50 Hz',
          pass: states / elapsed > 45,
        },
      ];
    } finally {
      await client.close();
      await sim.stop();
    }
  },
};
