/**
 * Realtime motion rate limit (docs/SAFETY.md): at most `maxHz` targets per second reach the daemon, sustained (token bucket).
 * Excess is coalesced, not queued: while waiting for the next slot only the latest target is kept, and the ones it
 * replaced resolve as `coalesced` without ever being sent.
 * Why a burst of ~1/6 s: a caller streaming at exactly the limit arrives with timer/GC jitter; at a refill rate equal
 * to the arrival rate a bucket never regains what a bunched pair took, so with a burst of 1-2 every later target
 * would wait most of a slot (measured: +15 ms). A burst covering the jitter spread keeps added latency near zero
 * while the sustained rate stays ≤ maxHz (over any window T: ≤ maxHz·T + burst).
 */
export type CoalesceOutcome = 'sent' | 'coalesced' | 'cancelled';

interface Pending<T> {
  target: T;
  resolve: (o: CoalesceOutcome) => void;
  reject: (e: unknown) => void;
}

export interface CoalescerOptions<T> {
  maxHz: number;
  /** Tokens the bucket holds (default maxHz/6, at least 2). */
  burst?: number;
  now?: () => number;
  /** How a newer target replaces a waiting one (default: the newer one as is). */
  merge?: (older: T, newer: T) => T;
}

export class RealtimeCoalescer<T> {
  private tokens: number;
  private last: number;
  private pending: Pending<T> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private closed = false;
  /** Counters for logs and the bench. */
  readonly stats = { submitted: 0, sent: 0, coalesced: 0, cancelled: 0, delayed: 0 };

  constructor(
    private readonly send: (target: T) => Promise<void>,
    private readonly opts: CoalescerOptions<T>,
  ) {
    this.intervalMs = 1000 / opts.maxHz;
    this.burst = opts.burst ?? Math.max(2, Math.round(opts.maxHz / 6));
    this.now = opts.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (t - this.last) / this.intervalMs);
    this.last = t;
  }

  /** Resolves 'sent' once handed to the daemon, 'coalesced' when a newer target replaced it first. */
  submit(target: T): Promise<CoalesceOutcome> {
    this.stats.submitted++;
    if (this.closed) {
      this.stats.cancelled++;
      return Promise.resolve('cancelled');
    }
    this.refill();
    if (!this.pending && this.tokens >= 1) {
      this.tokens -= 1;
      return this.dispatch(target);
    }
    this.stats.delayed++;
    return new Promise<CoalesceOutcome>((resolve, reject) => {
      let next = target;
      if (this.pending) {
        this.stats.coalesced++;
        this.pending.resolve('coalesced');
        if (this.opts.merge) next = this.opts.merge(this.pending.target, target);
      }
      this.pending = { target: next, resolve, reject };
      this.schedule();
    });
  }

  private async dispatch(target: T): Promise<CoalesceOutcome> {
    await this.send(target);
    this.stats.sent++;
    return 'sent';
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, (1 - this.tokens) * this.intervalMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, Math.ceil(wait));
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.refill();
    if (this.tokens < 1) {
      this.schedule();
      return;
    }
    this.tokens -= 1;
    this.pending = null;
    this.dispatch(p.target).then(p.resolve, p.reject);
  }

  /** Drops the waiting target (stop_motion, interlock trip). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending) {
      this.stats.cancelled++;
      this.pending.resolve('cancelled');
      this.pending = null;
    }
  }

  close(): void {
    this.closed = true;
    this.cancel();
  }
}
