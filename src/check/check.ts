import { InvalidHistoryError } from './errors.js';
import type { Model, Operation } from './model.js';
import { PartitionSearch, type SearchOutcome } from './search.js';

/** The checker's answer: `unknown` when it ran out of time before deciding. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

/** One step of a linearization: the operation (an index into the partition's operations) and the state after it. */
export interface LinearizedStep<S> {
  readonly op: number;
  readonly state: S;
}

/** A linearization the search built up to the point where it needed the blocked operation and could not add it. */
export interface TriedState<S> {
  /** The state it stood in: the blocked operation's output is impossible here (and from every state reachable by adding pending operations). */
  readonly state: S;
  /** The operations linearized to reach it, in order, with the state after each. */
  readonly path: readonly LinearizedStep<S>[];
}

/** Why a partition is not linearizable. Operations are named by their index in `PartitionResult.operations`. */
export interface Violation<S> {
  /**
   * The smallest prefix of the history that cannot be linearized: every operation called before `blocked`
   * returned, in call order. Every operation that returned before `blocked` can be linearized; adding `blocked`
   * makes it impossible.
   */
  readonly prefix: readonly number[];
  /** The operation that could not be linearized after any order of the ones before it. */
  readonly blocked: number;
  /** The longest linearization found: one that takes in every operation returning before `blocked`. */
  readonly longest: readonly LinearizedStep<S>[];
  /** The distinct states the search stood in when it needed `blocked` next (at most 16), each with its path. */
  readonly statesTried: readonly TriedState<S>[];
  /** How many distinct states that was in all; `statesTried` keeps the first 16. */
  readonly distinctStates: number;
}

/** The verdict on one independent piece of the history (one key, for a key-value store). */
export interface PartitionResult<S = unknown, I = unknown, O = unknown> {
  readonly verdict: Verdict;
  /** The model's name for the piece (`describePartition`), or `partition N`. */
  readonly label: string;
  /** The piece's operations, as the model's `partition` returned them. */
  readonly operations: readonly Operation<I, O>[];
  /** Present exactly when the verdict is `illegal`. */
  readonly violation?: Violation<S>;
  /**
   * Why an `unknown` piece is undecided: the time ran out, or the search stopped because another piece had
   * already made the history illegal (see `CheckOptions.exhaustive`).
   */
  readonly undecided?: 'timeout' | 'stopped';
  /** Model steps the search tried. */
  readonly steps: number;
  /** Distinct configurations (linearized set, state) the search visited. */
  readonly configurations: number;
}

/** The verdict on a whole history: illegal if any partition is, else unknown if any timed out, else ok. */
export interface CheckResult<S = unknown, I = unknown, O = unknown> {
  readonly verdict: Verdict;
  readonly partitions: PartitionResult<S, I, O>[];
}

/** Options of `checkOperations`. */
export interface CheckOptions {
  /** Give up after this long (wall-clock milliseconds) and answer `unknown`; default: never. */
  readonly timeoutMs?: number;
  /**
   * Decide every piece even after one is found illegal; default false. One illegal piece makes the history
   * illegal, and the other pieces of a bad history can take exponential time to refute, so by default the
   * checker gives them one more round of search (about as much work again as each has had) and then leaves
   * them `unknown`.
   */
  readonly exhaustive?: boolean;
}

/** Model steps a piece may take in the first round; each later round doubles it. */
const FIRST_ROUND_STEPS = 20_000;
/** The most steps between two looks at the clock. */
const CHUNK_STEPS = 10_000;

