import {
  Failures,
  GrpcCode,
  keyString,
  type Compare,
  type CompareResult,
  type CompareTarget,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
} from '../kv/etcd/index.js';
import { GatewayError } from './gateway-error.js';

/*
 * etcd 3.4's JSON gateway mapping (grpc-gateway v1 with jsonpb, OrigName): fields by their proto names (the
 * lowerCamelCase JSON names are accepted too, as jsonpb does), bytes as base64, int64 as strings (numbers are
 * accepted on input), enums by name or number, and fields with zero values omitted from responses. Unknown fields
 * are ignored, as the gateway does; a known field of the wrong type is a 400.
 */

/** etcd's limit on the operations of one txn (--max-txn-ops). */
export const MAX_TXN_OPS = 128;

type Json = Record<string, unknown>;

/** Parses a request body into a JSON object (an empty body is the empty request, as in the gateway). */
export function parseBody(body: Uint8Array): Json {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw GatewayError.badRequest(`malformed JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw GatewayError.badRequest('the request body must be a JSON object');
  }
  return value as Json;
}

// ---------------------------------------------------------------- fields

/** The field by its proto name or its JSON (lowerCamelCase) name; null counts as absent, as in jsonpb. */
function field(obj: Json, name: string): unknown {
  const value = obj[name] ?? obj[camel(name)];
  return value ?? undefined;
}

const camelNames = new Map<string, string>();

function camel(name: string): string {
  let found = camelNames.get(name);
  if (found === undefined) {
    found = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(name, found);
  }
  return found;
}

function bytesField(obj: Json, name: string): Uint8Array {
  const value = field(obj, name);
  if (value === undefined) return new Uint8Array(0);
  if (typeof value !== 'string') throw GatewayError.badRequest(`field "${name}" must be a base64 string`);
  const bytes = decodeBase64(value);
  if (bytes === null) {
    throw GatewayError.badRequest(
      `field "${name}" is not valid base64: ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return bytes;
}

/**
 * Padded base64, as etcd's gateway (Go's encoding/json) takes it; the URL-safe alphabet is accepted too. Node's
 * decoder skips characters outside the alphabet and stops at a "=" inside the text, so the text is valid exactly
 * when it decodes to the length its size promises: checked without a pass over the text.
 */
function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length !== (text.length / 4) * 3 - padding) return null;
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
}

function intField(obj: Json, name: string, min = 0): number {
  const value = field(obj, name);
  if (value === undefined) return 0;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n)) throw GatewayError.badRequest(`field "${name}" must be an integer`);
  if (n < min) throw GatewayError.badRequest(`field "${name}" must be >= ${min}, got ${n}`);
  return n;
}

function boolField(obj: Json, name: string): boolean {
  const value = field(obj, name);
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw GatewayError.badRequest(`field "${name}" must be true or false`);
  return value;
}

