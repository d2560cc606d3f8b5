import { describe, expect, it } from 'vitest';
import { LeaseTable } from '../../../src/main/driver/lease';
import { Interlock } from '../../../src/main/driver/interlock';
import { DriverRefusal } from '../../../src/main/driver/limits';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('LeaseTable', () => {
  it('refuses another owner while the lease is live, naming holder and time left', () => {
    const c = clock();
    const l = new LeaseTable(c.now, 5);
    l.claim('agent');
    c.advance(1500);
    expect(() => l.claim('panorama')).toThrow(/held by 'agent' for another 3\.5 s/);
    expect(l.holder()).toBe('agent');
  });

  it('lets the holder renew, and anyone take over after expiry', () => {
    const c = clock();
    const l = new LeaseTable(c.now, 5);
    l.claim('agent');
    c.advance(4000);
    l.claim('agent');
    c.advance(4000);
    expect(() => l.claim('operator')).toThrow(DriverRefusal);
    c.advance(1001);
    expect(l.claim('operator').owner).toBe('operator');
  });

  it('acquire with preempt takes a live lease and reports who lost it; release only by the holder', () => {
    const c = clock();
    const l = new LeaseTable(c.now, 5);
    l.acquire('agent', 60, false);
    expect(() => l.acquire('operator', 10, false)).toThrow(/held by 'agent'/);
    const r = l.acquire('operator', 10, true);
    expect(r.preempted?.owner).toBe('agent');
    expect(() => l.release('agent')).toThrow(/held by 'operator'/);
    expect(l.release('operator')).toBe(true);
    expect(l.release('operator')).toBe(false);
    expect(l.snapshot()).toMatchObject({ lease_active: false, command_owner: 'operator' });
  });
});

describe('Interlock', () => {
  it('reports every trip, refuses motion while tripped, and resets only with the link up', () => {
    const il = new Interlock(() => 42_000);
    const seen: string[] = [];
    il.onTrip((t) => seen.push(`${t.source}:${t.reason}`));
    expect(() => il.assertSafe('look_at_world')).not.toThrow();
    il.trip('daemon link lost', 'daemon');
    il.trip('emergency_stop from console', 'mesh', 'console-1');
    expect(seen).toEqual(['daemon:daemon link lost', 'mesh:emergency_stop from console']);
    expect(() => il.assertSafe('look_at_world')).toThrow(/look_at_world refused: safety interlock tripped \(daemon link lost/);
    expect(() => il.reset(false, 'ECONNREFUSED')).toThrow(/daemon link is down \(ECONNREFUSED\)/);
    expect(il.state()).toBe('tripped');
    expect(il.reset(true)?.reason).toBe('daemon link lost');
    expect(il.snapshot().interlock_state).toBe('safe');
  });
});
