/** throttleLatest: the first call runs at once, a burst runs at most every `ms`, and its last call always runs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleLatest } from '../../../src/shared/rate';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('throttleLatest', () => {
  it('runs the first call at once, coalesces a burst into one trailing run, and cancel drops it', () => {
    let runs = 0;
    const t = throttleLatest(() => runs++, 250);
    t.call();
    expect(runs).toBe(1);
    for (let i = 0; i < 100; i++) t.call();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(249);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(2);
    t.call();
    expect(runs).toBe(3);
    t.call();
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(3);
  });
});
