import { ByteReader, ByteWriter, DecodeError } from '../byte-codec.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  WriteOutcome,
  WriteRequest,
} from './types.js';

/*
 * The binary encoding of requests and responses shared by the command codec (requests travel through the log) and
 * the snapshot codec (the duplicate table keeps each client's latest outcome). Integers are unsigned varints (a
 * sign byte first where the proto allows negatives), byte strings are length-prefixed, and booleans are packed in
 * a flags byte.
 */

const TARGETS: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE'];
const RESULTS: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const OP_RANGE = 0;
const OP_PUT = 1;
const OP_DELETE = 2;
const OP_TXN = 3;

export function writeBytes(w: ByteWriter, b: Uint8Array): void {
  w.uvarint(b.length);
  w.bytes(b);
}

/** Reads a byte string as a copy, so that what is kept does not pin the whole entry or snapshot buffer. */
export function readBytes(r: ByteReader): Uint8Array {
  return r.bytes(r.uvarint()).slice();
}

function writeInt(w: ByteWriter, n: number): void {
  w.byte(n < 0 ? 1 : 0);
  w.uvarint(Math.abs(n));
}

function readInt(r: ByteReader): number {
  const negative = r.byte();
  const n = r.uvarint();
  if (negative > 1) throw new DecodeError(`bad sign byte ${negative}`);
  return negative === 1 ? -n : n;
}

function flags(...bits: boolean[]): number {
  return bits.reduce((acc, bit, i) => acc | (bit ? 1 << i : 0), 0);
}

function enumAt<T>(values: readonly T[], i: number, what: string): T {
  const v = values[i];
  if (v === undefined) throw new DecodeError(`unknown ${what} ${i}`);
  return v;
}

export function writeKeyValue(w: ByteWriter, kv: KeyValue): void {
  writeBytes(w, kv.key);
  writeBytes(w, kv.value);
  w.uvarint(kv.createRevision);
  w.uvarint(kv.modRevision);
  w.uvarint(kv.version);
}

export function readKeyValue(r: ByteReader): KeyValue {
  return {
    key: readBytes(r),
    value: readBytes(r),
    createRevision: r.uvarint(),
    modRevision: r.uvarint(),
    version: r.uvarint(),
  };
}

// ---------------------------------------------------------------- requests

function writeRange(w: ByteWriter, q: RangeRequest): void {
  writeBytes(w, q.key);
  writeBytes(w, q.rangeEnd);
  w.uvarint(q.limit);
  w.uvarint(q.revision);
  w.byte(flags(q.keysOnly, q.countOnly, q.serializable));
}

function readRange(r: ByteReader): RangeRequest {
  const key = readBytes(r);
  const rangeEnd = readBytes(r);
  const limit = r.uvarint();
  const revision = r.uvarint();
  const f = r.byte();
  return {
    key,
    rangeEnd,
    limit,
    revision,
    keysOnly: (f & 1) !== 0,
    countOnly: (f & 2) !== 0,
    serializable: (f & 4) !== 0,
  };
}

function writePut(w: ByteWriter, q: PutRequest): void {
  writeBytes(w, q.key);
  writeBytes(w, q.value);
  w.byte(flags(q.prevKv, q.ignoreValue));
}

function readPut(r: ByteReader): PutRequest {
  const key = readBytes(r);
  const value = readBytes(r);
  const f = r.byte();
  return { key, value, prevKv: (f & 1) !== 0, ignoreValue: (f & 2) !== 0 };
}

function writeDelete(w: ByteWriter, q: DeleteRangeRequest): void {
  writeBytes(w, q.key);
  writeBytes(w, q.rangeEnd);
  w.byte(flags(q.prevKv));
}

function readDelete(r: ByteReader): DeleteRangeRequest {
  const key = readBytes(r);
  const rangeEnd = readBytes(r);
  return { key, rangeEnd, prevKv: (r.byte() & 1) !== 0 };
}

function writeCompare(w: ByteWriter, c: Compare): void {
  writeBytes(w, c.key);
  writeBytes(w, c.rangeEnd);
  w.byte(TARGETS.indexOf(c.target));
  w.byte(RESULTS.indexOf(c.result));
  if (c.operand instanceof Uint8Array) writeBytes(w, c.operand);
  else writeInt(w, c.operand);
}

function readCompare(r: ByteReader): Compare {
  const key = readBytes(r);
  const rangeEnd = readBytes(r);
  const target = enumAt(TARGETS, r.byte(), 'compare target');
  const result = enumAt(RESULTS, r.byte(), 'compare result');
  const operand = target === 'VALUE' ? readBytes(r) : readInt(r);
  return { key, rangeEnd, target, result, operand };
}

function writeRequestOp(w: ByteWriter, op: RequestOp): void {
  switch (op.type) {
    case 'range':
      w.byte(OP_RANGE);
      writeRange(w, op.request);
      break;
    case 'put':
      w.byte(OP_PUT);
      writePut(w, op.request);
      break;
    case 'deleteRange':
      w.byte(OP_DELETE);
      writeDelete(w, op.request);
      break;
  }
}

function readRequestOp(r: ByteReader): RequestOp {
  const type = r.byte();
  if (type === OP_RANGE) return { type: 'range', request: readRange(r) };
  if (type === OP_PUT) return { type: 'put', request: readPut(r) };
  if (type === OP_DELETE) return { type: 'deleteRange', request: readDelete(r) };
  throw new DecodeError(`unknown request op ${type}`);
}

