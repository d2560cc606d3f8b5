/**
 * Time source of the simulator. Everything time-dependent in the sim (50 Hz loop, move timing, IMU, timestamps)
 * reads this clock, so tests can swap in a ManualClock and step simulated time faster than real time, and two
 * runs with the same seed and the same steps produce identical state streams.
 */
export type Cancel = () => void;

export interface SimClock {
  /** Milliseconds since the epoch, in simulated time. */
  now(): number;
  setTimeout(cb: () => void, ms: number): Cancel;
  setInterval(cb: () => void, ms: number): Cancel;
}

/** Wall-clock time (Date.now and Node timers). */
export function realClock(): SimClock {
  return scaledClock(1);
}

/**
 * Simulated time running `factor` times faster than the wall clock (1 = real time), for tests that drive the
 * simulator through real sockets and want long motion sequences to take less wall time.
 */
export function scaledClock(factor: number): SimClock {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`clock factor must be a positive number (got ${factor})`);
  const base = Date.now();
  const now = (): number => (factor === 1 ? Date.now() : base + (Date.now() - base) * factor);
  return {
    now,
    setTimeout(cb, ms) {
      const h = setTimeout(cb, ms / factor);
      return () => clearTimeout(h);
    },
    // Drift-free: each firing is scheduled against absolute time, so 20 ms really is 50 Hz (plain setInterval
    // drifts to ~45 Hz under load). When far behind, missed firings are skipped rather than burst.
    setInterval(cb, ms) {
      const period = ms / factor;
      let cancelled = false;
      let next = Date.now() + period;
      let h: NodeJS.Timeout;
      const run = (): void => {
        if (cancelled) return;
        cb();
        if (cancelled) return;
        const t = Date.now();
        next += period;
        if (next < t - period) next = t + period;
        h = setTimeout(run, Math.max(0, next - t));
      };
      h = setTimeout(run, period);
      return () => {
        cancelled = true;
        clearTimeout(h);
      };
    },
  };
}

interface Timer {
  id: number;
  at: number;
  period: number | null;
  cb: () => void;
}

/**
 * Simulated time that only moves when told: `advance(ms)` fires every due timer in time order (ties in creation
 * order). `advanceAsync` yields to the event loop between timer firings so sockets can flush.
 */
export class ManualClock implements SimClock {
  private t: number;
  private timers: Timer[] = [];
  private nextId = 1;

  /** Default start: 2026-01-01T00:00:00Z, so timestamps are reproducible. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(cb: () => void, ms: number): Cancel {
    return this.add(cb, ms, null);
  }

  setInterval(cb: () => void, ms: number): Cancel {
    return this.add(cb, ms, Math.max(1, ms));
  }

  private add(cb: () => void, ms: number, period: number | null): Cancel {
    const timer: Timer = { id: this.nextId++, at: this.t + Math.max(0, ms), period, cb };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  private nextDue(until: number): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (x.at <= until && (!best || x.at < best.at || (x.at === best.at && x.id < best.id))) best = x;
    return best;
  }

  private fire(timer: Timer): void {
    this.t = Math.max(this.t, timer.at);
    if (timer.period === null) this.timers = this.timers.filter((x) => x !== timer);
    else timer.at += timer.period;
    timer.cb();
  }

  /** Moves time forward by `ms`, firing due timers synchronously. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (let d = this.nextDue(until); d; d = this.nextDue(until)) this.fire(d);
    this.t = until;
  }

  /** Like advance, but awaits a macrotask after each firing so network I/O interleaves as in real time. */
  async advanceAsync(ms: number): Promise<void> {
    const until = this.t + ms;
    for (let d = this.nextDue(until); d; d = this.nextDue(until)) {
      this.fire(d);
      await new Promise<void>((r) => setImmediate(r));
    }
    this.t = until;
  }
}
