/**
 * Bad input to every motion route (wrong types, missing fields, NaN, huge numbers, wrong matrix lengths, random
 * junk and random extreme poses) gets the daemon's answer (200 or a 422 detail list, never a crash) and never
 * puts the simulated robot somewhere the real one could not be.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCHES, headIk } from '../../../src/main/reachy/kinematics';
import { ManualClock, startSimulator } from '../../../src/main/sim';
import type { Simulator } from '../../../src/main/sim';
import { http, post, waitFor, wsProbe } from './util';

function assertReachable(sim: Simulator): void {
  const s = sim.state();
  expect(s.joints.every(Number.isFinite)).toBe(true);
  expect(Math.abs(s.joints[0])).toBeLessThanOrEqual((160 * Math.PI) / 180 + 1e-9);
  BRANCHES.forEach((b, i) => {
    expect(s.joints[i + 1]).toBeGreaterThanOrEqual(b.limits[0] - 1e-9);
    expect(s.joints[i + 1]).toBeLessThanOrEqual(b.limits[1] + 1e-9);
  });
  expect(s.headPose.every(Number.isFinite)).toBe(true);
  // The reported pose is the one the joints hold.
  const ik = headIk(s.headPose, s.joints[0], false);
  expect(ik.reachable).toBe(true);
  ik.joints.forEach((v, i) => expect(Math.abs(v - s.joints[i])).toBeLessThan(1e-6));
  expect(s.antennas.every((a) => Number.isFinite(a) && Math.abs(a) <= Math.PI)).toBe(true);
}

const num = fc.oneof(
  fc.double(),
  fc.double({ min: -2, max: 2, noNaN: true }),
  fc.integer(),
  fc.constantFrom(1e308, -1e308, 5e-324, 0, -0, 1e6),
  fc.string({ maxLength: 4 }),
  fc.constant(null),
  fc.boolean(),
);
const pose = fc.oneof(
  fc.record({ x: num, y: num, z: num, roll: num, pitch: num, yaw: num }, { requiredKeys: [] }),
  // Random poses near and beyond the workspace edge.
  fc.record({
    x: fc.double({ min: -0.06, max: 0.06, noNaN: true }),
    y: fc.double({ min: -0.06, max: 0.06, noNaN: true }),
    z: fc.double({ min: -0.06, max: 0.04, noNaN: true }),
    roll: fc.double({ min: -1.2, max: 1.2, noNaN: true }),
    pitch: fc.double({ min: -1.2, max: 1.2, noNaN: true }),
    yaw: fc.double({ min: -4, max: 4, noNaN: true }),
  }),
  fc.record({ m: fc.array(num, { maxLength: 20 }) }),
  fc.record({ m: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 16, maxLength: 16 }) }),
  fc.anything(),
);
const antennas = fc.oneof(fc.array(num, { maxLength: 4 }), fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })), fc.anything());

describe('bad input never moves the simulated robot out of reach', () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock, mode: 'robot' });
    clock.advance(20);
    await sim.ready();
  });
  afterAll(() => sim.stop());

  it('POST /api/move/set_target', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ target_head_pose: pose, target_antennas: antennas, target_body_yaw: num }, { requiredKeys: [] }), fc.anything()), async (body) => {
        const r = await post(sim.url, '/api/move/set_target', body);
        expect([200, 422]).toContain(r.status);
        if (r.status === 422) expect(Array.isArray((r.json as { detail: unknown }).detail)).toBe(true);
        await clock.advanceAsync(40);
        assertReachable(sim);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /api/move/goto', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ head_pose: pose, antennas, body_yaw: num, duration: fc.oneof(num, fc.double({ min: 0.01, max: 0.3, noNaN: true })), interpolation: fc.oneof(fc.constantFrom('linear', 'cartoon'), fc.anything()) }, { requiredKeys: [] }),
          fc.anything(),
        ),
        async (body) => {
          const r = await post(sim.url, '/api/move/goto', body);
          expect([200, 422]).toContain(r.status);
          await clock.advanceAsync(300);
          assertReachable(sim);
          sim.core.model.stopMove();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('raw bodies: NaN, Infinity, huge numbers, broken JSON', async () => {
    for (const raw of ['{"target_body_yaw": NaN}', '{"target_body_yaw": Infinity}', '{"target_body_yaw": 1e400}', '{"target_head_pose": {"x": 1e400}}', '{', 'null', '[]', '"x"']) {
      const r = await http(sim.url, 'POST', '/api/move/set_target', undefined, raw);
      expect(r.status).toBe(422);
      await clock.advanceAsync(40);
      assertReachable(sim);
    }
    // A matrix that fails validation (wrong length, or a number beyond double range) falls back to XYZRPY with
    // defaults: the daemon's union quirk, accepted as the identity pose.
    for (const raw of ['{"target_head_pose": {"m": [1, 0, 0]}}', '{"target_head_pose": {"m": [1e400,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1]}}']) {
      const r = await http(sim.url, 'POST', '/api/move/set_target', undefined, raw);
      expect(r.json).toEqual({ status: 'ok' });
      await clock.advanceAsync(1000);
      assertReachable(sim);
      expect(sim.state().headPose.map((v) => +v.toFixed(9))).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    }
  });

  it('/api/move/ws/set_target and /ws/sdk frames', async () => {
    const st = wsProbe(sim.url.replace('http', 'ws') + '/api/move/ws/set_target');
    const sdk = wsProbe(sim.url.replace('http', 'ws') + '/ws/sdk');
    await Promise.all([st.opened, sdk.opened]);
    const types = ['set_target', 'set_full_target', 'set_body_yaw', 'set_antennas', 'goto_target', 'task', 'set_head_joints', 'set_automatic_body_yaw', 'set_motor_mode', 'bogus'];
    const frame = fc.oneof(
      fc.record({ target_head_pose: pose, target_antennas: antennas, target_body_yaw: num }, { requiredKeys: [] }),
      fc.record({ type: fc.constantFrom(...types), head: fc.oneof(fc.array(num, { minLength: 16, maxLength: 16 }), fc.anything()), antennas, body_yaw: num, enabled: fc.anything(), duration: num, uuid: fc.uuid(), req: fc.anything() }, { requiredKeys: ['type'] }),
      fc.anything(),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        st.send(f);
        sdk.send(f);
        sent++;
        await clock.advanceAsync(40);
        assertReachable(sim);
        sim.core.model.stopMove();
      }),
      { numRuns: 150 },
    );
    // Every frame got through (the sockets stayed up) and only error replies came back on ws/set_target.
    st.send({ target_antennas: [0.1, 0.1] });
    await waitFor(() => sim.targetLog().some((e) => e.source === 'ws_set_target' && e.antennas?.[0] === 0.1));
    expect(sent).toBe(150);
    expect(st.messages.every((m) => m.status === 'error')).toBe(true);
    st.close();
    sdk.close();
  });

  it('other routes with bad parameters answer 422 and change nothing', async () => {
    const before = sim.state();
    expect((await post(sim.url, '/api/motors/set_mode/%00')).status).toBe(422);
    expect((await post(sim.url, '/api/volume/set', { volume: 'loud' })).status).toBe(422);
    expect((await post(sim.url, '/api/volume/set', { volume: 1e308 })).status).toBe(422);
    expect((await post(sim.url, '/api/volume/set', { volume: 50.5 })).status).toBe(422);
    expect((await post(sim.url, '/api/media/play_sound', { file: 12 })).status).toBe(422);
    expect((await post(sim.url, '/api/move/stop', {})).status).toBe(422);
    expect((await post(sim.url, '/api/daemon/start?wake_up=perhaps')).status).toBe(422);
    expect((await http(sim.url, 'GET', '/api/state/full?use_pose_matrix=2')).status).toBe(422);
    expect(sim.state().headPose).toEqual(before.headPose);
    expect((await http(sim.url, 'GET', '/api/volume/current')).json).toMatchObject({ volume: 60 });
  });
});
