/**
 * Property: random motion sequences (sequential and concurrent, with and without waits) through the real driver
 * against the real simulator. From the SIMULATOR's own state, every control tick: no frame has the head more than
 * 65° (+0.5°) from the body in either yaw convention, the stored target is never one the daemon would alter (its
 * automatic body-yaw rule) or could not reach; after each sequence the robot comes to rest at its stored target;
 * at rest the offset is within 65° in the daemon's yaw convention too; sequential runs end exactly at the last
 * accepted command's target; a wait=true move that says "completed" is
 * there in the simulator when the reply arrives. The `robot` simulator runs on a clock 4× faster than the wall
 * (its head and body lag their targets, so motion really overlaps the next command); `mockup` applies at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshConnection } from '../../../src/main/mesh';
import { scaledClock, type SimMode } from '../../../src/main/sim';
import { relYawDeg, rpc, settled, watchSim } from './sim-watch';
import { startStack, sleep, until, type Stack } from './stack';

const DEG = 180 / Math.PI;
type Params = Record<string, unknown>;
type Step = { fn: string; params: Params } | { pause: number };

const dur = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(0.05, 0.1, 0.2, 0.4, 0.8) });
const wait = fc.boolean();
const look = fc.record({
  fn: fc.constant('look_at_world'),
  params: fc.record({
    yaw: fc.integer({ min: -45, max: 45 }),
    pitch: fc.oneof(fc.constant(0), fc.integer({ min: -30, max: 30 })),
    roll: fc.oneof(fc.constant(0), fc.integer({ min: -30, max: 30 })),
    z_mm: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -20, max: 30 }) }),
    x_mm: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -40, max: 40 }) }),
    frame: fc.constantFrom('world', 'world', 'body'),
    duration_s: dur,
    wait,
  }),
});
const body = fc.record({
  fn: fc.constant('set_body_yaw'),
  params: fc.record({
    yaw_deg: fc.oneof(fc.integer({ min: -160, max: 160 }), fc.constantFrom(-100, -65, 65, 100, 160, -160)),
    head: fc.constantFrom('follow', 'hold'),
    duration_s: dur,
    wait,
  }),
});
const antennas = fc.record({
  fn: fc.constant('antenna_pose'),
  params: fc.record({ left: fc.integer({ min: -80, max: 80 }), right: fc.integer({ min: -80, max: 80 }), duration_s: dur, wait }),
});
const pause = fc.record({ pause: fc.integer({ min: 0, max: 150 }) });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: look },
  { weight: 5, arbitrary: body },
  { weight: 1, arbitrary: antennas },
  { weight: 3, arbitrary: pause },
  { weight: 1, arbitrary: fc.constant({ fn: 'stop_motion', params: {} }) },
);
const sequence = fc.record({
  concurrent: fc.boolean(),
  steps: fc.array(step, { minLength: 2, maxLength: 8 }),
  // Now and then the sleep/wake pair (sequential runs only: asleep, the motors are limp and nothing moves).
  sleepWake: fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ pause: fc.integer({ min: 0, max: 400 }), wait }) },
  ),
});

interface Tally {
  sequences: number;
  calls: number;
  accepted: number;
  refused: number;
  completedChecked: number;
  finalChecked: number;
}

async function runSequences(s: Stack, deviceId: string, numRuns: number, seed: number): Promise<Tally> {
  const conn: MeshConnection = await s.newConnection();
  const call = (fn: string, params: Params) => rpc(conn, deviceId, fn, params);
  const t: Tally = { sequences: 0, calls: 0, accepted: 0, refused: 0, completedChecked: 0, finalChecked: 0 };
  const { w, off } = watchSim(s.sim);

  /** The simulator, right now, is where a completed reply says the robot is. */
  const checkCompleted = (fn: string, params: Params, result: Record<string, unknown>): void => {
    const st = s.sim.state();
    const target = result.target as Record<string, number>;
    if (fn === 'set_body_yaw') expect(Math.abs(st.bodyYaw * DEG - (params.yaw_deg as number))).toBeLessThan(2);
    if (fn === 'look_at_world') {
      const heading = Math.atan2(st.headPose[4], st.headPose[0]) * DEG;
      expect(Math.abs(heading - target.world_yaw_deg)).toBeLessThan(3);
    }
    t.completedChecked++;
  };

  const invoke = async (fn: string, params: Params, sequential: boolean) => {
    const r = await call(fn, params);
    t.calls++;
    if (r.error) {
      expect(r.error.code).toBe(-32000);
      t.refused++;
      return null;
    }
    const res = r.result!;
    t.accepted++;
    if (sequential && res.status === 'completed') checkCompleted(fn, params, res);
    return res;
  };

  try {
    await fc.assert(
      fc.asyncProperty(sequence, async (seq) => {
        t.sequences++;
        let last: { fn: string; params: Params; res: Record<string, unknown> } | null = null;
        if (seq.concurrent) {
          let offset = 0;
          const runs: Array<Promise<unknown>> = [];
          for (const st of seq.steps) {
            if ('pause' in st) offset += st.pause;
            else {
              const at = offset;
              runs.push(sleep(at).then(() => invoke(st.fn, st.params, false)));
            }
          }
          await Promise.all(runs);
        } else {
          for (const st of seq.steps) {
            if ('pause' in st) await sleep(st.pause);
            else {
              const res = await invoke(st.fn, st.params, true);
              if (st.fn === 'stop_motion') last = null;
              else if (res && res.status !== 'cancelled') last = { fn: st.fn, params: st.params, res };
            }
          }
          if (seq.sleepWake) {
            await invoke('goto_sleep', {}, true);
            await sleep(seq.sleepWake.pause);
            const wake = await invoke('wake_up', { wait: seq.sleepWake.wait }, true);
            expect(wake?.status).toMatch(seq.sleepWake.wait ? /^completed$/ : /^accepted$/);
            last = null;
          }
        }
        // Everything accepted comes to rest where it was sent (the daemon altered and dropped nothing).
        await until(async () => {
          const st = await call('get_status', {});
          return (st.result?.driver_state as { execution_state: string }).execution_state !== 'moving';
        }, 10_000, 20);
        await settled(s.sim, 10_000);
        if (last) {
          const st = s.sim.state();
          const target = last.res.target as Record<string, number>;
          if (last.fn === 'set_body_yaw') expect(Math.abs(st.bodyYaw * DEG - target.yaw_deg)).toBeLessThan(0.5);
          if (last.fn === 'look_at_world') {
            const heading = Math.atan2(st.headPose[4], st.headPose[0]) * DEG;
            expect(Math.abs(heading - target.world_yaw_deg)).toBeLessThan(0.5);
          }
          t.finalChecked++;
        }
        const rel = relYawDeg(s.sim.state().headPose, s.sim.state().bodyYaw);
        expect(Math.abs(rel.rpy)).toBeLessThanOrEqual(65.5);
        // At rest, the daemon's own yaw convention is within the rule too (it had nothing to alter).
        expect(Math.abs(rel.daemon)).toBeLessThanOrEqual(65 + 1e-6);
        expect(w.beyond, w.firstProblem).toBe(0);
        expect(w.altered, w.firstProblem).toBe(0);
        expect(w.unreachable, w.firstProblem).toBe(0);
      }),
      { numRuns, seed, endOnFailure: true },
    );
  } finally {
    off();
  }
  expect(w.frames).toBeGreaterThan(100);
  console.info(
    `head-body property (${s.sim.mode}): ${t.sequences} sequences, ${t.calls} calls (${t.accepted} accepted, ${t.refused} refused), ` +
      `${w.frames} frames, max head-body ${w.maxRel.toFixed(2)}°, max body nudge inside wake_up/goto_sleep ${w.maxSequenceNudge.toFixed(3)}°, ${t.completedChecked} completions and ${t.finalChecked} final poses checked`,
  );
  return t;
}

