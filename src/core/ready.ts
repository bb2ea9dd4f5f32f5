import type { Message } from './messages.js';
import type { Entry, HardState, Snapshot } from './types.js';

/**
 * A batch of work for the driver, handled in this order (etcd's Ready contract):
 * 1. persist `hardState`, `snapshot` and `entries` (durably);
 * 2. only then send `messages`: they may promise what step 1 wrote;
 * 3. apply `applySnapshot` (if any), then `committed`, in order.
 */
export interface Ready {
  /** The term and vote, when either changed. */
  readonly hardState: HardState | null;
  /** A snapshot to persist (taken by the service or installed from the leader); the log now starts after it. */
  readonly snapshot: Snapshot | null;
  /**
   * Log changes: drop every stored entry with index >= `from`, then store `entries` (which start at `from`, or
   * after the snapshot if that is later).
   */
  readonly entries: { readonly from: number; readonly entries: readonly Entry[] } | null;
  readonly messages: readonly Message[];
  /** A snapshot from the leader that the state machine must load before applying `committed`. */
  readonly applySnapshot: Snapshot | null;
  /** Newly committed entries to apply, in index order, each exactly once. */
  readonly committed: readonly Entry[];
}