function writeList<T>(w: ByteWriter, items: readonly T[], each: (w: ByteWriter, item: T) => void): void {
  w.uvarint(items.length);
  for (const item of items) each(w, item);
}

function readList<T>(r: ByteReader, each: (r: ByteReader) => T): T[] {
  const n = r.uvarint();
  // Every item takes at least one byte: a count beyond what is left is corrupt, not a reason to allocate.
  if (n > r.remaining) throw new DecodeError(`list of ${n} items in ${r.remaining} bytes`);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(each(r));
  return out;
}

export function writeWrite(w: ByteWriter, write: WriteRequest): void {
  switch (write.type) {
    case 'put':
      w.byte(OP_PUT);
      writePut(w, write.request);
      break;
    case 'deleteRange':
      w.byte(OP_DELETE);
      writeDelete(w, write.request);
      break;
    case 'txn':
      w.byte(OP_TXN);
      writeList(w, write.request.compare, writeCompare);
      writeList(w, write.request.success, writeRequestOp);
      writeList(w, write.request.failure, writeRequestOp);
      break;
  }
}

export function readWrite(r: ByteReader): WriteRequest {
  const type = r.byte();
  if (type === OP_PUT) return { type: 'put', request: readPut(r) };
  if (type === OP_DELETE) return { type: 'deleteRange', request: readDelete(r) };
  if (type === OP_TXN) {
    const request: TxnRequest = {
      compare: readList(r, readCompare),
      success: readList(r, readRequestOp),
      failure: readList(r, readRequestOp),
    };
    return { type: 'txn', request };
  }
  throw new DecodeError(`unknown write ${type}`);
}

// ---------------------------------------------------------------- responses

function writeRangeResponse(w: ByteWriter, p: RangeResponse): void {
  w.uvarint(p.revision);
  w.uvarint(p.count);
  w.byte(flags(p.more));
  writeList(w, p.kvs, writeKeyValue);
}

function readRangeResponse(r: ByteReader): RangeResponse {
  const revision = r.uvarint();
  const count = r.uvarint();
  const more = (r.byte() & 1) !== 0;
  return { revision, count, more, kvs: readList(r, readKeyValue) };
}

function writePutResponse(w: ByteWriter, p: PutResponse): void {
  w.uvarint(p.revision);
  w.byte(p.prevKv === null ? 0 : 1);
  if (p.prevKv !== null) writeKeyValue(w, p.prevKv);
}

function readPutResponse(r: ByteReader): PutResponse {
  const revision = r.uvarint();
  return { revision, prevKv: r.byte() === 1 ? readKeyValue(r) : null };
}

function writeDeleteResponse(w: ByteWriter, p: DeleteRangeResponse): void {
  w.uvarint(p.revision);
  w.uvarint(p.deleted);
  writeList(w, p.prevKvs, writeKeyValue);
}

function readDeleteResponse(r: ByteReader): DeleteRangeResponse {
  return { revision: r.uvarint(), deleted: r.uvarint(), prevKvs: readList(r, readKeyValue) };
}

function writeResponseOp(w: ByteWriter, op: ResponseOp): void {
  switch (op.type) {
    case 'range':
      w.byte(OP_RANGE);
      writeRangeResponse(w, op.response);
      break;
    case 'put':
      w.byte(OP_PUT);
      writePutResponse(w, op.response);
      break;
    case 'deleteRange':
      w.byte(OP_DELETE);
      writeDeleteResponse(w, op.response);
      break;
  }
}

function readResponseOp(r: ByteReader): ResponseOp {
  const type = r.byte();
  if (type === OP_RANGE) return { type: 'range', response: readRangeResponse(r) };
  if (type === OP_PUT) return { type: 'put', response: readPutResponse(r) };
  if (type === OP_DELETE) return { type: 'deleteRange', response: readDeleteResponse(r) };
  throw new DecodeError(`unknown response op ${type}`);
}

export function writeOutcome(w: ByteWriter, outcome: WriteOutcome): void {
  if (!outcome.ok) {
    w.byte(0);
    w.uvarint(outcome.error.code);
    w.string(outcome.error.message);
    return;
  }
  w.byte(1);
  const response = outcome.response;
  switch (response.type) {
    case 'put':
      w.byte(OP_PUT);
      writePutResponse(w, response.response);
      break;
    case 'deleteRange':
      w.byte(OP_DELETE);
      writeDeleteResponse(w, response.response);
      break;
    case 'txn':
      w.byte(OP_TXN);
      w.uvarint(response.response.revision);
      w.byte(flags(response.response.succeeded));
      writeList(w, response.response.responses, writeResponseOp);
      break;
  }
}

export function readOutcome(r: ByteReader): WriteOutcome {
  const ok = r.byte();
  if (ok === 0) return { ok: false, error: { code: r.uvarint(), message: r.string() } };
  if (ok !== 1) throw new DecodeError(`bad outcome flag ${ok}`);
  const type = r.byte();
  if (type === OP_PUT) return { ok: true, response: { type: 'put', response: readPutResponse(r) } };
  if (type === OP_DELETE) {
    return { ok: true, response: { type: 'deleteRange', response: readDeleteResponse(r) } };
  }
  if (type === OP_TXN) {
    const revision = r.uvarint();
    const succeeded = (r.byte() & 1) !== 0;
    const responses = readList(r, readResponseOp);
    return { ok: true, response: { type: 'txn', response: { revision, succeeded, responses } } };
  }
  throw new DecodeError(`unknown outcome ${type}`);
}

export { ByteReader, ByteWriter, DecodeError };
