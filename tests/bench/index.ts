import type { Bench } from './harness';
import { b1b2 } from './b1-b2';
import { b7 } from './b7';
import { b7ui } from './b7ui';
import { b8 } from './b8';
import { b5 } from './b5';
import { b3 } from './b3';
import { simBench } from './sim';
import { b6 } from './b6';
import { b4 } from './b4';
import { runnerPipeline } from './runner-pipeline';
import { footprint } from './footprint';
import { growth } from './growth';
import { l1 } from './l1';
import { recordBench } from './record';

// Each subsystem adds its benchmark here (one import + one entry).
export const benches: Bench[] = [b1b2, b7, b7ui, b8, b5, b3, b6, b4, simBench];
benches.push(runnerPipeline);
benches.push(footprint);
benches.push(growth);
benches.push(l1);
benches.push(recordBench);
