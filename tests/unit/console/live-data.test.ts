import { describe, expect, it } from 'vitest';
import { daemonCause, formatAge, freshness, freshnessText, STALE_AFTER_MS, streamCauses, type StreamContext } from '../../../src/renderer/live';
import { parseStateEvent } from '../../../src/renderer/robot-state';

const T0 = 1_800_000_000_000;

describe('age and staleness of live data', () => {
  it('is live while samples keep coming, and stale with its age and reason once they stop for over a second', () => {
    const f = (now: number) => freshness({ now, receivedAt: T0, what: 'state from reachy-mini-1' });
    expect(f(T0 + 50)).toEqual({ ageMs: 50, stale: false, reason: null });
    expect(f(T0 + STALE_AFTER_MS).stale).toBe(false);
    const late = f(T0 + 3200);
    expect(late).toMatchObject({ ageMs: 3200, stale: true, reason: 'no new state from reachy-mini-1' });
    expect(freshnessText(late)).toBe('STALE · 3.2 s old — no new state from reachy-mini-1');
    expect(freshnessText(f(T0 + 100))).toBe('live · 0.1 s old');
  });

  it('is stale before the first sample, and at once when a known cause says no live data can come', () => {
    expect(freshness({ now: T0, receivedAt: null, what: 'device list' })).toEqual({ ageMs: null, stale: true, reason: 'no device list yet' });
    const f = freshness({ now: T0 + 100, receivedAt: T0, what: 'state', causes: [null, '', 'the driver of r1 is stopped', 'later cause'] });
    expect(f).toEqual({ ageMs: 100, stale: true, reason: 'the driver of r1 is stopped' });
  });

  it('names the most fundamental cause first: host link, then mesh, then the stopped driver of that device', () => {
    const ok: StreamContext = { link: 'open', mesh: { status: 'connected' }, driver: { running: true, deviceId: 'r1' } };
    expect(streamCauses(ok, 'r1')).toEqual([]);
    expect(streamCauses({ ...ok, driver: { running: false, deviceId: 'r1' } }, 'r1')).toEqual(['the driver of r1 is stopped']);
    // another robot on the mesh does not depend on the bundled driver
    expect(streamCauses({ ...ok, driver: { running: false, deviceId: 'r1' } }, 'other')).toEqual([]);
    expect(streamCauses({ ...ok, mesh: { status: 'reconnecting', error: 'nats down' } }, 'r1')).toEqual(['the mesh is reconnecting: nats down']);
    expect(streamCauses({ ...ok, link: 'closed', linkReason: 'lost the connection to the console host; reconnecting…', driver: { running: false, deviceId: 'r1' } }, 'r1')[0]).toBe(
      'lost the connection to the console host; reconnecting…',
    );
    expect(daemonCause('connected')).toBeNull();
    expect(daemonCause('lost: ECONNREFUSED')).toBe('the driver has no link to the robot daemon (lost: ECONNREFUSED)');
  });

  it('formats ages precisely while they matter and briefly after', () => {
    expect([formatAge(0), formatAge(940), formatAge(12_400), formatAge(185_000), formatAge(3 * 3600_000)]).toEqual(['0.0 s', '0.9 s', '12 s', '3 min', '3 h']);
  });
});

describe('lease countdown across clocks', () => {
  it("counts from the time left on arrival, not from the robot's clock, when the two clocks differ", () => {
    // The robot's clock is 40 s behind this page: its absolute expiry would read as already past here.
    const robotNow = T0 - 40_000;
    const v = parseStateEvent(
      'r1',
      { driver_state: { command_owner: 'operator', lease_active: true, lease_expires_at: (robotNow + 12_000) / 1000, lease_remaining_s: 12 } },
      T0,
    );
    expect(v.owner).toBe('operator');
    expect(v.leaseExpiresAt).toBe(T0 + 12_000);
  });
});
