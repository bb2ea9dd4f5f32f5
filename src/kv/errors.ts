/**
 * The key/value layer's errors, each with a stable `code`. A bad input (corrupt snapshot bytes, an entry applied
 * out of order) raises one of these and leaves the state machine as it was.
 */
export class KvError extends Error {
  constructor(
    readonly code: 'KV_CORRUPT_SNAPSHOT' | 'KV_APPLY_OUT_OF_ORDER',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KvError';
  }
}

/** Snapshot bytes that do not decode: truncated, altered, or not a key/value snapshot at all. */
export class CorruptSnapshotError extends KvError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KV_CORRUPT_SNAPSHOT', `corrupt key/value snapshot: ${message}`, options);
    this.name = 'CorruptSnapshotError';
  }
}
