import type { Bytes } from './bytes.js';
import type {
  CompareResult,
  Comparison,
  DeleteOptions,
  PutOptions,
  RangeOptions,
  TxnOp,
  TxnRequest,
  TxnResult,
} from './types.js';

/** A comparison operator, as written in code. */
export type CompareOperator = '==' | '!=' | '<' | '>';

const RESULT: Record<CompareOperator, CompareResult> = {
  '==': 'EQUAL',
  '!=': 'NOT_EQUAL',
  '<': 'LESS',
  '>': 'GREATER',
};

function operator(op: CompareOperator): CompareResult {
  const result = RESULT[op] as CompareResult | undefined;
  if (result === undefined) throw new RangeError(`"${op}" is not a comparison (==, !=, < or >)`);
  return result;
}

/**
 * The conditions of a transaction: `compare.value('k', '==', 'v')`, `compare.version('k', '==', 0)` (the key does
 * not exist), `compare.modRevision('k', '<', 42)`...
 */
export const compare = {
  value: (key: Bytes, op: CompareOperator, value: Bytes): Comparison => ({
    key,
    target: 'VALUE',
    result: operator(op),
    value,
  }),
  version: (key: Bytes, op: CompareOperator, version: number): Comparison => ({
    key,
    target: 'VERSION',
    result: operator(op),
    number: version,
  }),
  createRevision: (key: Bytes, op: CompareOperator, revision: number): Comparison => ({
    key,
    target: 'CREATE',
    result: operator(op),
    number: revision,
  }),
  modRevision: (key: Bytes, op: CompareOperator, revision: number): Comparison => ({
    key,
    target: 'MOD',
    result: operator(op),
    number: revision,
  }),
};

/** The operations of a transaction's branches: `op.put('k', 'v')`, `op.get('k')`, `op.delete('k')`. */
export const op = {
  put: (key: Bytes, value: Bytes, options?: PutOptions): TxnOp =>
    options === undefined ? { type: 'put', key, value } : { type: 'put', key, value, options },
  get: (key: Bytes, options?: RangeOptions): TxnOp =>
    options === undefined ? { type: 'range', key } : { type: 'range', key, options },
  delete: (key: Bytes, options?: DeleteOptions): TxnOp =>
    options === undefined ? { type: 'delete', key } : { type: 'delete', key, options },
};

/**
 * A transaction being written: `client.txn().if(...).then(...).else(...).commit()`. Each call adds to its list;
 * commit() sends the whole transaction once.
 */
export class Txn {
  private readonly comparisons: Comparison[] = [];
  private readonly success: TxnOp[] = [];
  private readonly failure: TxnOp[] = [];

  constructor(private readonly send: (txn: TxnRequest) => Promise<TxnResult>) {}

  /** Conditions that must all hold for the `then` branch to run. */
  if(...comparisons: Comparison[]): this {
    this.comparisons.push(...comparisons);
    return this;
  }

  /** What runs when every condition holds. */
  then(...ops: TxnOp[]): this {
    this.success.push(...ops);
    return this;
  }

  /** What runs otherwise. */
  else(...ops: TxnOp[]): this {
    this.failure.push(...ops);
    return this;
  }

  /** The transaction as a request. */
  request(): TxnRequest {
    return { compare: [...this.comparisons], success: [...this.success], failure: [...this.failure] };
  }

  commit(): Promise<TxnResult> {
    return this.send(this.request());
  }
}
