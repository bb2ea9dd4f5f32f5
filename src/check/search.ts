import { ConfigCache } from './config-cache.js';
import type { Model, Operation } from './model.js';
import { StateTable } from './state-table.js';

/**
 * States whose transitions are memoized: a model with few states (a register) meets the same state and operation
 * over and over through different linearized sets, and a table lookup is far cheaper than the model's step and
 * interning the result. Models with many states (a key-value store's growing values) rarely repeat a pair, so
 * the table stays small and covers only the first states met.
 */
const MEMO_STATES = 64;

/** How many distinct states at the point of failure a violation keeps, with the path to each. */
const MAX_STATES_TRIED = 16;

/** Why the inner loop stopped: the step budget is spent, */
const PAUSED = 0;
/** every operation is linearized, */
const LINEARIZED = 1;
/** or it met a return that the caller must note (and, at the bottom of the stack, conclude from). */
const EXHAUSTED = 2;

/** A sequence of operations the model accepts, by index into the partition's operations, from the initial state. */
export interface Attempt {
  /** Operations in the order they were linearized. */
  readonly ops: readonly number[];
}

/** What the search of one partition found. */
export type SearchOutcome =
  | { readonly verdict: 'ok'; readonly steps: number; readonly cacheSize: number }
  | {
      readonly verdict: 'illegal';
      readonly steps: number;
      readonly cacheSize: number;
      /** The operation whose return no linearization reached: the failing prefix ends at its return. */
      readonly blocked: number;
      /** Operations called before `blocked` returned, in call order: the smallest prefix not linearizable. */
      readonly prefix: readonly number[];
      /** One linearization per distinct state the search stood in when it needed `blocked` next. */
      readonly attempts: readonly Attempt[];
      /** How many distinct states that was in all (attempts keeps at most MAX_STATES_TRIED). */
      readonly distinctStates: number;
    };

/**
 * Wing & Gong's search with Lowe's just-in-time linearization, as Porcupine runs it. Calls and returns sit in one
 * list in time order. Walking from its head, the search tries to linearize each call it meets (step the model;
 * if it accepts, and the resulting configuration is new, *lift* the call and its return out of the list and start
 * again from the head). Meeting a return means the operation it closes was never linearized, and every order of
 * the calls before it has been tried from this configuration: back off (undo the last linearization, *unlift*
 * it, and try the next call after it). The list empties exactly when every operation is linearized.
 *
 * The deepest return the search ever reaches marks the smallest failing prefix: the operations that returned
 * before it can be linearized (the search put them all in one order), and the operation it closes cannot be
 * added to any linearization of them.
 *
 * The search is resumable (`run` takes a step budget) so that the checker can share time fairly between the
 * pieces of a history: one hard piece must not starve an easy one that would fail at once.
 */
export class PartitionSearch<S, I, O> {
  private readonly n: number;
  private readonly order: number[];
  private readonly head = 0;
  private readonly tail: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly opOf: Int32Array;
  /** For a call entry, its return entry; 0 for a return. */
  private readonly matchOf: Int32Array;
  /** For a return entry, how many returns come before it: the depth of history the search has reached. */
  private readonly rankOf: Int32Array;
  private readonly inputs: I[];
  private readonly outputs: O[];
  private readonly zobrist: Int32Array;
  private readonly stateIds = new Map<string, number>();
  /** Every distinct state met, by id. */
  private readonly states: S[] = [];
  /** With `model.stateHash`, states are interned by hash instead. */
  private readonly hashedStates: StateTable<S> | undefined;
  private readonly cache: ConfigCache;
  /** (state id < MEMO_STATES, op) -> 0 if not yet stepped, 1 if the model refuses, else next state id + 2. */
  private readonly memo: Int32Array;
  private readonly linearized: Uint32Array;
  private bitsHash = 0;
  private stateId: number;
  /** The stack of linearized call entries, with the state id before each. */
  private readonly stackEntry: Int32Array;
  private readonly stackStateId: Int32Array;
  private depth = 0;
  private entry: number;
  private steps = 0;
  private deepest = -1;
  private blockedEntry = 0;
  /** By state id, `deepest + 1` for the states noted at the deepest return (a stamp: no clearing). */
  private seenAtDeepest = new Int32Array(1024);
  private distinctStates = 0;
  /** The stacks of call entries that reached the deepest return, one per distinct state (the first few). */
  private attemptEntries: Int32Array[] = [];
  private outcome: SearchOutcome | undefined;

