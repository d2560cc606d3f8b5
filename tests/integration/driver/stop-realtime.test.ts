/**
 * stop_motion stops a realtime target the daemon already holds. In the `robot`-mode simulator the body turns at its
 * own rate (~170°/s), so a realtime 120° turn takes most of a second; cancelling the daemon's moves alone would let
 * it finish. The driver's stop also holds the pose it observes. Every assertion reads the simulator's own state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshConnection } from '../../../src/main/mesh';
import { rpc } from './sim-watch';
import { startStack, sleep, until, type Stack } from './stack';

const DEG = 180 / Math.PI;
const ID = 'reachy-stop-rt-1';
let s: Stack;
let conn: MeshConnection;
const call = (m: string, p: Record<string, unknown> = {}) => rpc(conn, ID, m, p);

beforeAll(async () => {
  s = await startStack({ deviceId: ID, sim: { mode: 'robot', seed: 5 }, driver: { moveSettleMs: 1500 } });
  conn = await s.newConnection();
  await until(() => s.driver.daemon.latestState());
  await call('wake_up', { wait: true });
}, 20_000);
afterAll(() => s?.close());

describe('stop_motion against a realtime target in flight (robot-mode simulator)', () => {
  it('a realtime 120° body turn stopped after ~150 ms ends far short of 120° and stays there', async () => {
    const start = s.sim.state().bodyYaw * DEG;
    expect(Math.abs(start)).toBeLessThan(1);
    const turn = await call('set_body_yaw', { yaw_deg: 120, duration_s: 0 });
    expect(turn.result).toMatchObject({ status: 'accepted' });
    await until(() => s.sim.state().bodyYaw * DEG > 5 || null, 2000);
    await sleep(100);
    const stop = await call('stop_motion', { owner: 'operator', reason: 'test' });
    expect(stop.result).toMatchObject({ status: 'accepted', result: { stopped: true, daemon: 'ok', hold: expect.stringMatching(/holding the pose observed/) } });
    const atStop = s.sim.state().bodyYaw * DEG;
    await sleep(1200);
    const after = s.sim.state().bodyYaw * DEG;
    // Without the hold the body reaches 120° within ~0.7 s.
    expect(after).toBeLessThan(90);
    expect(Math.abs(after - atStop)).toBeLessThan(15);
    await sleep(300);
    expect(Math.abs(s.sim.state().bodyYaw * DEG - after)).toBeLessThan(0.5);

    // The robot takes the next command normally (a stop is not a trip).
    const back = await call('set_body_yaw', { yaw_deg: 0, duration_s: 0.5, wait: true });
    expect(back.result).toMatchObject({ status: 'completed' });
    expect(Math.abs(s.sim.state().bodyYaw * DEG)).toBeLessThan(1);
  }, 20_000);

  it('a command sent right after the stop is not undone by the stop', async () => {
    const stop = call('stop_motion', { owner: 'operator' });
    const look = call('set_body_yaw', { yaw_deg: 30, duration_s: 0 });
    const [st, lk] = await Promise.all([stop, look]);
    expect(st.result).toMatchObject({ status: 'accepted' });
    expect(lk.result).toMatchObject({ status: 'accepted' });
    await until(() => Math.abs(s.sim.state().bodyYaw * DEG - 30) < 1 || null, 3000);
  }, 20_000);
});
