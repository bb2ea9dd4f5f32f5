import type { Model, Operation } from './model.js';

/** A key-value store request: `value` is the argument of put and append. */
export interface KvInput {
  readonly op: 'get' | 'put' | 'append' | 'delete';
  readonly key: string;
  readonly value?: string;
}

/**
 * A key-value store reply: for get, the value read ("" for a missing key); put, append and delete leave it
 * unchecked. `unknown: true` marks an operation whose reply never came (a timeout): any value is then accepted.
 */
export interface KvOutput {
  readonly value: string;
  readonly unknown?: boolean;
}

/**
 * The value of one key (the history is partitioned by key), with a hash of it that each append extends in O(the
 * appended text) instead of O(the whole value): the hash of `value` as Java's `String.hashCode` computes it,
 * which composes over concatenation.
 */
export interface KvState {
  readonly value: string;
  readonly hash: number;
}

const EMPTY: KvState = { value: '', hash: 0 };
const REFUSED = { ok: false, state: EMPTY } as const;

/**
 * The hash of each output's value, computed when a read first meets a state of the same length. Comparing two
 * equal-length strings makes V8 flatten the state's value (a rope of every append, up to kilobytes) into a
 * copy it then keeps; comparing hashes first spares that for all but the (rare) reads that match.
 */
const outputHashes = new WeakMap<KvOutput, number>();

function outputHash(output: KvOutput): number {
  let hash = outputHashes.get(output);
  if (hash === undefined) {
    hash = extend(0, output.value);
    outputHashes.set(output, hash);
  }
  return hash;
}

function extend(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * The key-value store of the lab's kvraft as a model: one string per key, a missing key reads "", append to a
 * missing key appends to "", delete makes a key missing again.
 */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  partition: (history) => {
    const byKey = new Map<string, Operation<KvInput, KvOutput>[]>();
    for (const op of history) {
      const piece = byKey.get(op.input.key);
      if (piece) piece.push(op);
      else byKey.set(op.input.key, [op]);
    }
    return [...byKey.values()];
  },
  describePartition: (piece) => `key ${JSON.stringify(piece[0]?.input.key ?? '')}`,
  init: () => EMPTY,
  step: (state, input, output) => {
    switch (input.op) {
      case 'get':
        // Most steps the search tries are refused reads: one shared answer spares the allocation.
        return output.unknown === true ||
          (output.value.length === state.value.length &&
            outputHash(output) === state.hash &&
            output.value === state.value)
          ? { ok: true, state }
          : REFUSED;
      case 'put': {
        const value = input.value ?? '';
        return { ok: true, state: { value, hash: extend(0, value) } };
      }
      case 'append': {
        const value = input.value ?? '';
        return { ok: true, state: { value: state.value + value, hash: extend(state.hash, value) } };
      }
      case 'delete':
        return { ok: true, state: EMPTY };
    }
  },
  stateKey: (state) => state.value,
  stateHash: (state) => state.hash,
  describeOperation: (input, output) => {
    const key = JSON.stringify(input.key);
    switch (input.op) {
      case 'get':
        return `get(${key}) -> ${output.unknown === true ? '?' : JSON.stringify(output.value)}`;
      case 'put':
      case 'append':
        return `${input.op}(${key}, ${JSON.stringify(input.value ?? '')})`;
      case 'delete':
        return `delete(${key})`;
    }
  },
  describeState: (state) => JSON.stringify(state.value),
};