  constructor(
    private readonly model: Model<S, I, O>,
    ops: readonly Operation<I, O>[],
  ) {
    const n = ops.length;
    this.n = n;
    // Entries 1..2n are the calls and returns in time order; 0 is the head and 2n+1 the tail, so that lift and
    // unlift never test for the ends of the list.
    this.order = sortedEvents(ops);
    this.tail = 2 * n + 1;
    this.next = new Int32Array(2 * n + 2);
    this.prev = new Int32Array(2 * n + 2);
    this.opOf = new Int32Array(2 * n + 2);
    this.matchOf = new Int32Array(2 * n + 2);
    this.rankOf = new Int32Array(2 * n + 2);
    const callEntry = new Int32Array(n);
    let returns = 0;
    this.order.forEach((event, i) => {
      const entry = i + 1;
      this.next[entry] = entry + 1;
      this.prev[entry] = entry - 1;
      const op = event < n ? event : event - n;
      this.opOf[entry] = op;
      if (event < n) callEntry[op] = entry;
      else {
        this.matchOf[callEntry[op] ?? 0] = entry;
        this.rankOf[entry] = returns++;
      }
    });
    this.next[this.head] = n === 0 ? this.tail : 1;
    this.prev[this.tail] = 2 * n;
    this.inputs = ops.map((op) => op.input);
    this.outputs = ops.map((op) => op.output);
    this.zobrist = zobristKeys(n);
    this.cache = new ConfigCache(n);
    this.memo = new Int32Array(n * MEMO_STATES);
    // The table fills `states` itself; internState's own push then finds the state already there.
    this.hashedStates = model.stateHash
      ? new StateTable(model.stateHash, model.stateKey, this.states)
      : undefined;
    this.linearized = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
    this.stateId = this.internState(model.init());
    this.stackEntry = new Int32Array(n);
    this.stackStateId = new Int32Array(n);
    this.entry = this.next[this.head] ?? this.tail;
  }

  /** Model steps tried so far. */
  get stepsTaken(): number {
    return this.steps;
  }

  /** Distinct configurations visited so far. */
  get configurations(): number {
    return this.cache.size;
  }

  /** Searches for at most about `budget` more model steps; the outcome once decided, else undefined. */
  run(budget: number): SearchOutcome | undefined {
    if (this.outcome) return this.outcome;
    const stop = this.steps + budget;
    for (;;) {
      switch (this.advance(stop)) {
        case PAUSED:
          return undefined;
        case LINEARIZED:
          this.outcome = { verdict: 'ok', steps: this.steps, cacheSize: this.cache.size };
          return this.outcome;
        case EXHAUSTED:
          this.noteExhausted();
          if (this.depth === 0) {
            this.outcome = this.illegal(this.steps);
            return this.outcome;
          }
          this.backOff();
          break;
      }
    }
  }

