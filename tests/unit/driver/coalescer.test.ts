import { describe, expect, it } from 'vitest';
import { RealtimeCoalescer } from '../../../src/main/driver/coalescer';

describe('RealtimeCoalescer', () => {
  it('sends a burst of targets at most at the rate, keeping only the latest (not queued)', async () => {
    let t = 0;
    const sent: number[] = [];
    const c = new RealtimeCoalescer<number>(async (v) => void sent.push(v), { maxHz: 60, burst: 2, now: () => t });
    const outcomes = await Promise.all([c.submit(1), c.submit(2)]);
    expect(outcomes).toEqual(['sent', 'sent']);
    // Bucket empty now: 3, 4, 5 arrive within one slot; only 5 is sent once a token is back.
    const p3 = c.submit(3);
    const p4 = c.submit(4);
    t += 20;
    const p5 = c.submit(5);
    expect(await p3).toBe('coalesced');
    expect(await p4).toBe('coalesced');
    expect(await p5).toBe('sent');
    expect(sent).toEqual([1, 2, 5]);
    expect(c.stats).toMatchObject({ submitted: 5, sent: 3, coalesced: 2 });
  });

  it('cancel drops the waiting target so it never reaches the daemon', async () => {
    const t = 0;
    const sent: number[] = [];
    const c = new RealtimeCoalescer<number>(async (v) => void sent.push(v), { maxHz: 60, burst: 1, now: () => t });
    await c.submit(1);
    const p = c.submit(2);
    c.cancel();
    expect(await p).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual([1]);
    c.close();
  });

  it('a newer target keeps the parts of the waiting one it does not give (merge)', async () => {
    let t = 0;
    type T = { head?: number; antennas?: number };
    const sent: T[] = [];
    const c = new RealtimeCoalescer<T>(async (v) => void sent.push(v), { maxHz: 60, burst: 1, now: () => t, merge: (a, b) => ({ ...a, ...b }) });
    await c.submit({ head: 1 });
    const pa = c.submit({ antennas: 7 });
    t += 20;
    const ph = c.submit({ head: 2 });
    expect(await pa).toBe('coalesced');
    expect(await ph).toBe('sent');
    expect(sent).toEqual([{ head: 1 }, { head: 2, antennas: 7 }]);
    c.close();
  });
});
