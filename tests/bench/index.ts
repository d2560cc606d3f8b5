import type { Bench } from './harness';

// Each subsystem adds its benchmark here (one import + one entry).
export const benches: Bench[] = [];
