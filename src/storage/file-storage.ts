import { join } from 'node:path';
import type { HardState, PersistedState, Snapshot } from '../core/index.js';
import {
  CorruptLogError,
  StorageClosedError,
  StorageError,
  StorageFailedError,
  StorageMisuseError,
} from './errors.js';
import { nodeFileSystem, type StorageFile, type StorageFileSystem } from './file-system.js';
import {
  decodeHardState,
  decodeSnapshot,
  encodeHardState,
  encodeSnapshot,
  HARD_STATE_FILE,
  replaceFile,
  SNAPSHOT_FILE,
  TEMP_SUFFIX,
} from './state-files.js';
import type { Storage, StorageWrite } from './storage.js';
import { encodeRecord, RECORD_HEADER_BYTES, RecordType, scanSegment, writeRecord } from './wal-record.js';
import { WalReplay } from './wal-replay.js';
import { EMPTY_BOUNDS, tryCheckWrite, type LogBounds } from './write-check.js';

/** How FileStorage is set up. */
export interface FileStorageOptions {
  /** A segment takes no more records once it holds this many bytes (a larger record gets one to itself). */
  readonly segmentBytes?: number;
  /** The file system; tests pass an observed one (`observeFileSystem`) to count fsyncs or inject failures. */
  readonly fs?: StorageFileSystem;
}

/** The default segment size: 64 MiB, as etcd's WAL. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** What load() found and cut off at the end of the log: a torn final record left by a crash mid-write. */
export interface RecoveryReport {
  readonly file: string;
  /** Where the torn record started: the file now ends here. */
  readonly offset: number;
  /** How many bytes were cut off. */
  readonly bytes: number;
  readonly reason: string;
}

/** A segment file of the write-ahead log, named by its sequence number. */
interface Segment {
  readonly seq: number;
  size: number;
  /** The highest entry or snapshot index it holds: it may be deleted once a snapshot through this is stored. */
  maxIndex: number;
}

/** A record waiting to be appended, with the index it counts toward its segment's `maxIndex`. */
interface PendingRecord {
  readonly bytes: Buffer;
  readonly index: number;
}

