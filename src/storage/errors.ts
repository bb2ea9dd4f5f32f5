/**
 * The stable codes of every error the storage layer raises, so that callers (and logs) can tell them apart
 * without matching messages.
 */
export type StorageErrorCode =
  | 'STORAGE_BAD_COMMAND'
  | 'STORAGE_BAD_WRITE'
  | 'STORAGE_CORRUPT'
  | 'STORAGE_FAILED'
  | 'STORAGE_CLOSED'
  | 'STORAGE_MISUSE';

/** The base of every storage error: a stable `code`, and the underlying `cause` when there is one. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/**
 * An entry's command is not bytes. Storage stores `Uint8Array` payloads (and `null`, a leader's no-op) and nothing
 * else: it refuses the whole write before anything of it is stored, and the storage stays usable.
 */
export class InvalidCommandError extends StorageError {
  constructor(
    /** The index of the first offending entry. */
    readonly index: number,
    /** What the command was instead (`typeof`, or the constructor's name for objects). */
    readonly got: string,
  ) {
    super(
      'STORAGE_BAD_COMMAND',
      `entry ${index}: a command must be a Uint8Array or null (a no-op), got ${got}`,
    );
    this.name = 'InvalidCommandError';
  }
}

/**
 * A write does not fit the log it would change (a gap after the last entry, entries out of order, a snapshot older
 * than the stored one, a malformed number). Refused whole, before anything is stored; the storage stays usable.
 */
export class InvalidWriteError extends StorageError {
  constructor(message: string) {
    super('STORAGE_BAD_WRITE', `invalid storage write: ${message}`);
    this.name = 'InvalidWriteError';
  }
}

/**
 * What is on disk cannot be trusted: a checksum mismatch before the log's tail, a missing segment, a record that
 * does not follow its predecessor, a damaged hard-state or snapshot file. The storage refuses to start rather than
 * guess: it never drops or skips a record that was written whole.
 */
export class CorruptLogError extends StorageError {
  constructor(
    /** The file, relative to the storage directory. */
    readonly file: string,
    /** The byte offset in `file` where the damage starts. */
    readonly offset: number,
    /** What is wrong there. */
    readonly reason: string,
  ) {
    super('STORAGE_CORRUPT', `corrupt storage: ${file} at byte ${offset}: ${reason}`);
    this.name = 'CorruptLogError';
  }
}

/**
 * A write or fsync failed. What reached the disk is unknown (after a failed fsync the kernel may have dropped the
 * dirty pages), so the storage is failed for good: this write, every queued one and every later call reject with
 * this error. It is never retried as if nothing happened; restart from disk instead.
 */
export class StorageFailedError extends StorageError {
  constructor(message: string, options: { cause: unknown }) {
    super('STORAGE_FAILED', message, options);
    this.name = 'StorageFailedError';
  }
}

/** The storage was closed: it takes no more calls. */
export class StorageClosedError extends StorageError {
  constructor() {
    super('STORAGE_CLOSED', 'the storage is closed');
    this.name = 'StorageClosedError';
  }
}

/** A call out of order: `write` before `load`, or `load` twice on one instance. */
export class StorageMisuseError extends StorageError {
  constructor(message: string) {
    super('STORAGE_MISUSE', message);
    this.name = 'StorageMisuseError';
  }
}
