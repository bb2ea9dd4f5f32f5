import type { Entry } from '../core/index.js';
import { InvalidCommandError, InvalidWriteError } from './errors.js';
import type { StorageWrite } from './storage.js';

/** The shape of a stored log: what a write is checked against. */
export interface LogBounds {
  /** The index the latest snapshot covers through (0: none). */
  readonly snapshotIndex: number;
  /** The last index the log holds, or `snapshotIndex` when it holds no entry after the snapshot. */
  readonly lastIndex: number;
}

/** The bounds of an empty storage. */
export const EMPTY_BOUNDS: LogBounds = { snapshotIndex: 0, lastIndex: 0 };

/**
 * Checks a write against the log it would change and returns the log's bounds after it. Every storage runs this
 * before it stores anything, so a write is taken whole or refused whole (InvalidWriteError, InvalidCommandError),
 * and a log that has no gap never gets one: recovery can then treat any gap as damage.
 */
export function checkWrite(bounds: LogBounds, write: StorageWrite): LogBounds {
  let { snapshotIndex, lastIndex } = bounds;
  const { hardState, snapshot, entries } = write;
  if (hardState !== null) {
    count('hardState.term', hardState.term);
    if (hardState.votedFor !== null) count('hardState.votedFor', hardState.votedFor);
  }
  if (snapshot !== null) {
    count('snapshot.index', snapshot.index);
    count('snapshot.term', snapshot.term);
    if (!(snapshot.data instanceof Uint8Array))
      throw new InvalidWriteError('snapshot.data must be a Uint8Array');
    if (snapshot.index < snapshotIndex) {
      throw new InvalidWriteError(
        `snapshot through ${snapshot.index} is older than the stored one (${snapshotIndex})`,
      );
    }
    snapshotIndex = snapshot.index;
    lastIndex = Math.max(lastIndex, snapshotIndex);
  }
  if (entries !== null) {
    const { from } = entries;
    count('entries.from', from);
    if (from < 1) throw new InvalidWriteError(`entries.from is ${from}: log indices start at 1`);
    if (from > lastIndex + 1) {
      throw new InvalidWriteError(`entries from ${from} would leave a gap after the last index ${lastIndex}`);
    }
    // Entries at or below the snapshot are in it already: the core never sends them, and neither may anyone.
    lastIndex = Math.max(Math.min(lastIndex, from - 1), snapshotIndex);
    for (const entry of entries.entries) {
      checkEntry(entry, lastIndex + 1);
      lastIndex = entry.index;
    }
  }
  return { snapshotIndex, lastIndex };
}

/** checkWrite, with a refusal returned rather than thrown (for callers that answer with a rejected promise). */
export function tryCheckWrite(
  bounds: LogBounds,
  write: StorageWrite,
): LogBounds | InvalidWriteError | InvalidCommandError {
  try {
    return checkWrite(bounds, write);
  } catch (error) {
    if (error instanceof InvalidWriteError || error instanceof InvalidCommandError) return error;
    throw error;
  }
}

function checkEntry(entry: Entry, expected: number): void {
  if (entry.index !== expected) {
    throw new InvalidWriteError(`entry ${String(entry.index)} where entry ${expected} was expected`);
  }
  count(`entry ${expected} term`, entry.term);
  const { command } = entry;
  if (command !== null && !(command instanceof Uint8Array)) {
    throw new InvalidCommandError(entry.index, describe(command));
  }
}

/** Log positions and terms are stored as unsigned 64-bit integers; JavaScript keeps them exact up to 2^53. */
function count(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidWriteError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? name : 'object';
}
