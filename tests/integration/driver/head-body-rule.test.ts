/**
 * The 65° head–body yaw rule holds against everything in flight, and nothing the driver accepted is silently
 * altered by the daemon. Every assertion reads the SIMULATOR's own state (present frames each tick, its stored
 * target), not the driver's view. The simulator runs in `robot` mode (the head and the body lag their targets at
 * their own rates), so in-flight motion really overlaps the next command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshConnection } from '../../../src/main/mesh';
import type { Simulator } from '../../../src/main/sim';
import { rpc, settled, watchSim } from './sim-watch';
import { startStack, sleep, until, type Stack } from './stack';

const DEG = 180 / Math.PI;

function expectAwake(sim: Simulator): void {
  const st = sim.state();
  expect(st.motorMode).toBe('enabled');
  expect(Math.abs(st.antennas[0] * DEG + 10)).toBeLessThan(1);
  expect(Math.hypot(st.headPose[3], st.headPose[7], st.headPose[11]) * 1000).toBeLessThan(1);
  expect(Math.abs(Math.acos(Math.min(1, (st.headPose[0] + st.headPose[5] + st.headPose[10] - 1) / 2))) * DEG).toBeLessThan(1);
}

const ID = 'reachy-hb-1';
let s: Stack;
let conn: MeshConnection;
const call = (m: string, p: Record<string, unknown> = {}) => rpc(conn, ID, m, p);

beforeAll(async () => {
  s = await startStack({ deviceId: ID, sim: { mode: 'robot', seed: 11 }, driver: { moveSettleMs: 1500 } });
  conn = await s.newConnection();
  await until(() => s.driver.daemon.latestState());
  await call('wake_up', { wait: true });
}, 20_000);
afterAll(() => s?.close());

describe('head–body rule against everything in flight (robot-mode simulator)', () => {
  it('set_body_yaw −100° then look_at_world yaw 0 (world): refused naming both angles; the body reaches −100°', async () => {
    const { w, off } = watchSim(s.sim);
    try {
      const a = await call('set_body_yaw', { yaw_deg: -100 });
      expect(a.result).toMatchObject({ status: 'accepted' });
      const b = await call('look_at_world', { yaw: 0 });
      expect(b.error?.code).toBe(-32000);
      // Names the head heading, the body yaw it would be compared with, and what to do.
      expect(b.error?.message).toMatch(/heading 0°/);
      expect(b.error?.message).toMatch(/-100°/);
      expect(b.error?.message).toMatch(/set_body_yaw|frame "body"/);
      await settled(s.sim);
      expect(s.sim.state().bodyYaw * DEG).toBeCloseTo(-100, 1);
      expect(w.altered).toBe(0);
      expect(w.beyond).toBe(0);
    } finally {
      off();
    }
    await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.5, wait: true });
  });

  it('one client, one command at a time: no frame beyond 65° and the robot never rests beyond it', async () => {
    const { w, off } = watchSim(s.sim);
    try {
      // The head looks 45° left, then the body turns 100° carrying the head: the head must not run ahead.
      await call('look_at_world', { yaw: 45 });
      await sleep(400);
      await call('set_body_yaw', { yaw_deg: 100 });
      await settled(s.sim);
      // The body is turning to −40° when a tilted look arrives: 28° with pitch and roll is 68° from −40°
      // (the daemon's own yaw convention sees only 53° and would let the robot rest there).
      await call('set_body_yaw', { yaw_deg: -40 });
      const r = await call('look_at_world', { yaw: 28, pitch: 30, roll: 30 });
      expect(r.error?.message).toMatch(/65/);
      await settled(s.sim);
      expect(s.sim.state().bodyYaw * DEG).toBeCloseTo(-40, 1);
      expect(w.beyond, w.firstProblem).toBe(0);
      expect(w.altered, w.firstProblem).toBe(0);
      expect(w.maxRel).toBeLessThanOrEqual(65.5);
    } finally {
      off();
    }
    await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.5, wait: true });
  });

  it('a body turn with the head held is checked against the head target still in flight', async () => {
    const { w, off } = watchSim(s.sim);
    try {
      await call('look_at_world', { yaw: 40, duration_s: 1.5 });
      // The observed head is still near 0° when this arrives; the accepted target is 40°.
      const r = await call('set_body_yaw', { yaw_deg: -30, head: 'hold' });
      expect(r.error?.message).toMatch(/65/);
      await settled(s.sim);
      expect(w.beyond + w.altered, w.firstProblem).toBe(0);
    } finally {
      off();
    }
  });

  it('when another daemon client turned the body, a later look plans from where the body is (it is not pulled back)', async () => {
    await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
    // Another client turns the body to 30° directly on the daemon.
    const res = await fetch(`${s.sim.url}/api/move/set_target`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target_body_yaw: (30 / DEG), target_head_pose: { m: [Math.cos(30 / DEG), -Math.sin(30 / DEG), 0, 0, Math.sin(30 / DEG), Math.cos(30 / DEG), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] } }),
    });
    expect(res.status).toBe(200);
    await settled(s.sim);
    await sleep(1600); // longer than the driver's settle time (1.5 s here)
    const r = await call('look_at_world', { yaw: 20, duration_s: 0.2, wait: true });
    expect(r.result).toMatchObject({ status: 'completed' });
    await settled(s.sim);
    expect(s.sim.state().bodyYaw * DEG).toBeCloseTo(30, 1);
    await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
  });

  it('a head pose the Stewart platform cannot reach is refused, not silently held at the last reachable pose', async () => {
    const r = await call('look_at_world', { z_mm: 40 });
    expect(r.error?.code).toBe(-32000);
    expect(r.error?.message).toMatch(/cannot reach/);
    expect(r.error?.message).toMatch(/z_mm/);
  });
});

describe('"done" means done', () => {
  it('wake_up during a long goto_sleep ends with the robot awake (or a refusal), never "completed" while asleep', async () => {
    const sleepReply = await call('goto_sleep', {});
    expect(sleepReply.result).toMatchObject({ status: 'accepted' });
    await sleep(300);
    const w = await call('wake_up', { wait: true });
    if (w.error) {
      expect(w.error.message).toMatch(/goto_sleep/);
    } else {
      expect(w.result).toMatchObject({ status: 'completed', execution: 'idle' });
      // The simulator's own state: motors on, head at the neutral pose, antennas up.
      expectAwake(s.sim);
      const status = await call('get_status');
      expect((status.result?.driver_state as { asleep: boolean }).asleep).toBe(false);
    }
    // The sleep sequence is not still running underneath (it would end limp at the sleep pose).
    expect(s.sim.core.model.isMoveRunning()).toBe(false);
    await sleep(1000);
    expectAwake(s.sim);
  }, 20_000);

  it('a wait=true move reports completed only once the observed pose matches the target', async () => {
    // 150° in 0.2 s: the daemon finishes its interpolation long before the lagging body (about 170°/s) arrives.
    const r = await call('set_body_yaw', { yaw_deg: 150, duration_s: 0.2, wait: true });
    const simBody = s.sim.state().bodyYaw * DEG;
    expect(r.result).toMatchObject({ status: 'completed', execution: 'idle' });
    expect(Math.abs(simBody - 150)).toBeLessThan(2);
    const observed = r.result?.observed as { body_yaw_deg: number };
    expect(Math.abs(observed.body_yaw_deg - 150)).toBeLessThan(2);
    await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.3, wait: true });
  });

  it('a move the daemon drops (another client runs a move) is not reported completed', async () => {
    // Another daemon client starts a long move directly on the daemon.
    const res = await fetch(`${s.sim.url}/api/move/goto`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ head_pose: { m: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.01, 0, 0, 0, 1] }, duration: 6 }),
    });
    expect(res.status).toBe(200);
    const r = await call('look_at_world', { yaw: 30, duration_s: 0.3, wait: true });
    if (r.result) {
      expect(r.result.status).not.toBe('completed');
      expect(String(r.result.details)).toMatch(/not reach|did not/);
      expect(r.result.execution).not.toBe('idle');
    } else {
      expect(r.error?.message).toMatch(/move/);
    }
    await call('stop_motion');
  }, 20_000);
});