/** A write waiting for its group's fsync. */
interface QueuedWrite {
  readonly records: readonly PendingRecord[];
  readonly snapshot: Snapshot | null;
  readonly hardState: HardState | null;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const SEGMENT_NAME = /^(\d{16})\.wal$/;

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.wal`;
}

/**
 * Durable storage in a directory: a segmented, append-only write-ahead log of checksummed records (wal-record.ts)
 * for the entries, and a file each for the hard state and the latest snapshot, replaced atomically.
 *
 * Writing a group (every write issued while the previous group's fsync was in flight: group commit):
 * 1. the group's latest snapshot, to its file (write-temp, fsync, rename, fsync-directory);
 * 2. every record of the group, appended to the last segment with one write and one fdatasync (a segment that
 *    fills up is fsynced and closed first, and the next one created and its directory entry fsynced); with the
 *    real file system the write is an O_DSYNC write, durable when it returns, and the fdatasync has nothing left
 *    to do (file-system.ts);
 * 3. the group's latest hard state, to its file, as the snapshot;
 * then every write of the group resolves, in order. Compaction follows: whole segments at the front whose entries
 * are all covered by the stored snapshot are deleted.
 *
 * A conflict is a truncation record in the log (never a rewrite of written bytes), so a file only ever grows until
 * it is deleted, and recovery replays the records in order to rebuild exactly the log that was written.
 */
export class FileStorage implements Storage {
  private readonly fs: StorageFileSystem;
  private readonly segmentBytes: number;
  private bounds: LogBounds = EMPTY_BOUNDS;
  private segments: Segment[] = [];
  /** The last segment, open for appending. */
  private file: StorageFile | null = null;
  /** The index of the stored snapshot (durable): segments wholly at or below it may be deleted. */
  private storedSnapshotIndex = 0;
  private readonly queue: QueuedWrite[] = [];
  /** The running commit loop, if any. */
  private flushing: Promise<void> | null = null;
  private loadCalled = false;
  private loaded = false;
  private closed = false;
  /** Set once the storage cannot be trusted: every later call rejects with it. */
  private failure: StorageError | null = null;
  private recovery: RecoveryReport | null = null;

  /** Storage in `dir` (created if missing). Call `load()` before anything else. */
  constructor(
    readonly dir: string,
    options: FileStorageOptions = {},
  ) {
    this.fs = options.fs ?? nodeFileSystem;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(this.segmentBytes) || this.segmentBytes < 1) {
      throw new StorageMisuseError(
        `segmentBytes must be a positive integer, got ${String(options.segmentBytes)}`,
      );
    }
  }

  /** The torn record that the last load() cut off, if it found one: worth a line in the log. */
  get lastRecovery(): RecoveryReport | null {
    return this.recovery;
  }

  async load(): Promise<PersistedState> {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new StorageClosedError();
    if (this.loadCalled) throw new StorageMisuseError('load() was already called on this storage');
    this.loadCalled = true;
    try {
      const state = await this.recover();
      this.loaded = true;
      return state;
    } catch (error) {
      this.failure =
        error instanceof StorageError
          ? error
          : new StorageFailedError(`cannot load the storage in ${this.dir}: ${message(error)}`, {
              cause: error,
            });
      await this.releaseFile();
      throw this.failure;
    }
  }

  write(batch: StorageWrite): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new StorageClosedError());
    if (!this.loaded) return Promise.reject(new StorageMisuseError('write() before load()'));
    const after = tryCheckWrite(this.bounds, batch);
    if (after instanceof StorageError) return Promise.reject(after);
    const records = encodeWrite(this.bounds, batch);
    this.bounds = after;
    return new Promise((resolve, reject) => {
      this.queue.push({ records, snapshot: batch.snapshot, hardState: batch.hardState, resolve, reject });
      // Start the commit loop once the current task is done, not now: writes issued in it (several writers woken
      // by one fsync) then share the first fsync instead of the second. Not a whole turn of the event loop later
      // either: that would add a poll phase to the latency of every idle write. (While a group is in flight, new
      // writes wait for the next group anyway: see drain.)
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.releaseFile();
    if (this.failure !== null) throw this.failure;
  }

  // ---------------------------------------------------------------- writing

  /** Commits groups until the queue is empty; the first failure fails the storage for good. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.failure === null) {
        const group = this.queue.splice(0);
        try {
          await this.commit(group);
        } catch (error) {
          this.fail(error, group);
          return;
        }
        for (const w of group) w.resolve();
        try {
          await this.compact();
        } catch (error) {
          this.fail(error, []);
          return;
        }
        // Let the writers just resolved issue their next writes, so that they form one group, not a trickle.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.flushing = null;
    }
  }

  private async commit(group: readonly QueuedWrite[]): Promise<void> {
    let snapshot: Snapshot | null = null;
    let hardState: HardState | null = null;
    for (const w of group) {
      snapshot = w.snapshot ?? snapshot;
      hardState = w.hardState ?? hardState;
    }
    // The contract's order: a snapshot is durable before the records that drop the entries it covers.
    if (snapshot !== null) await replaceFile(this.fs, this.dir, SNAPSHOT_FILE, encodeSnapshot(snapshot));
    await this.append(group.flatMap((w) => w.records));
    if (hardState !== null) await replaceFile(this.fs, this.dir, HARD_STATE_FILE, encodeHardState(hardState));
    if (snapshot !== null) this.storedSnapshotIndex = snapshot.index;
  }

  /** Appends records to the log and fsyncs them, rolling to a new segment when the last one is full. */
  private async append(records: readonly PendingRecord[]): Promise<void> {
    if (records.length === 0) return;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (const record of records) {
      const segment = this.lastSegment();
      const size = segment.size + chunkBytes;
      if (size > 0 && size + record.bytes.byteLength > this.segmentBytes) {
        await this.writeChunk(chunk, chunkBytes);
        chunk = [];
        chunkBytes = 0;
        await this.roll();
      }
      chunk.push(record.bytes);
      chunkBytes += record.bytes.byteLength;
      const last = this.lastSegment();
      last.maxIndex = Math.max(last.maxIndex, record.index);
    }
    await this.writeChunk(chunk, chunkBytes);
    await this.openFile().sync();
  }

  private async writeChunk(chunk: readonly Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    const segment = this.lastSegment();
    await this.openFile().write(joined(chunk, bytes), segment.size);
    segment.size += bytes;
  }

  /** Closes the full last segment (durable first: a closed segment is never torn) and starts the next one. */
  private async roll(): Promise<void> {
    const file = this.openFile();
    await file.sync();
    this.file = null;
    await file.close();
    const seq = this.lastSegment().seq + 1;
    await this.createSegment(seq);
  }

  private async createSegment(seq: number): Promise<void> {
    this.file = await this.fs.open(join(this.dir, segmentName(seq)), 'create');
    this.segments.push({ seq, size: 0, maxIndex: 0 });
    // The new file's directory entry must be durable before records in it are acknowledged.
    await this.fs.syncDir(this.dir);
  }

  /** Deletes whole segments at the front that hold nothing after the stored snapshot. Never the last segment. */
  private async compact(): Promise<void> {
    for (;;) {
      const first = this.segments[0];
      if (first === undefined || this.segments.length === 1 || first.maxIndex > this.storedSnapshotIndex)
        return;
      await this.fs.unlink(join(this.dir, segmentName(first.seq)));
      // One at a time, each removal durable before the next: a crash can then leave only a suffix of segments,
      // never a gap, which recovery would rightly call damage.
      await this.fs.syncDir(this.dir);
      this.segments.shift();
    }
  }

  private fail(error: unknown, group: readonly QueuedWrite[]): void {
    const failure = new StorageFailedError(
      `storage write failed in ${this.dir} (the storage is failed: restart from disk): ${message(error)}`,
      { cause: error },
    );
    this.failure = failure;
    for (const w of group) w.reject(failure);
    for (const w of this.queue.splice(0)) w.reject(failure);
  }

  // ---------------------------------------------------------------- recovery

  private async recover(): Promise<PersistedState> {
    const { fs, dir } = this;
    await fs.mkdir(dir);
    const names = await fs.readdir(dir);
    // A temporary file is a replacement that never happened (the rename is the commit point).
    for (const name of names.filter((n) => n.endsWith(TEMP_SUFFIX))) await fs.unlink(join(dir, name));
    const hardState = names.includes(HARD_STATE_FILE)
      ? decodeHardState(await fs.readFile(join(dir, HARD_STATE_FILE)))
      : { term: 0, votedFor: null };
    const snapshot = names.includes(SNAPSHOT_FILE)
      ? decodeSnapshot(await fs.readFile(join(dir, SNAPSHOT_FILE)))
      : null;
    const seqs = names
      .flatMap((n) => {
        const match = SEGMENT_NAME.exec(n);
        return match === null ? [] : [Number(match[1])];
      })
      .sort((a, b) => a - b);
    seqs.forEach((seq, k) => {
      const previous = seqs[k - 1];
      if (previous !== undefined && seq !== previous + 1) {
        throw new CorruptLogError(
          segmentName(seq),
          0,
          `segment ${segmentName(previous + 1)} is missing before it`,
        );
      }
    });

    const replay = new WalReplay(snapshot, seqs.length === 0 || seqs[0] === 1);
    for (const [k, seq] of seqs.entries()) {
      const name = segmentName(seq);
      const path = join(dir, name);
      const bytes = await fs.readFile(path);
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let maxIndex = 0;
      const end = scanSegment(buf, name, k === seqs.length - 1, (record) => {
        replay.apply(record, name);
        if (record.type !== RecordType.truncate) maxIndex = Math.max(maxIndex, record.index);
      });
      if (end.torn !== null) {
        // A crash tore the final record: cut it off, durably, and keep the prefix (nothing after it is intact).
        await fs.truncate(path, end.end);
        this.recovery = {
          file: name,
          offset: end.end,
          bytes: buf.byteLength - end.end,
          reason: end.torn.reason,
        };
      }
      this.segments.push({ seq, size: end.end, maxIndex });
    }
    const last = this.segments.at(-1);
    if (last === undefined) {
      await this.createSegment(1);
    } else {
      this.file = await fs.open(join(dir, segmentName(last.seq)), 'existing');
      if (this.recovery !== null) await this.file.sync();
    }

    const { entries, lastIndex, repair } = replay.finish(segmentName(this.lastSegment().seq));
    const snapshotIndex = snapshot?.index ?? 0;
    this.bounds = { snapshotIndex, lastIndex };
    this.storedSnapshotIndex = snapshotIndex;
    if (repair !== null) {
      // The records that followed the snapshot file were lost in a crash: write what they said, so that the log
      // agrees with the snapshot file again before anything is appended after it.
      const records: PendingRecord[] = [];
      if (repair.truncateFrom !== null) {
        records.push({ bytes: encodeRecord(RecordType.truncate, 0, repair.truncateFrom), index: 0 });
      }
      const { index, term } = repair.snapshot;
      records.push({ bytes: encodeRecord(RecordType.snapshot, term, index), index });
      await this.append(records);
    }
    await this.compact();
    return { hardState, snapshot, entries };
  }

  // ---------------------------------------------------------------- helpers

  private lastSegment(): Segment {
    const segment = this.segments.at(-1);
    if (segment === undefined) throw new Error('FileStorage: no segment (load() creates the first)');
    return segment;
  }

  private openFile(): StorageFile {
    if (this.file === null) throw new Error('FileStorage: the last segment is not open');
    return this.file;
  }

  private async releaseFile(): Promise<void> {
    const file = this.file;
    this.file = null;
    try {
      await file?.close();
    } catch {
      // Closing after a failure may fail too; the failure already recorded is the one that matters.
    }
  }
}

/** The records of a write, as its changes apply to a log with `bounds` (checked by tryCheckWrite already). */
function encodeWrite(bounds: LogBounds, batch: StorageWrite): PendingRecord[] {
  const records: PendingRecord[] = [];
  // The truncation goes first, before the snapshot record: a crash that tears the write between the two then
  // leaves a shorter log, never a snapshot followed by the conflicting entries it discards. (The snapshot's file
  // is durable before any of these records, and recovery redoes a lost snapshot record: see WalReplay.finish.)
  if (batch.entries !== null && batch.entries.from <= bounds.lastIndex) {
    records.push({ bytes: encodeRecord(RecordType.truncate, 0, batch.entries.from), index: 0 });
  }
  if (batch.snapshot !== null) {
    const { index, term } = batch.snapshot;
    records.push({ bytes: encodeRecord(RecordType.snapshot, term, index), index });
  }
  if (batch.entries !== null && batch.entries.entries.length > 0) {
    // Every entry record of the write is laid out in one buffer, each record a view of it: one allocation per
    // write rather than one per entry, and `writeChunk` hands contiguous views to the file as one write.
    const entries = batch.entries.entries;
    let bytes = 0;
    for (const { command } of entries) {
      bytes += RECORD_HEADER_BYTES + (command === null ? 0 : (command as Uint8Array).byteLength);
    }
    const buf = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const { index, term, command } of entries) {
      const end =
        command === null
          ? writeRecord(buf, at, RecordType.noop, term, index)
          : writeRecord(buf, at, RecordType.entry, term, index, command as Uint8Array);
      records.push({ bytes: buf.subarray(at, end), index });
      at = end;
    }
  }
  return records;
}

/** The chunk's bytes as one buffer: a view when they already lie end to end in one buffer, else a copy. */
function joined(chunk: readonly Buffer[], bytes: number): Buffer {
  const first = chunk[0] as Buffer;
  if (chunk.length === 1) return first;
  let end = first.byteOffset;
  for (const b of chunk) {
    if (b.buffer !== first.buffer || b.byteOffset !== end) return Buffer.concat(chunk, bytes);
    end += b.byteLength;
  }
  return Buffer.from(first.buffer, first.byteOffset, bytes);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