function enumField<T extends string>(obj: Json, name: string, values: readonly T[]): T {
  const value = field(obj, name);
  if (value === undefined) return values[0] as T;
  const found = typeof value === 'number' ? values[value] : values.find((v) => v === value);
  if (found === undefined) {
    throw GatewayError.badRequest(
      `field "${name}" must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return found;
}

function objectField(obj: Json, name: string): Json | undefined {
  const value = field(obj, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw GatewayError.badRequest(`field "${name}" must be an object`);
  }
  return value as Json;
}

function listField(obj: Json, name: string): Json[] {
  const value = field(obj, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw GatewayError.badRequest(`field "${name}" must be a list`);
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw GatewayError.badRequest(`field "${name}"[${i}] must be an object`);
    }
    return item as Json;
  });
}

function requireKey(key: Uint8Array): void {
  if (key.length === 0) throw GatewayError.of(Failures.keyNotProvided);
}

// ---------------------------------------------------------------- requests

const SORT_ORDERS = ['NONE', 'ASCEND', 'DESCEND'] as const;
const SORT_TARGETS = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'] as const;

export function rangeRequest(obj: Json): RangeRequest {
  const request: RangeRequest = {
    key: bytesField(obj, 'key'),
    rangeEnd: bytesField(obj, 'range_end'),
    limit: intField(obj, 'limit'),
    revision: intField(obj, 'revision'),
    keysOnly: boolField(obj, 'keys_only'),
    countOnly: boolField(obj, 'count_only'),
    serializable: boolField(obj, 'serializable'),
  };
  requireKey(request.key);
  const order = enumField(obj, 'sort_order', SORT_ORDERS);
  const target = enumField(obj, 'sort_target', SORT_TARGETS);
  // Keys come back in key order; other orders are not implemented (refused rather than silently ignored).
  if (order === 'DESCEND' || (order === 'ASCEND' && target !== 'KEY')) {
    throw new GatewayError(
      GrpcCode.unimplemented,
      'raft-ts: only key order is supported (sort_order ASCEND, sort_target KEY)',
    );
  }
  for (const name of ['min_mod_revision', 'max_mod_revision', 'min_create_revision', 'max_create_revision']) {
    if (intField(obj, name) !== 0) {
      throw new GatewayError(GrpcCode.unimplemented, `raft-ts: ${name} is not supported`);
    }
  }
  return request;
}

export function putRequest(obj: Json): PutRequest {
  const request: PutRequest = {
    key: bytesField(obj, 'key'),
    value: bytesField(obj, 'value'),
    prevKv: boolField(obj, 'prev_kv'),
    ignoreValue: boolField(obj, 'ignore_value'),
  };
  requireKey(request.key);
  // No leases here: a put naming one names a lease that does not exist, as etcd would say.
  if (intField(obj, 'lease', Number.MIN_SAFE_INTEGER) !== 0) throw GatewayError.of(Failures.leaseNotFound);
  boolField(obj, 'ignore_lease');
  if (request.ignoreValue && request.value.length > 0) {
    throw GatewayError.badRequest('etcdserver: value is provided');
  }
  return request;
}

export function deleteRangeRequest(obj: Json): DeleteRangeRequest {
  const request: DeleteRangeRequest = {
    key: bytesField(obj, 'key'),
    rangeEnd: bytesField(obj, 'range_end'),
    prevKv: boolField(obj, 'prev_kv'),
  };
  requireKey(request.key);
  return request;
}

const TARGETS: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE'];
const RESULTS: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];

function compare(obj: Json): Compare {
  const target = enumField(obj, 'target', [...TARGETS, 'LEASE'] as const);
  if (target === 'LEASE') throw new GatewayError(GrpcCode.unimplemented, 'raft-ts: leases are not supported');
  const result = enumField(obj, 'result', RESULTS);
  const key = bytesField(obj, 'key');
  requireKey(key);
  const operand =
    target === 'VALUE'
      ? bytesField(obj, 'value')
      : intField(
          obj,
          target === 'VERSION' ? 'version' : target === 'CREATE' ? 'create_revision' : 'mod_revision',
          Number.MIN_SAFE_INTEGER,
        );
  return { key, rangeEnd: bytesField(obj, 'range_end'), target, result, operand };
}

function requestOp(obj: Json): RequestOp {
  const range = objectField(obj, 'request_range');
  const put = objectField(obj, 'request_put');
  const del = objectField(obj, 'request_delete_range');
  if (objectField(obj, 'request_txn') !== undefined) {
    throw new GatewayError(GrpcCode.unimplemented, 'raft-ts: nested txn is not supported');
  }
  const given = [range, put, del].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw GatewayError.badRequest(
      'a request op must hold exactly one of request_range, request_put, request_delete_range',
    );
  if (range !== undefined) return { type: 'range', request: rangeRequest(range) };
  if (put !== undefined) return { type: 'put', request: putRequest(put) };
  return { type: 'deleteRange', request: deleteRangeRequest(del as Json) };
}

export function txnRequest(obj: Json): TxnRequest {
  const request: TxnRequest = {
    compare: listField(obj, 'compare').map(compare),
    success: listField(obj, 'success').map(requestOp),
    failure: listField(obj, 'failure').map(requestOp),
  };
  if (Math.max(request.compare.length, request.success.length, request.failure.length) > MAX_TXN_OPS) {
    throw GatewayError.of(Failures.tooManyOps);
  }
  checkNoDuplicateWrites(request.success);
  checkNoDuplicateWrites(request.failure);
  return request;
}

/** etcd refuses a txn branch that writes one key twice (two puts, or a put inside a deleted range). */
function checkNoDuplicateWrites(ops: readonly RequestOp[]): void {
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.type !== 'put') continue;
    const k = keyString(op.request.key);
    if (puts.has(k)) throw GatewayError.of(Failures.duplicateKey);
    puts.add(k);
  }
  for (const op of ops) {
    if (op.type !== 'deleteRange') continue;
    const from = keyString(op.request.key);
    const end = op.request.rangeEnd;
    for (const k of puts) {
      const inside =
        end.length === 0
          ? k === from
          : k >= from && ((end.length === 1 && end[0] === 0) || k < keyString(end));
      if (inside) throw GatewayError.of(Failures.duplicateKey);
    }
  }
}

// ---------------------------------------------------------------- responses

/** What every response's header says besides the revision. */
export interface HeaderBase {
  readonly clusterId: string;
  readonly memberId: string;
  readonly raftTerm: number;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Sets `name` to `value` unless it is a zero value, as jsonpb omits them. */
function put(out: Json, name: string, value: unknown): void {
  if (value === 0 || value === false || value === '' || value === null || value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  out[name] = typeof value === 'number' ? String(value) : value;
}

export function header(base: HeaderBase, revision: number): Json {
  const out: Json = {};
  put(out, 'cluster_id', base.clusterId === '0' ? '' : base.clusterId);
  put(out, 'member_id', base.memberId === '0' ? '' : base.memberId);
  put(out, 'revision', revision);
  put(out, 'raft_term', base.raftTerm);
  return out;
}

export function keyValueJson(kv: KeyValue): Json {
  const out: Json = {};
  put(out, 'key', b64(kv.key));
  put(out, 'create_revision', kv.createRevision);
  put(out, 'mod_revision', kv.modRevision);
  put(out, 'version', kv.version);
  put(out, 'value', b64(kv.value));
  return out;
}

function rangeBody(r: RangeResponse): Json {
  const out: Json = {};
  put(out, 'kvs', r.kvs.map(keyValueJson));
  put(out, 'more', r.more);
  put(out, 'count', r.count);
  return out;
}

function putBody(r: PutResponse): Json {
  const out: Json = {};
  if (r.prevKv !== null) out.prev_kv = keyValueJson(r.prevKv);
  return out;
}

function deleteBody(r: DeleteRangeResponse): Json {
  const out: Json = {};
  put(out, 'deleted', r.deleted);
  put(out, 'prev_kvs', r.prevKvs.map(keyValueJson));
  return out;
}

export function rangeJson(base: HeaderBase, r: RangeResponse): Json {
  return { header: header(base, r.revision), ...rangeBody(r) };
}

export function putJson(base: HeaderBase, r: PutResponse): Json {
  return { header: header(base, r.revision), ...putBody(r) };
}

export function deleteRangeJson(base: HeaderBase, r: DeleteRangeResponse): Json {
  return { header: header(base, r.revision), ...deleteBody(r) };
}

/** A txn's nested responses carry a header with the revision alone, as etcd's do. */
function responseOpJson(op: ResponseOp): Json {
  const nested = (revision: number): Json => {
    const out: Json = {};
    put(out, 'revision', revision);
    return out;
  };
  switch (op.type) {
    case 'range':
      return { response_range: { header: nested(op.response.revision), ...rangeBody(op.response) } };
    case 'put':
      return { response_put: { header: nested(op.response.revision), ...putBody(op.response) } };
    case 'deleteRange':
      return {
        response_delete_range: { header: nested(op.response.revision), ...deleteBody(op.response) },
      };
  }
}

export function txnJson(base: HeaderBase, r: TxnResponse): Json {
  const out: Json = { header: header(base, r.revision) };
  put(out, 'succeeded', r.succeeded);
  put(out, 'responses', r.responses.map(responseOpJson));
  return out;
}
