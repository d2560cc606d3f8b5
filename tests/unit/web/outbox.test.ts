import { describe, expect, it } from 'vitest';
import { Outbox, SLOW_READER_CLOSE_CODE, type OutboxTransport } from '../../../src/main/web/outbox';
import type { ConsolePush } from '../../../src/shared/console-api';

/** A transport whose unsent bytes only go down when the test "reads". */
function fakeTransport() {
  const queue: Array<{ text: string; written: () => void }> = [];
  const delivered: string[] = [];
  let closed: { code: number; reason: string } | null = null;
  const t: OutboxTransport = {
    bufferedAmount: () => queue.reduce((n, f) => n + f.text.length, 0),
    send: (text, written) => void queue.push({ text, written }),
    close: (code, reason) => void (closed = { code, reason }),
  };
  return {
    t,
    delivered,
    closed: () => closed,
    /** The reader reads every unsent frame (each written callback may send more). */
    read(): void {
      while (queue.length) {
        const f = queue.shift()!;
        delivered.push(f.text);
        f.written();
      }
    },
  };
}

const state = (seq: number): ConsolePush => ({
  type: 'mesh_event',
  event: { device_id: 'r1', event_name: 'state_event', params: { seq, pad: 'x'.repeat(100) }, received_at: seq },
  subscriptionIds: [1],
});
const safety = (seq: number): ConsolePush => ({
  type: 'mesh_event',
  event: { device_id: 'r1', event_name: 'safety_event', params: { seq }, received_at: seq },
  subscriptionIds: [1],
});
const seqOf = (text: string): number => (JSON.parse(text) as { data: { event: { params: { seq: number } } } }).data.event.params.seq;

describe('Outbox (per-connection backpressure)', () => {
  it('sends straight through while the reader keeps up', () => {
    const f = fakeTransport();
    const o = new Outbox(f.t, { highWaterBytes: 1000 });
    for (let i = 0; i < 50; i++) {
      o.push(state(i));
      f.read();
    }
    expect(f.delivered.map(seqOf)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(o.stats()).toMatchObject({ pendingFrames: 0, coalesced: 0, closed: false });
  });

  it('behind the high-water mark: keeps only the latest state, keeps every ordered frame, and catches up in order', () => {
    const f = fakeTransport();
    const o = new Outbox(f.t, { highWaterBytes: 1000, maxBehindMs: 60_000 });
    for (let i = 0; i < 20; i++) o.push(state(i)); // ~250 B each: the first 4 go out, the rest are held
    o.push(safety(100));
    for (let i = 20; i < 200; i++) o.push(state(i));
    o.push(safety(101));
    const s = o.stats();
    expect(s.pendingFrames).toBe(3); // one state (latest), two safety events
    expect(s.bufferedAmount).toBeLessThan(1000 + 300);
    f.read();
    const seqs = f.delivered.map(seqOf);
    expect(seqs.slice(0, 4)).toEqual([0, 1, 2, 3]);
    // The held state took its first position and the newest content; ordered frames all arrive.
    expect(seqs.slice(4)).toEqual([199, 100, 101]);
    expect(o.stats()).toMatchObject({ pendingFrames: 0, closed: false });
    expect(f.closed()).toBeNull();
  });

  it('disconnects a reader whose held ordered frames pass the cap, and holds nothing after', () => {
    const f = fakeTransport();
    const o = new Outbox(f.t, { highWaterBytes: 100, maxPendingFrames: 10, maxBehindMs: 60_000 });
    for (let i = 0; i < 50; i++) o.push(safety(i));
    expect(f.closed()).toMatchObject({ code: SLOW_READER_CLOSE_CODE, reason: expect.stringMatching(/too slow/) });
    expect(o.stats()).toMatchObject({ pendingFrames: 0, pendingBytes: 0, closed: true });
  });

  it('disconnects a reader that stays behind longer than allowed', async () => {
    const f = fakeTransport();
    const o = new Outbox(f.t, { highWaterBytes: 100, maxBehindMs: 30 });
    for (let i = 0; i < 5; i++) o.push(state(i));
    expect(o.stats().pendingFrames).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(f.closed()).toMatchObject({ code: SLOW_READER_CLOSE_CODE, reason: expect.stringMatching(/stayed behind/) });
  });
});
