import type { LabTest } from '../../src/lab/tester/index.js';
import { tests as capabilities2X } from './capabilities-2x.js';
import { tests as election2A } from './election-2a.js';
import { tests as nemesis2X } from './nemesis-2x.js';
import { tests as persistence2C } from './persistence-2c.js';
import { tests as replication2B } from './replication-2b.js';
import { tests as snapshots2D } from './snapshots-2d.js';

/** The ported lab suite, in the lab's order (2A, 2B, 2C, 2D), then the project's own tests (2X). */
export const suite: readonly LabTest[] = [
  ...election2A,
  ...replication2B,
  ...persistence2C,
  ...snapshots2D,
  ...capabilities2X,
  ...nemesis2X,
];
