/** The same driver over the daemon's REST-only transport (no /ws/sdk): targets via POST, state polled. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rad2deg, yawOf } from '../../../src/shared/kinematics';
import { sleep, startStack, until, type Stack } from './stack';
import { errorMessage } from '../../../src/shared/errors';

let s: Stack;
const ID = 'reachy-http-1';
const invoke = (fn: string, params: Record<string, unknown> = {}) => s.client.invoke(ID, fn, params) as Promise<Record<string, unknown>>;

beforeAll(async () => {
  s = await startStack({ deviceId: ID, driver: { transportMode: 'http' } });
});
afterAll(() => s?.close());

describe('driver with transport mode http', () => {
  it('moves the robot and reports state without the websocket stream', async () => {
    await invoke('wake_up', { wait: true });
    await invoke('look_at_world', { yaw: -20, pitch: 5 });
    await until(() => Math.abs(rad2deg(yawOf(s.sim.state().headPose)) + 20) < 0.5);
    const r = await invoke('set_body_yaw', { yaw_deg: 25, duration_s: 0.3, wait: true });
    expect(r.status).toBe('completed');
    // The reply's observed pose is a sample taken after completion, even with polled state.
    expect((r.observed as { body_yaw_deg: number }).body_yaw_deg).toBeCloseTo(25, 0);
    await until(async () => Math.abs(((await invoke('get_body_yaw')).yaw_deg as number) - 25) < 0.5);
    const st = (await invoke('get_status')).driver_state as Record<string, unknown>;
    expect((st.daemon_link as Record<string, unknown>).transport).toBe('http');
    const e = await s.client.invoke(ID, 'look_at_world', { pitch: 45 }).catch((err: Error) => err);
    expect(errorMessage(e)).toMatch(/pitch=45 outside safe range \[-30, 30\]/);
  });

  it('stateHz 0 turns state_event off', async () => {
    let n = 0;
    const off = s.client.subscribe(ID, 'state_event', () => n++);
    await sleep(400);
    off();
    expect(n).toBe(0);
  });
});
