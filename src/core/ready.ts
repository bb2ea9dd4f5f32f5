import type { Message } from './messages.js';
import type { ReadState } from './read-index.js';
import type { Entry, HardState, Snapshot } from './types.js';

/**
 * A batch of work for the driver: the contract between the pure core and every world it runs in (etcd's
 * `Ready`/`Advance`, with its async storage writes). The driver handles it in this order:
 *
 * 1. **Write** `snapshot`, then `entries`, then `hardState`, in that order, and make them durable (fsync). A
 *    snapshot must be durable before the entries it covers are dropped, so that a crash between the two steps
 *    never loses both. `eagerMessages` may be sent while the write is in progress.
 * 2. Once the write is durable, **send** `messages`: they promise what step 1 wrote (a vote, an acknowledgement of
 *    entries). Then call `node.advance(ready)`: only then does the node count its own vote and its own log entries
 *    toward a quorum, so a candidate never wins, and a leader never commits, on a write that a crash could undo.
 * 3. **Apply** `applySnapshot` (if any), then `committed`, in order; serve `readStates` once applied that far.
 *
 * Readies are handled and advanced in the order they were taken. A write that fails is reported with
 * `node.failStorage(error)`, which stops the node: it is never retried as if nothing happened.
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
  /**
   * Requests that promise nothing about this node's own storage (a leader's appends, heartbeats and snapshot
   * chunks, a candidate's vote requests): they may leave before the write is durable (thesis 10.2.1).
   */
  readonly eagerMessages: readonly Message[];
  /** Messages that must wait until the write is durable: votes, acknowledgements, every reply. */
  readonly messages: readonly Message[];
  /** A snapshot from the leader that the state machine must load before applying `committed`. */
  readonly applySnapshot: Snapshot | null;
  /** Newly committed entries to apply, in index order, each exactly once. A `null` command is a leader's no-op. */
  readonly committed: readonly Entry[];
  /** Reads confirmed by ReadIndex: each may be served once the state machine has applied its index. */
  readonly readStates: readonly ReadState[];
  /** Contexts of reads that will never be confirmed here (leadership was lost): fail or retry them elsewhere. */
  readonly droppedReads: readonly unknown[];
}
