/** The simulator's seeded randomness is the shared one (src/shared/rng.ts). */
export { createRng, type Rng } from '../../shared/rng';
