import type { LabTest } from '../../src/lab/index.js';
import { tests as kvraft3A } from './kvraft-3a.js';
import { tests as kvraft3B } from './kvraft-3b.js';

/** The ported kvraft suite, in the lab's order: 3A, then 3B. */
export const suite: readonly LabTest[] = [...kvraft3A, ...kvraft3B];
