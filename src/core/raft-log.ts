import { RaftError } from './errors.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The log, stored from an offset: entries after the last snapshot are kept in an array; everything through
 * `snapshotIndex` lives only in the snapshot. Invariant: entries[k].index === snapshotIndex + 1 + k.
 */
export class RaftLog {
  private entries: Entry[];
  /** The last index covered by the snapshot (0: no snapshot). */
  snapshotIndex: number;
  /** The term of the entry at snapshotIndex (0: no snapshot). */
  snapshotTerm: number;
  /** The current snapshot, if any. */
  snapshot: Snapshot | null;
  /**
   * The lowest index whose entry changed since the driver last persisted the log (Infinity: nothing changed).
   * Storage must drop every stored entry from here on and write the log's entries from here.
   */
  unstableFrom = Infinity;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[]) {
    this.snapshot = snapshot;
    this.snapshotIndex = snapshot?.index ?? 0;
    this.snapshotTerm = snapshot?.term ?? 0;
    this.entries = [...entries];
    this.entries.forEach((entry, k) => {
      if (entry.index !== this.snapshotIndex + 1 + k) {
        throw new RaftError(
          'RAFT_BAD_STATE',
          `log entry ${k} has index ${entry.index}, expected ${this.snapshotIndex + 1 + k}`,
        );
      }
    });
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.at(-1)?.term ?? this.snapshotTerm;
  }

  /** The term of the entry at `index`, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  /** The entry at `index`, if the log holds it (not compacted, not beyond the end). */
  entry(index: number): Entry | undefined {
    return this.entries[index - this.snapshotIndex - 1];
  }

  /** Entries [from, to) that the log holds; `from` must be > snapshotIndex. */
  slice(from: number, to: number): Entry[] {
    return this.entries.slice(from - this.snapshotIndex - 1, to - this.snapshotIndex - 1);
  }

  /** Every retained entry (after the snapshot). */
  all(): readonly Entry[] {
    return this.entries;
  }

  /** Appends an entry at lastIndex + 1. */
  append(term: number, command: unknown): Entry {
    const entry: Entry = { index: this.lastIndex() + 1, term, command };
    this.entries.push(entry);
    this.unstableFrom = Math.min(this.unstableFrom, entry.index);
    return entry;
  }

  /**
   * Merges a leader's entries that follow a matching prefix. Figure 2, AppendEntries rule 3: an existing entry
   * that conflicts (same index, different term) is deleted with all that follow it; rule 4: entries not already
   * in the log are appended. An entry that matches is left alone, so a stale or duplicated AppendEntries never
   * truncates the log. A conflict at or below `commitIndex` would destroy a committed entry: no correct leader
   * sends one, so it is refused as a broken invariant and the log is left as it was.
   */
  merge(entries: readonly Entry[], commitIndex: number): void {
    // Check the whole batch first, so that a malformed one changes nothing.
    entries.forEach((entry, k) => {
      const first = entries[0] as Entry;
      if (entry.index !== first.index + k) {
        throw new RaftError('RAFT_BAD_STATE', `entries are not contiguous: ${entry.index} at position ${k}`);
      }
    });
    for (const entry of entries) {
      if (entry.index <= this.snapshotIndex) continue; // Already in the snapshot: committed, so it matches.
      const existing = this.term(entry.index);
      if (existing === entry.term) continue;
      if (existing !== undefined && entry.index <= commitIndex) {
        throw new RaftError(
          'RAFT_INVARIANT',
          `entry ${entry.index} (term ${existing}) is committed, but a leader sent term ${entry.term} there`,
        );
      }
      if (existing !== undefined) this.entries.length = entry.index - this.snapshotIndex - 1; // Real conflict.
      if (entry.index !== this.lastIndex() + 1) {
        throw new RaftError(
          'RAFT_BAD_STATE',
          `entry ${entry.index} would leave a gap after ${this.lastIndex()}`,
        );
      }
      this.entries.push(entry);
      this.unstableFrom = Math.min(this.unstableFrom, entry.index);
    }
  }

  /** Is a log ending at (lastIndex, lastTerm) at least as up to date as this one? (Raft section 5.4.1) */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** The first index at or before `index` whose entry has the same term as the entry at `index`. */
  firstIndexOfTermAt(index: number): number {
    const term = this.term(index);
    let first = index;
    while (first - 1 > this.snapshotIndex && this.term(first - 1) === term) first--;
    return first;
  }

  /** The last index holding an entry of `term`, or undefined if the retained log has none. */
  lastIndexOfTerm(term: number): number | undefined {
    for (let k = this.entries.length - 1; k >= 0; k--) {
      const t = (this.entries[k] as Entry).term;
      if (t === term) return this.snapshotIndex + 1 + k;
      if (t < term) return undefined; // Terms only grow along the log.
    }
    return this.snapshotTerm === term && this.snapshotIndex > 0 ? this.snapshotIndex : undefined;
  }

  /** Drops the entries through `snapshot.index`, which this log holds, and keeps the snapshot. */
  compact(snapshot: Snapshot): void {
    this.entries = this.entries.slice(snapshot.index - this.snapshotIndex);
    this.snapshotIndex = snapshot.index;
    this.snapshotTerm = snapshot.term;
    this.snapshot = snapshot;
  }

  /**
   * Installs a leader's snapshot. If the log holds the snapshot's last entry (same index and term), the entries
   * after it are consistent with the leader's and are kept; otherwise the whole log is discarded.
   */
  restore(snapshot: Snapshot): void {
    if (this.term(snapshot.index) === snapshot.term) {
      this.compact(snapshot);
      return;
    }
    this.entries = [];
    this.snapshotIndex = snapshot.index;
    this.snapshotTerm = snapshot.term;
    this.snapshot = snapshot;
    this.unstableFrom = Math.min(this.unstableFrom, snapshot.index + 1);
  }
}
