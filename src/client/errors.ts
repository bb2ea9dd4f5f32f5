/** The base of every error KvClient throws, so that callers can catch the client's errors as one kind. */
export class KvError extends Error {
  override name = 'KvError';
}

/**
 * No endpoint could serve the request before the client's deadline: every one was unreachable, answered 503 (no
 * leader), or failed in a way that is safe to retry. For a write the outcome is unknown: it may have been applied.
 */
export class KvUnavailableError extends KvError {
  override name = 'KvUnavailableError';
  constructor(
    message: string,
    /** The last failure seen, for diagnosis. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The last attempt ran out of time (per-request timeout) and the client's deadline left no room for another. */
export class KvTimeoutError extends KvUnavailableError {
  override name = 'KvTimeoutError';
}

/** The server refused the request as malformed or too large (HTTP 4xx): retrying it unchanged cannot help. */
export class KvRequestError extends KvError {
  override name = 'KvRequestError';
  constructor(
    /** The HTTP status (400, 404, 413...). */
    readonly status: number,
    /** The server's error name (`error` in its JSON body), when it gave one. */
    readonly error: string,
    message: string,
    /** etcd's gRPC code (`code` in its JSON body), when it gave one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** The server answered something that is not the etcd-shaped JSON the client expects. */
export class KvResponseError extends KvError {
  override name = 'KvResponseError';
}

/** The client was used after close(). */
export class KvClosedError extends KvError {
  override name = 'KvClosedError';
}
