import type { Bench } from './harness';
import { b1b2 } from './b1-b2';

// Each subsystem adds its benchmark here (one import + one entry).
export const benches: Bench[] = [b1b2];