  /**
   * The search's inner loop, which runs until the step budget is spent, every operation is linearized, or the
   * search meets a return that may be the deepest yet (to be noted for the report; the caller notes it and
   * backs off). Kept apart from everything that happens once per run or once per piece, so that the optimizing
   * compiler sees a loop whose every path has run many times before it compiles it: code that has never run
   * (the end of a piece, a report) would be compiled as a deoptimization, and V8 would throw the compiled loop
   * away when it first ran. The loop's variables live in locals and go back to fields only on the way out.
   */
  private advance(stop: number): number {
    const { head, tail, next, prev, opOf, matchOf, rankOf, inputs, outputs, zobrist, linearized, n } = this;
    const { memo, cache, states, stackEntry, stackStateId, deepest, seenAtDeepest } = this;
    const step = this.model.step;
    let { entry, stateId, bitsHash, depth, steps } = this;
    let code = LINEARIZED;
    while ((next[head] ?? tail) !== tail) {
      const match = matchOf[entry] ?? 0;
      if (match !== 0) {
        if (steps >= stop) {
          code = PAUSED;
          break;
        }
        const op = opOf[entry] ?? 0;
        steps++;
        let newStateId = -1;
        const memoSlot = stateId < MEMO_STATES ? stateId * n + op : -1;
        const memoized = memoSlot >= 0 ? (memo[memoSlot] ?? 0) : 0;
        if (memoized !== 0) newStateId = memoized - 2;
        else {
          const result = step(states[stateId] as S, inputs[op] as I, outputs[op] as O);
          if (result.ok) newStateId = this.internState(result.state);
          if (memoSlot >= 0) memo[memoSlot] = newStateId + 2;
        }
        if (newStateId >= 0) {
          const newBitsHash = bitsHash ^ (zobrist[op] ?? 0);
          if (cache.addIfAbsent(linearized, op, newStateId, mix(newBitsHash, newStateId))) {
            stackEntry[depth] = entry;
            stackStateId[depth] = stateId;
            depth++;
            stateId = newStateId;
            bitsHash = newBitsHash;
            linearized[op >>> 5] = (linearized[op >>> 5] ?? 0) | (1 << (op & 31));
            // Lift the call and its return out of the list.
            const callPrev = prev[entry] ?? 0;
            const callNext = next[entry] ?? 0;
            next[callPrev] = callNext;
            prev[callNext] = callPrev;
            const returnPrev = prev[match] ?? 0;
            const returnNext = next[match] ?? 0;
            next[returnPrev] = returnNext;
            prev[returnNext] = returnPrev;
            entry = next[head] ?? tail;
            continue;
          }
        }
        entry = next[entry] ?? tail;
        continue;
      }

      // A return: every call before it has been tried from this configuration, which is exhausted. If it is as
      // deep as the search has been, in a state not yet noted there, (or at the bottom), the caller takes over.
      const rank = rankOf[entry] ?? 0;
      if (
        depth === 0 ||
        rank > deepest ||
        (rank === deepest && (stateId >= seenAtDeepest.length || seenAtDeepest[stateId] !== deepest + 1))
      ) {
        code = EXHAUSTED;
        break;
      }
      // Back off: undo the last linearization and try the next call after it.
      depth--;
      entry = stackEntry[depth] ?? 0;
      stateId = stackStateId[depth] ?? 0;
      const op = opOf[entry] ?? 0;
      bitsHash ^= zobrist[op] ?? 0;
      linearized[op >>> 5] = (linearized[op >>> 5] ?? 0) & ~(1 << (op & 31));
      // Unlift: put the return back, then the call, the reverse of lifting.
      const match2 = matchOf[entry] ?? 0;
      next[prev[match2] ?? 0] = match2;
      prev[next[match2] ?? 0] = match2;
      next[prev[entry] ?? 0] = entry;
      prev[next[entry] ?? 0] = entry;
      entry = next[entry] ?? tail;
    }
    this.entry = entry;
    this.stateId = stateId;
    this.bitsHash = bitsHash;
    this.depth = depth;
    this.steps = steps;
    return code;
  }

  /** Undoes the last linearization, as the inner loop does, for a return the caller has handled. */
  private backOff(): void {
    const depth = --this.depth;
    const entry = this.stackEntry[depth] ?? 0;
    this.stateId = this.stackStateId[depth] ?? 0;
    const op = this.opOf[entry] ?? 0;
    this.bitsHash ^= this.zobrist[op] ?? 0;
    this.linearized[op >>> 5] = (this.linearized[op >>> 5] ?? 0) & ~(1 << (op & 31));
    const { next, prev } = this;
    const match = this.matchOf[entry] ?? 0;
    next[prev[match] ?? 0] = match;
    prev[next[match] ?? 0] = match;
    next[prev[entry] ?? 0] = entry;
    prev[next[entry] ?? 0] = entry;
    this.entry = next[entry] ?? this.tail;
  }