// Sequences per simulator mode: small in `npm test`; HEAD_BODY_RUNS=1000 for a soak run.
const RUNS = Number(process.env.HEAD_BODY_RUNS ?? 40);

for (const [mode, runs, factor] of [
  ['mockup', RUNS, 4],
  ['robot', RUNS, 4],
] as Array<[SimMode, number, number]>) {
  describe(`head–body rule and completion under random sequences (${mode} simulator)`, () => {
    let s: Stack;
    const id = `reachy-hbp-${mode}`;
    beforeAll(async () => {
      s = await startStack({ deviceId: id, sim: { mode, seed: 5, clock: scaledClock(factor) }, driver: { moveSettleMs: 2000 } });
      const conn = await s.newConnection();
      await until(() => s.driver.daemon.latestState());
      await rpc(conn, id, 'wake_up', { wait: true });
      await conn.close();
    }, 20_000);
    afterAll(() => s?.close());

    it('no frame beyond 65°, nothing altered or unreachable, every accepted target reached', async () => {
      const t = await runSequences(s, id, runs, mode === 'robot' ? 1212 : 3434);
      expect(t.accepted).toBeGreaterThan(runs);
      expect(t.refused).toBeGreaterThan(10);
      expect(t.finalChecked).toBeGreaterThan(runs / 10);
    }, 60_000 + runs * 1000);
  });
}
