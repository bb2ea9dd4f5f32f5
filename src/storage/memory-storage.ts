import type { Entry, HardState, PersistedState, Snapshot } from '../core/index.js';
import { StorageClosedError, StorageError, StorageMisuseError } from './errors.js';
import type { Storage, StorageWrite } from './storage.js';
import { EMPTY_BOUNDS, tryCheckWrite, type LogBounds } from './write-check.js';

/**
 * The "disk" behind MemoryStorage: what survives when a MemoryStorage is closed and another is opened on the same
 * volume (a restart, in tests). Every write is durable the moment it is stored.
 */
export class MemoryVolume {
  /** The stored term and vote. */
  hardState: HardState = { term: 0, votedFor: null };
  /** The latest stored snapshot. */
  snapshot: Snapshot | null = null;
  /** The stored entries after the snapshot, contiguous. */
  entries: Entry[] = [];
}

/**
 * Storage in memory, for tests and simulations: the same contract as FileStorage (the conformance suite runs
 * against both), with every write durable at once. Bytes are copied in and out, so a caller that reuses its
 * buffers cannot change what is stored.
 */
export class MemoryStorage implements Storage {
  private bounds: LogBounds = EMPTY_BOUNDS;
  private loaded = false;
  private closed = false;

  /** A storage over `volume`: pass the volume of a closed storage to restart from what it stored. */
  constructor(readonly volume: MemoryVolume = new MemoryVolume()) {}

  load(): Promise<PersistedState> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    if (this.loaded)
      return Promise.reject(new StorageMisuseError('load() was already called on this storage'));
    this.loaded = true;
    const { hardState, snapshot, entries } = this.volume;
    const snapshotIndex = snapshot?.index ?? 0;
    this.bounds = { snapshotIndex, lastIndex: entries.at(-1)?.index ?? snapshotIndex };
    return Promise.resolve({
      hardState: { ...hardState },
      snapshot: snapshot === null ? null : copySnapshot(snapshot),
      entries: entries.map(copyEntry),
    });
  }

  write(batch: StorageWrite): Promise<void> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    if (!this.loaded) return Promise.reject(new StorageMisuseError('write() before load()'));
    const after = tryCheckWrite(this.bounds, batch);
    if (after instanceof StorageError) return Promise.reject(after);
    this.bounds = after;
    const volume = this.volume;
    if (batch.snapshot !== null) {
      const snapshot = copySnapshot(batch.snapshot);
      // The entries are contiguous, so positions follow from the first index (no scan of a long log per write).
      const first = volume.entries[0]?.index ?? snapshot.index + 1;
      volume.entries.splice(0, Math.max(0, snapshot.index - first + 1));
      volume.snapshot = snapshot;
    }
    if (batch.entries !== null) {
      const { from } = batch.entries;
      const first = volume.entries[0]?.index ?? from;
      volume.entries.length = Math.min(volume.entries.length, Math.max(0, from - first));
      for (const entry of batch.entries.entries) volume.entries.push(copyEntry(entry));
    }
    if (batch.hardState !== null) volume.hardState = { ...batch.hardState };
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function copyEntry(entry: Entry): Entry {
  // tryCheckWrite admits only bytes and null; copying keeps a caller's later changes to its buffer out of storage.
  const command = entry.command === null ? null : new Uint8Array(entry.command as Uint8Array);
  return { index: entry.index, term: entry.term, command };
}

function copySnapshot(snapshot: Snapshot): Snapshot {
  return { index: snapshot.index, term: snapshot.term, data: new Uint8Array(snapshot.data) };
}