  /** A small integer naming `state`'s equivalence class (equal keys, equal id), so the cache compares ints. */
  private internState(state: S): number {
    let id: number;
    if (this.hashedStates) id = this.hashedStates.intern(state);
    else {
      const key = this.model.stateKey(state);
      id = this.stateIds.get(key) ?? this.stateIds.size;
      if (id === this.stateIds.size) this.stateIds.set(key, id);
    }
    if (id === this.states.length) this.states.push(state);
    return id;
  }

  /**
   * Remembers the configurations that got furthest into the history, for the report: the search stands on a
   * return as deep as any it has met, in a state not yet noted there.
   */
  private noteExhausted(): void {
    const rank = this.rankOf[this.entry] ?? 0;
    if (rank > this.deepest) {
      this.deepest = rank;
      this.blockedEntry = this.entry;
      this.distinctStates = 0;
      this.attemptEntries = [];
    }
    if (rank < this.deepest) return;
    if (this.stateId >= this.seenAtDeepest.length) {
      const seen = new Int32Array(Math.max(this.seenAtDeepest.length * 2, this.stateId + 1));
      seen.set(this.seenAtDeepest);
      this.seenAtDeepest = seen;
    }
    if (this.seenAtDeepest[this.stateId] === rank + 1) return;
    this.seenAtDeepest[this.stateId] = rank + 1;
    this.distinctStates++;
    if (this.attemptEntries.length < MAX_STATES_TRIED)
      this.attemptEntries.push(this.stackEntry.slice(0, this.depth));
  }

  private illegal(steps: number): SearchOutcome {
    const n = this.n;
    const blocked = this.opOf[this.blockedEntry] ?? 0;
    const prefix: number[] = [];
    for (const event of this.order) {
      if (event < n) prefix.push(event);
      else if (event - n === blocked) break;
    }
    return {
      verdict: 'illegal',
      steps,
      cacheSize: this.cache.size,
      blocked,
      prefix,
      attempts: this.attemptEntries.map((entries) => ({
        ops: Array.from(entries, (entry) => this.opOf[entry] ?? 0),
      })),
      distinctStates: this.distinctStates,
    };
  }
}

/**
 * The 2n events of `ops` in time order: `i` for the call of op i, `n + i` for its return. At equal times calls
 * come first, so operations that touch at an instant count as concurrent: the lenient reading, which cannot
 * call a correct history illegal whatever the clock's resolution.
 */
function sortedEvents(ops: readonly Operation<unknown, unknown>[]): number[] {
  const n = ops.length;
  const time = (event: number): number => {
    const op = ops[event < n ? event : event - n];
    if (op === undefined) return 0;
    return event < n ? op.call : op.return;
  };
  const events = Array.from({ length: 2 * n }, (_, i) => i);
  events.sort((a, b) => time(a) - time(b) || Number(a >= n) - Number(b >= n) || a - b);
  return events;
}

/**
 * Random 32-bit keys, one per operation, so that the hash of the linearized set is the xor of its members' keys
 * and changes in O(1) as the search linearizes and backs off (Zobrist hashing). Seeded, so that a run's
 * statistics repeat.
 */
function zobristKeys(n: number): Int32Array {
  const keys = new Int32Array(n);
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    keys[i] = z ^ (z >>> 16);
  }
  return keys;
}

/** Folds the state id into the set's hash; the multiply spreads consecutive ids over the table. */
function mix(bitsHash: number, stateId: number): number {
  return (bitsHash ^ Math.imul(stateId + 1, 0x9e3779b1)) & 0x3fffffff;
}
