import { describe, expect, it } from 'vitest';
import { controlBlock, outcomeOf } from '../../src/renderer/teleop';
import { LIVE } from '../../src/renderer/live';

describe('teleop outcomes and blocks', () => {
  it('says accepted, refused with the reason, or failed — never nothing', () => {
    expect(outcomeOf('look_at_world', { ok: true, result: { status: 'accepted' }, elapsedMs: 12 }).kind).toBe('accepted');
    expect(outcomeOf('look_at_world', { ok: true, result: { status: 'completed' }, elapsedMs: 900 }).kind).toBe('accepted');
    const refused = outcomeOf('look_at_world', { ok: false, error: { code: 'range', message: 'yaw=-45 puts the head 105° from the body' }, elapsedMs: 3 } as never);
    expect(refused).toEqual({ kind: 'refused', text: 'look_at_world: yaw=-45 puts the head 105° from the body' });
    expect(outcomeOf('set_body_yaw', { ok: true, result: { status: 'cancelled', reason: 'stop_motion dropped it' }, elapsedMs: 1 }).kind).toBe('refused');
    expect(outcomeOf('wake_up', { ok: true, result: { status: 'failed', details: 'daemon error' }, elapsedMs: 1 })).toEqual({ kind: 'failed', text: 'wake_up: move failed (daemon error)' });
  });

  it('disables controls with the reason when they cannot work', () => {
    expect(controlBlock({ deviceId: null, live: LIVE, interlock: null, interlockReason: null }).any).toBe('no robot selected');
    const down = controlBlock({ deviceId: 'r', live: { ageMs: 3000, stale: true, reason: 'the driver of r is stopped' }, interlock: 'safe', interlockReason: null });
    expect(down).toEqual({ any: 'the driver of r is stopped', motion: 'the driver of r is stopped' });
    const tripped = controlBlock({ deviceId: 'r', live: LIVE, interlock: 'tripped', interlockReason: 'operator E-STOP' });
    expect(tripped.any).toBeNull();
    expect(tripped.motion).toMatch(/interlock is tripped \(operator E-STOP\)/);
    // slow pushes alone do not block: the command path may still work and its outcome will say
    expect(controlBlock({ deviceId: 'r', live: { ageMs: 1500, stale: true, reason: 'no new state from r' }, interlock: 'safe', interlockReason: null }).motion).toBeNull();
  });
});
