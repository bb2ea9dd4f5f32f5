import type { KvServerOptions } from '../../src/kv/lab/index.js';
import type { LabTest } from '../../src/lab/index.js';
import { testsWith as kvraft3A } from './kvraft-3a.js';
import { testsWith as kvraft3B } from './kvraft-3b.js';

/** The ported kvraft suite, in the lab's order (3A, then 3B), its servers started with `server`. */
export function suiteWith(server: KvServerOptions): readonly LabTest[] {
  return [...kvraft3A(server), ...kvraft3B(server)];
}

/** The ported kvraft suite with the servers' defaults. */
export const suite: readonly LabTest[] = suiteWith({});
