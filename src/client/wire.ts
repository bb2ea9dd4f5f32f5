// The client's side of etcd v3's JSON gateway (etcd 3.4 shapes): requests encoded as the gateway reads them
// (bytes as base64, int64 as decimal strings) and responses decoded into typed results (zero fields omitted).
import { fromBase64, prefixEnd, toBase64, type Bytes } from './bytes.js';
import { KvResponseError } from './errors.js';
import type {
  Comparison,
  DeleteOptions,
  DeleteResult,
  KeyValue,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  ResponseHeader,
  TxnOp,
  TxnRequest,
  TxnResponse,
  TxnResult,
} from './types.js';

type Json = Record<string, unknown>;

/** The paths of the gateway's key/value service. */
export const PATHS = {
  put: '/v3/kv/put',
  range: '/v3/kv/range',
  delete: '/v3/kv/deleterange',
  txn: '/v3/kv/txn',
} as const;

function int64(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative integer, not ${n}`);
  return String(n);
}

function rangeEndOf(
  key: Bytes,
  options: { rangeEnd?: Bytes; prefix?: boolean } | undefined,
): string | undefined {
  if (options?.prefix === true && options.rangeEnd !== undefined) {
    throw new RangeError('give either prefix or rangeEnd, not both');
  }
  if (options?.prefix === true) return toBase64(prefixEnd(key));
  return options?.rangeEnd === undefined ? undefined : toBase64(options.rangeEnd);
}

export function encodePut(key: Bytes, value: Bytes, options?: PutOptions): Json {
  return {
    key: toBase64(key),
    value: toBase64(value),
    ...(options?.prevKv === true ? { prev_kv: true } : {}),
  };
}

export function encodeRange(key: Bytes, options?: RangeOptions): Json {
  const rangeEnd = rangeEndOf(key, options);
  return {
    key: toBase64(key),
    ...(rangeEnd === undefined ? {} : { range_end: rangeEnd }),
    ...(options?.limit !== undefined && options.limit !== 0 ? { limit: int64(options.limit, 'limit') } : {}),
    ...(options?.serializable === true ? { serializable: true } : {}),
    ...(options?.keysOnly === true ? { keys_only: true } : {}),
    ...(options?.countOnly === true ? { count_only: true } : {}),
  };
}

export function encodeDelete(key: Bytes, options?: DeleteOptions): Json {
  const rangeEnd = rangeEndOf(key, options);
  return {
    key: toBase64(key),
    ...(rangeEnd === undefined ? {} : { range_end: rangeEnd }),
    ...(options?.prevKv === true ? { prev_kv: true } : {}),
  };
}

const COMPARE_FIELD = { VERSION: 'version', CREATE: 'create_revision', MOD: 'mod_revision' } as const;

function encodeComparison(c: Comparison): Json {
  const head = { key: toBase64(c.key), target: c.target, result: c.result };
  if (c.target === 'VALUE') return { ...head, value: toBase64(c.value) };
  return { ...head, [COMPARE_FIELD[c.target]]: int64(c.number, COMPARE_FIELD[c.target]) };
}

function encodeOp(op: TxnOp): Json {
  switch (op.type) {
    case 'put':
      return { request_put: encodePut(op.key, op.value, op.options) };
    case 'range':
      return { request_range: encodeRange(op.key, op.options) };
    case 'delete':
      return { request_delete_range: encodeDelete(op.key, op.options) };
  }
}

export function encodeTxn(txn: TxnRequest): Json {
  return {
    compare: txn.compare.map(encodeComparison),
    success: txn.success.map(encodeOp),
    failure: txn.failure.map(encodeOp),
  };
}

/** Whether a transaction may write (then it is retried only under the exactly-once session). */
export function txnWrites(txn: TxnRequest): boolean {
  return [...txn.success, ...txn.failure].some((op) => op.type !== 'range');
}

// ---- decoding ----

function bad(what: string): never {
  throw new KvResponseError(`malformed response: ${what}`);
}

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(`${what} is not an object`);
  return value as Json;
}

function array(value: unknown, what: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) bad(`${what} is not an array`);
  return value;
}

/** An int64 field: etcd sends decimal strings (and a client may meet plain numbers); absent means 0. */
function count(value: unknown, what: string): number {
  if (value === undefined) return 0;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) bad(`${what} is not an integer`);
  return n;
}

/** A uint64 id, kept as its decimal string (it may exceed 2^53). */
function id(value: unknown, what: string): string {
  if (value === undefined) return '';
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) bad(`${what} is not an id`);
  return value;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (typeof value !== 'string') bad(`${what} is not base64`);
  return fromBase64(value) ?? bad(`${what} is not base64`);
}

function flag(value: unknown, what: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') bad(`${what} is not a boolean`);
  return value;
}

export function decodeHeader(value: unknown): ResponseHeader {
  const h = value === undefined ? {} : object(value, 'header');
  return {
    clusterId: id(h.cluster_id, 'header.cluster_id'),
    memberId: id(h.member_id, 'header.member_id'),
    revision: count(h.revision, 'header.revision'),
    raftTerm: count(h.raft_term, 'header.raft_term'),
  };
}

export function decodeKeyValue(value: unknown): KeyValue {
  const kv = object(value, 'kv');
  return {
    key: bytes(kv.key, 'kv.key'),
    value: bytes(kv.value, 'kv.value'),
    createRevision: count(kv.create_revision, 'kv.create_revision'),
    modRevision: count(kv.mod_revision, 'kv.mod_revision'),
    version: count(kv.version, 'kv.version'),
  };
}

export function decodePut(value: unknown): PutResult {
  const body = object(value, 'put response');
  const header = decodeHeader(body.header);
  return body.prev_kv === undefined ? { header } : { header, prevKv: decodeKeyValue(body.prev_kv) };
}

export function decodeRange(value: unknown): RangeResult {
  const body = object(value, 'range response');
  return {
    header: decodeHeader(body.header),
    kvs: array(body.kvs, 'kvs').map(decodeKeyValue),
    count: count(body.count, 'count'),
    more: flag(body.more, 'more'),
  };
}

export function decodeDelete(value: unknown): DeleteResult {
  const body = object(value, 'deleterange response');
  return {
    header: decodeHeader(body.header),
    deleted: count(body.deleted, 'deleted'),
    prevKvs: array(body.prev_kvs, 'prev_kvs').map(decodeKeyValue),
  };
}

function decodeTxnResponse(value: unknown): TxnResponse {
  const r = object(value, 'txn response');
  if (r.response_put !== undefined) return { type: 'put', result: decodePut(r.response_put) };
  if (r.response_range !== undefined) return { type: 'range', result: decodeRange(r.response_range) };
  if (r.response_delete_range !== undefined) {
    return { type: 'delete', result: decodeDelete(r.response_delete_range) };
  }
  return bad('a txn response holds no response_put, response_range or response_delete_range');
}

export function decodeTxn(value: unknown): TxnResult {
  const body = object(value, 'txn response');
  return {
    header: decodeHeader(body.header),
    succeeded: flag(body.succeeded, 'succeeded'),
    responses: array(body.responses, 'responses').map(decodeTxnResponse),
  };
}
