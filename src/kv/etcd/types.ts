/**
 * The etcd v3 key/value requests and responses this service implements (etcd 3.4's `rpc.proto` and `kv.proto`),
 * with keys and values as bytes. Field names follow the proto in camelCase; the HTTP layer maps them to and from
 * the gateway's JSON.
 */

/** One key's stored state: `kv.proto`'s KeyValue without leases. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The revision of the write that created the key (since its last deletion). */
  readonly createRevision: number;
  /** The revision of the key's latest write. */
  readonly modRevision: number;
  /** How many times the key was written since its creation (1 after the first put); a delete resets it. */
  readonly version: number;
}

/**
 * A key range, as etcd reads `key` and `range_end`: an empty `rangeEnd` is the single key `key`; `rangeEnd` "\0"
 * is every key >= `key`; otherwise the half-open interval [key, rangeEnd).
 */
export interface KeyRange {
  readonly key: Uint8Array;
  readonly rangeEnd: Uint8Array;
}

export interface RangeRequest extends KeyRange {
  /** The most keys to return; 0 is no limit. */
  readonly limit: number;
  /** Read at this revision; 0 is the latest (no history is kept: any other revision is refused). */
  readonly revision: number;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  /** Read the local state without a quorum check (the HTTP layer uses it; the state machine ignores it). */
  readonly serializable: boolean;
}

export interface PutRequest {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly prevKv: boolean;
  /** Keep the key's current value (the key must exist). */
  readonly ignoreValue: boolean;
}

export interface DeleteRangeRequest extends KeyRange {
  readonly prevKv: boolean;
}

export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

/** One txn guard: `target` of every key in the range compared with `operand` (a number, or bytes for VALUE). */
export interface Compare extends KeyRange {
  readonly target: CompareTarget;
  readonly result: CompareResult;
  readonly operand: number | Uint8Array;
}

export type RequestOp =
  | { readonly type: 'range'; readonly request: RangeRequest }
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest };

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

/** A write that goes through the log. */
export type WriteRequest =
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest };

export interface RangeResponse {
  /** The store's revision when the range was read. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface PutResponse {
  readonly revision: number;
  readonly prevKv: KeyValue | null;
}

export interface DeleteRangeResponse {
  readonly revision: number;
  readonly deleted: number;
  readonly prevKvs: readonly KeyValue[];
}

export type ResponseOp =
  | { readonly type: 'range'; readonly response: RangeResponse }
  | { readonly type: 'put'; readonly response: PutResponse }
  | { readonly type: 'deleteRange'; readonly response: DeleteRangeResponse };

export interface TxnResponse {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly responses: readonly ResponseOp[];
}

export type WriteResponse =
  | { readonly type: 'put'; readonly response: PutResponse }
  | { readonly type: 'deleteRange'; readonly response: DeleteRangeResponse }
  | { readonly type: 'txn'; readonly response: TxnResponse };

/**
 * A request etcd refuses, with etcd's message and gRPC status code (3 InvalidArgument, 5 NotFound, 11 OutOfRange,
 * 12 Unimplemented).
 */
export interface EtcdFailure {
  readonly code: number;
  readonly message: string;
}

/** The outcome of one write: its response, or the error etcd would answer (the same on every replica). */
export type WriteOutcome =
  | { readonly ok: true; readonly response: WriteResponse }
  | { readonly ok: false; readonly error: EtcdFailure };

/** A write as it travels through the log. */
export interface EtcdCommand {
  /** Who proposed it, opaque to the state machine (the proposing server finds its waiting request by it). */
  readonly origin: Uint8Array;
  /** Exactly-once: the client's id and the request's sequence number, or null for a request without them. */
  readonly session: { readonly clientId: string; readonly seq: number } | null;
  readonly write: WriteRequest;
}
