/**
 * One key/value operation, as a client asks for it. The shape is the checker's key/value input, so a recorded
 * history needs no translation.
 */
export type KvOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string };

/**
 * What goes into the Raft log: an operation tagged with its client and the client's sequence number, which is
 * what lets the state machine run a retried request only once.
 */
export interface KvCommand {
  /** The client's id: random, so that two clients never share one (a safe integer, at most 2^53 - 1). */
  readonly clientId: number;
  /** The client's request number: increasing, one request outstanding at a time (a safe integer >= 1). */
  readonly seq: number;
  readonly op: KvOp;
}

/** The outcome of an operation: OK, or ErrNoKey for a get or delete of a key that holds nothing. */
export type KvErr = 'OK' | 'ErrNoKey';

/** An operation's reply: `value` is the value read by a get ('' for a missing key) and '' for anything else. */
export interface KvReply {
  readonly err: KvErr;
  readonly value: string;
}

/** What applying one log entry did. */
export type ApplyOutcome =
  /** The command ran now. */
  | { readonly status: 'applied'; readonly reply: KvReply }
  /** The command had already run (a retry that reached the log twice): its first reply, and no effect. */
  | { readonly status: 'duplicate'; readonly reply: KvReply }
  /**
   * The command is older than the client's latest write, so the client has already had its answer and moved on;
   * it has no effect and nobody waits for its reply.
   */
  | { readonly status: 'stale' }
  /**
   * The empty entry (command `null`) a new Raft leader appends to commit an entry of its term: it counts as
   * applied and does nothing, alike on every replica.
   */
  | { readonly status: 'noop' }
  /** The entry is not a key/value command: every replica skips it alike. */
  | { readonly status: 'invalid'; readonly reason: string };
