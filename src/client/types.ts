import type { Bytes } from './bytes.js';

/** What every response starts with: who answered, and the store's revision when it did. */
export interface ResponseHeader {
  /** etcd's ids are unsigned 64-bit, beyond a JS number's exact range: kept as decimal strings ('' if omitted). */
  readonly clusterId: string;
  readonly memberId: string;
  /** The store's revision: one cluster-wide counter that every write transaction advances. */
  readonly revision: number;
  readonly raftTerm: number;
}

/** One key as stored, with etcd's revisions. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The revision of the write that created the key (since its last delete). */
  readonly createRevision: number;
  /** The revision of the key's last write. */
  readonly modRevision: number;
  /** How many times the key was written since its creation (1 after the first put). */
  readonly version: number;
}

export interface PutOptions {
  /** Return the key's previous value, if it had one. */
  readonly prevKv?: boolean;
}

export interface PutResult {
  readonly header: ResponseHeader;
  readonly prevKv?: KeyValue;
}

export interface RangeOptions {
  /** Read [key, rangeEnd) instead of one key. */
  readonly rangeEnd?: Bytes;
  /** Read every key starting with `key` (sets rangeEnd; do not pass both). */
  readonly prefix?: boolean;
  /** At most this many keys (0 or absent: no limit). */
  readonly limit?: number;
  /** Read the answering member's local state, possibly stale, instead of a linearizable read (etcd's option). */
  readonly serializable?: boolean;
  /** Keys and revisions only, no values. */
  readonly keysOnly?: boolean;
  /** Only the count. */
  readonly countOnly?: boolean;
}

export interface RangeResult {
  readonly header: ResponseHeader;
  readonly kvs: readonly KeyValue[];
  /** How many keys the range holds (more than kvs.length when limited). */
  readonly count: number;
  /** Whether the limit cut the answer short. */
  readonly more: boolean;
}

export interface DeleteOptions {
  readonly rangeEnd?: Bytes;
  readonly prefix?: boolean;
  /** Return the deleted keys' values. */
  readonly prevKv?: boolean;
}

export interface DeleteResult {
  readonly header: ResponseHeader;
  /** How many keys were deleted. */
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

/** What a transaction compares: a key's value, or one of its counters (0 for a key that does not exist). */
export type CompareTarget = 'VALUE' | 'VERSION' | 'CREATE' | 'MOD';
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

/** One condition of a transaction. */
export type Comparison =
  | { readonly key: Bytes; readonly target: 'VALUE'; readonly result: CompareResult; readonly value: Bytes }
  | {
      readonly key: Bytes;
      readonly target: 'VERSION' | 'CREATE' | 'MOD';
      readonly result: CompareResult;
      readonly number: number;
    };

/** One operation of a transaction's branch. */
export type TxnOp =
  | { readonly type: 'put'; readonly key: Bytes; readonly value: Bytes; readonly options?: PutOptions }
  | { readonly type: 'range'; readonly key: Bytes; readonly options?: RangeOptions }
  | { readonly type: 'delete'; readonly key: Bytes; readonly options?: DeleteOptions };

/** A transaction: if every comparison holds, `success` runs, else `failure`; atomically, as one revision. */
export interface TxnRequest {
  readonly compare: readonly Comparison[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
}

/** The result of one operation of the branch that ran, in order. */
export type TxnResponse =
  | { readonly type: 'put'; readonly result: PutResult }
  | { readonly type: 'range'; readonly result: RangeResult }
  | { readonly type: 'delete'; readonly result: DeleteResult };

export interface TxnResult {
  readonly header: ResponseHeader;
  /** Whether the comparisons held (so `success` ran). */
  readonly succeeded: boolean;
  readonly responses: readonly TxnResponse[];
}
