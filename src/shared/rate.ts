/**
 * Rate limiting for notifications where only the latest matters (a list changed, a new sample arrived): the first
 * call runs at once, later ones at most every `ms`, and the last call of a burst always runs. Used by the console
 * host's `devices_changed` push and the renderer's readouts.
 */
export interface LatestThrottle {
  /** Asks for a run: now if `ms` has passed since the last one, else once at the end of the interval. */
  call(): void;
  /** Drops a pending run (on close or unmount). */
  cancel(): void;
}

// src/shared is typed without Node or DOM; both hosts have these timers on globalThis.
interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}
const timers = globalThis as unknown as Timers;

export function throttleLatest(run: () => void, ms: number): LatestThrottle {
  let last = -Infinity;
  let timer: unknown = null;
  const fire = (): void => {
    timer = null;
    last = Date.now();
    run();
  };
  return {
    call() {
      if (timer !== null) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) fire();
      else timer = timers.setTimeout(fire, wait);
    },
    cancel() {
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
  };
}
