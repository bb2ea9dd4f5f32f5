import type { PersistedState, Ready } from '../core/index.js';

/**
 * What a storage write carries: the persistent part of a core `Ready` (a `Ready` itself fits). Applied in the
 * contract's order (ready.ts): `snapshot` (stored entries at or below its index are dropped; those after it stay,
 * and when the core discards them it says so in `entries`), then `entries` (every stored entry >= `from` is
 * dropped, then `entries` are appended), then `hardState`.
 *
 * Commands are bytes: each entry's `command` must be a `Uint8Array`, or `null` for a leader's no-op (it comes back
 * as `null`, distinct from an empty array). Anything else is refused whole with an `InvalidCommandError`.
 */
export type StorageWrite = Pick<Ready, 'hardState' | 'snapshot' | 'entries'>;

/**
 * Durable storage for one Raft node: its hard state, its latest snapshot and its log after that snapshot.
 *
 * Use: `load()` once, then `write()` each Ready in the order taken, then `close()`. Write promises resolve in the
 * order the writes were issued, each only once it and everything before it is durable (fsynced): only then may the
 * driver send the Ready's `messages` and call `node.advance(ready)`. Implementations batch concurrent writes into
 * one fsync (group commit).
 *
 * Errors: a write that does not fit (`InvalidCommandError`, `InvalidWriteError`) rejects alone and changes nothing.
 * An I/O failure rejects with `StorageFailedError` and fails the storage for good: every later call rejects with
 * it (report it with `node.failStorage`, and restart from disk). `load()` rejects with `CorruptLogError` when what
 * is on disk cannot be trusted.
 */
export interface Storage {
  /** Reads back everything durable (recovering from a crash first, if needed): the state to restart a node from. */
  load(): Promise<PersistedState>;
  /** Stores a Ready's persistent changes; resolves once they are durable. */
  write(batch: StorageWrite): Promise<void>;
  /** Finishes the writes already issued, then releases the storage. Later calls reject with StorageClosedError. */
  close(): Promise<void>;
}
