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
 * The key-value store of the lab's kvraft as a model: one string per key, a missing key reads "", append to a
 * missing key appends to "", delete makes a key missing again. The state is the value of one key, since the
 * history is partitioned by key.
 */
export const kvModel: Model<string, KvInput, KvOutput> = {
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
  init: () => '',
  step: (state, input, output) => {
    switch (input.op) {
      case 'get':
        return { ok: output.unknown === true || output.value === state, state };
      case 'put':
        return { ok: true, state: input.value ?? '' };
      case 'append':
        return { ok: true, state: state + (input.value ?? '') };
      case 'delete':
        return { ok: true, state: '' };
    }
  },
  stateKey: (state) => state,
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
  describeState: (state) => JSON.stringify(state),
};
