import type { Entry, Snapshot } from '../core/index.js';
import { CorruptLogError } from './errors.js';
import { RecordType, type WalRecord } from './wal-record.js';

/**
 * Rebuilds the log from the write-ahead log's records, in the order they were written, checking that each one
 * follows from those before it (an entry is the next index; a truncation or a snapshot record never leaves a gap).
 * A record that does not follow is damage the checksums missed, or a bug: CorruptLogError, never a guess.
 *
 * Compaction deletes whole segments at the front, all of whose entries were at or below the snapshot that is now
 * stored. A replay that starts after deleted segments therefore starts "unanchored": it does not know the last
 * index before its first record (only that it is at most the stored snapshot's index) and anchors at the first
 * entry, or at a snapshot record as recent as the stored snapshot.
 */
export class WalReplay {
  /** The entries rebuilt so far, contiguous. Commands are views into segment buffers until `finish`. */
  private entries: Entry[] = [];
  /** The index the next entry must have; undefined while unanchored. */
  private next: number | undefined;
  /** The highest snapshot record replayed. */
  private floor = 0;

  constructor(
    /** The stored snapshot (its file is durable before any record that mentions it). */
    private readonly snapshot: Snapshot | null,
    /** Whether the log's first segment is still present: then the replay starts from the empty log. */
    fromTheStart: boolean,
  ) {
    if (fromTheStart) this.next = 1;
  }

  /** Replays one record of `file`. */
  apply(record: WalRecord, file: string): void {
    const { type, term, index } = record;
    const fail = (reason: string): never => {
      throw new CorruptLogError(file, record.offset, reason);
    };
    if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index)) fail('a term or index beyond 2^53');
    switch (type) {
      case RecordType.entry:
      case RecordType.noop: {
        if (this.next !== undefined && index !== this.next)
          fail(`entry ${index} where entry ${this.next} belongs`);
        if (type === RecordType.noop && record.payload.byteLength > 0) fail('a no-op entry with a payload');
        this.entries.push({ index, term, command: type === RecordType.noop ? null : record.payload });
        this.next = index + 1;
        return;
      }
      case RecordType.truncate: {
        if (index < 1) fail(`truncation from index ${index}`);
        if (this.next !== undefined && index > this.next)
          fail(`truncation from ${index}, past the end ${this.next}`);
        this.truncateFrom(index);
        if (this.next !== undefined) this.next = Math.max(Math.min(this.next, index), this.floor + 1);
        return;
      }
      case RecordType.snapshot: {
        if (index < this.floor) fail(`snapshot record ${index} after snapshot record ${this.floor}`);
        this.floor = index;
        this.dropThrough(index);
        const stored = this.snapshot?.index ?? 0;
        if (this.next !== undefined) this.next = Math.max(this.next, index + 1);
        else if (index >= stored) this.next = index + 1; // Nothing deleted lies beyond the stored snapshot.
        return;
      }
    }
  }

  /**
   * The log after the stored snapshot, with copied commands, and what must be appended to make the records agree
   * with the snapshot file again (see `repair`).
   */
  finish(lastFile: string): { entries: Entry[]; lastIndex: number; repair: Repair | null } {
    const snapshot = this.snapshot;
    let repair: Repair | null = null;
    if (snapshot !== null && this.floor > snapshot.index) {
      throw new CorruptLogError(
        lastFile,
        0,
        `the log has a snapshot record through ${this.floor}, the snapshot file only through ${snapshot.index}`,
      );
    }
    if (snapshot !== null && this.floor < snapshot.index) {
      // A crash after the snapshot file was made durable and before the records that follow it were: redo what
      // those records said. If the log holds the snapshot's last entry with another term, the entries after it
      // conflict with the snapshot (Log Matching) and the core discarded them in the same write (RaftLog.restore).
      const at = this.entryAt(snapshot.index);
      const conflict = at !== undefined && at.term !== snapshot.term && this.lastIndex() > snapshot.index;
      if (conflict) this.truncateFrom(snapshot.index + 1);
      repair = { truncateFrom: conflict ? snapshot.index + 1 : null, snapshot };
    }
    const snapshotIndex = snapshot?.index ?? 0;
    this.dropThrough(snapshotIndex);
    const first = this.entries[0];
    if (first !== undefined && first.index !== snapshotIndex + 1) {
      throw new CorruptLogError(
        lastFile,
        0,
        `the log resumes at entry ${first.index} after the snapshot through ${snapshotIndex}: entries are missing`,
      );
    }
    const entries = this.entries.map((e) => ({
      index: e.index,
      term: e.term,
      command: e.command === null ? null : new Uint8Array(e.command as Uint8Array),
    }));
    return { entries, lastIndex: Math.max(snapshotIndex, this.lastIndex()), repair };
  }

  private lastIndex(): number {
    return this.entries.at(-1)?.index ?? 0;
  }

  private entryAt(index: number): Entry | undefined {
    const first = this.entries[0]?.index;
    return first === undefined ? undefined : this.entries[index - first];
  }

  private truncateFrom(index: number): void {
    const first = this.entries[0]?.index;
    if (first !== undefined) this.entries.length = Math.min(this.entries.length, Math.max(0, index - first));
  }

  private dropThrough(index: number): void {
    const first = this.entries[0]?.index;
    if (first !== undefined) this.entries.splice(0, Math.max(0, index - first + 1));
  }
}

/**
 * Records that load appends so that the log agrees with the snapshot file again after a crash between the two:
 * the truncation the lost records made, if any, then the snapshot record.
 */
export interface Repair {
  readonly truncateFrom: number | null;
  readonly snapshot: Snapshot;
}
