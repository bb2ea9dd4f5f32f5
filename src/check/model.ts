/**
 * One completed (or possibly completed) operation of a history: what a client asked, what it was told, and when.
 * `call` and `return` are times on one clock shared by all clients (any unit; only their order matters). An
 * operation that never returned (a timeout, Jepsen's `:info`) has `return: Infinity` and an output the model
 * must accept whatever the state: it may have taken effect at any time after its call, or never.
 */
export interface Operation<I, O> {
  readonly clientId: number;
  readonly input: I;
  readonly call: number;
  readonly output: O;
  readonly return: number;
}

/**
 * A sequential specification given as data, in the manner of Porcupine's models: the checker asks whether the
 * operations of a history can be ordered, each at some instant inside its interval, so that stepping the model
 * through them in that order accepts every output.
 */
export interface Model<S, I, O> {
  /** Splits a history into independent pieces checked separately (e.g. by key); default: one piece. */
  readonly partition?: (history: readonly Operation<I, O>[]) => Operation<I, O>[][];
  /** A short name for one piece, shown in reports (e.g. `key "x"`); default: its position. */
  readonly describePartition?: (piece: readonly Operation<I, O>[]) => string;
  /** The state before any operation. */
  readonly init: () => S;
  /** Applies input to state; ok=false if output is impossible from state. Must not mutate state. */
  readonly step: (state: S, input: I, output: O) => { ok: boolean; state: S };
  /** A string identity of a state, for the cache (equal states => equal keys). */
  readonly stateKey: (state: S) => string;
  /**
   * Optional, for speed: a cheap 32-bit hash of a state (equal states => equal hashes), kept up to date by
   * `step` rather than computed from the whole state. With it the checker tells states apart by hash and calls
   * `stateKey` only when two hashes are equal; without it, it hashes every new state's key, which costs time in
   * proportion to the key's length (the value of a key-value store's key grows with every append).
   */
  readonly stateHash?: (state: S) => number;
  /** One operation as a person reads it, e.g. `append("x", "1") -> ok`. */
  readonly describeOperation?: (input: I, output: O) => string;
  /** One state as a person reads it; default: its `stateKey`. */
  readonly describeState?: (state: S) => string;
}