/**
 * Decides whether `history` is linearizable with respect to `model`: whether its operations can be put in one
 * order, each at an instant between its call and its return, in which the model accepts every output. Each
 * piece of `model.partition` is checked on its own (P-compositionality: a history is linearizable iff each
 * independent piece is). Throws `InvalidHistoryError` for an operation that returns before it is called.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options?: CheckOptions,
): CheckResult<S, I, O> {
  history.forEach(validateOperation);
  const deadline =
    options?.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeoutMs;
  const pieces = model.partition ? model.partition(history) : [history.slice()];
  const outcomes = decide(
    pieces.map((operations) => new PartitionSearch(model, operations)),
    deadline,
    options?.exhaustive ?? false,
  );
  const partitions = pieces.map((operations, i): PartitionResult<S, I, O> => {
    const label = model.describePartition?.(operations) ?? `partition ${i}`;
    const { search, outcome, undecided } = outcomes[i] ?? { search: undefined, outcome: undefined };
    const common = {
      label,
      operations,
      steps: search?.stepsTaken ?? 0,
      configurations: search?.configurations ?? 0,
    };
    if (outcome === undefined) return { verdict: 'unknown', undecided: undecided ?? 'timeout', ...common };
    if (outcome.verdict === 'ok') return { verdict: 'ok', ...common };
    const statesTried = outcome.attempts.map((attempt) => {
      const path = replay(model, operations, attempt.ops);
      return { state: path.at(-1)?.state ?? model.init(), path };
    });
    return {
      verdict: 'illegal',
      ...common,
      violation: {
        prefix: outcome.prefix,
        blocked: outcome.blocked,
        longest: statesTried[0]?.path ?? [],
        statesTried,
        distinctStates: outcome.distinctStates,
      },
    };
  });
  const verdicts = new Set(partitions.map((p) => p.verdict));
  const verdict: Verdict = verdicts.has('illegal') ? 'illegal' : verdicts.has('unknown') ? 'unknown' : 'ok';
  return { verdict, partitions };
}

/**
 * Runs the searches in rounds of doubling step budgets, so that the time each piece gets is within a factor of
 * two of the others' and an easy piece is decided early whatever the order of the pieces.
 */
function decide<S, I, O>(
  searches: PartitionSearch<S, I, O>[],
  deadline: number,
  exhaustive: boolean,
): { search: PartitionSearch<S, I, O>; outcome?: SearchOutcome; undecided?: 'timeout' | 'stopped' }[] {
  const outcomes = new Map<number, SearchOutcome>();
  let budget = FIRST_ROUND_STEPS;
  let roundsAfterIllegal = -1;
  let timedOut = false;
  while (outcomes.size < searches.length && !timedOut && roundsAfterIllegal < 1) {
    if (roundsAfterIllegal >= 0) roundsAfterIllegal++;
    for (const [i, search] of searches.entries()) {
      if (outcomes.has(i)) continue;
      for (let left = budget; left > 0 && !timedOut; left -= CHUNK_STEPS) {
        const outcome = search.run(Math.min(left, CHUNK_STEPS));
        if (outcome) {
          outcomes.set(i, outcome);
          if (outcome.verdict === 'illegal' && !exhaustive && roundsAfterIllegal < 0) roundsAfterIllegal = 0;
          break;
        }
        timedOut = performance.now() > deadline;
      }
      if (timedOut) break;
    }
    budget *= 2;
  }
  return searches.map((search, i) => {
    const outcome = outcomes.get(i);
    if (outcome) return { search, outcome };
    return { search, undecided: timedOut ? 'timeout' : 'stopped' };
  });
}

function validateOperation(op: Operation<unknown, unknown>, index: number): void {
  if (!Number.isFinite(op.call)) {
    throw new InvalidHistoryError(
      `operation ${index} (client ${op.clientId}): call time ${op.call} is not finite`,
    );
  }
  if (Number.isNaN(op.return) || op.return < op.call) {
    throw new InvalidHistoryError(
      `operation ${index} (client ${op.clientId}): returns at ${op.return}, before its call at ${op.call}`,
    );
  }
}

/** Steps the model through `order` again to recover the state after each operation; the search keeps only ids. */
function replay<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  order: readonly number[],
): LinearizedStep<S>[] {
  let state = model.init();
  return order.map((index) => {
    const op = ops[index];
    if (op !== undefined) state = model.step(state, op.input, op.output).state;
    return { op: index, state };
  });
}
