/** Seeded pseudo-random numbers (mulberry32): the simulator's noise, synthetic test scenes and the fuzzer are reproducible. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Normal(0, sigma). */
  gauss(sigma?: number): number;
}

export function createRng(seed = 1): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    gauss(sigma = 1) {
      // Box–Muller; 1 − u keeps log() away from 0.
      const u = 1 - next();
      const v = next();
      return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
