import { Failures } from './errors.js';
import { compareBytes, keyString } from './key-bytes.js';
import { SortedKeys } from './sorted-keys.js';
import type {
  Compare,
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdFailure,
  KeyRange,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
  WriteOutcome,
  WriteRequest,
} from './types.js';

/** The revision of an empty store, as in etcd: the first write is revision 2. */
export const INITIAL_REVISION = 1;

/**
 * The etcd-style key/value store: the keys in byte order, each with its value and revisions, and the one
 * cluster-wide revision that every write transaction advances by exactly one (a put always; a delete only when it
 * deletes something; a txn once if any of its writes did, all its writes sharing that revision). No history is
 * kept (no MVCC): a read sees the latest revision only.
 */
export class EtcdStore {
  /** The keys, as key strings (see keyString), in order. */
  private readonly sorted = new SortedKeys();
  private readonly byKey = new Map<string, KeyValue>();
  private rev = INITIAL_REVISION;

  /** The store's current revision. */
  get revision(): number {
    return this.rev;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every key/value in key order (for snapshots). */
  all(): readonly KeyValue[] {
    return this.sorted.all().map((k) => this.byKey.get(k) as KeyValue);
  }

  /** Replaces the whole content (a snapshot restore); `kvs` must be in key order with distinct keys. */
  load(revision: number, kvs: readonly KeyValue[]): void {
    this.rev = revision;
    this.byKey.clear();
    this.sorted.load(
      kvs.map((kv) => {
        const k = keyString(kv.key);
        this.byKey.set(k, kv);
        return k;
      }),
    );
  }

  /** A read outside any write, at the latest revision. */
  range(request: RangeRequest): { ok: true; response: RangeResponse } | { ok: false; error: EtcdFailure } {
    const error = checkRevision(request.revision, this.rev);
    if (error !== null) return { ok: false, error };
    return { ok: true, response: this.read(request, this.rev) };
  }

  /** Applies one write (the request was validated by the caller, but anything still wrong fails cleanly). */
  write(write: WriteRequest): WriteOutcome {
    switch (write.type) {
      case 'put': {
        if (write.request.ignoreValue && !this.byKey.has(keyString(write.request.key))) {
          return { ok: false, error: Failures.keyNotFound };
        }
        this.rev++;
        return { ok: true, response: { type: 'put', response: this.put(write.request, this.rev) } };
      }
      case 'deleteRange': {
        const response = this.deleteRange(write.request, this.rev + 1);
        if (response.deleted > 0) this.rev++;
        return { ok: true, response: { type: 'deleteRange', response } };
      }
      case 'txn':
        return this.txn(write.request);
    }
  }

  // ---------------------------------------------------------------- operations

  private txn(request: TxnRequest): WriteOutcome {
    const succeeded = request.compare.every((c) => this.compare(c));
    const ops = succeeded ? request.success : request.failure;
    // Everything that could refuse the txn is checked before anything is written: a txn applies whole or not at all.
    for (const op of ops) {
      const error = this.precheck(op);
      if (error !== null) return { ok: false, error };
    }
    const writeRev = this.rev + 1;
    let wrote = false;
    const responses: ResponseOp[] = [];
    for (const op of ops) {
      // Reads in a txn see its earlier writes, at the txn's revision once it has written (etcd 3.4).
      const current = wrote ? writeRev : this.rev;
      switch (op.type) {
        case 'range':
          responses.push({ type: 'range', response: this.read(op.request, current) });
          break;
        case 'put':
          responses.push({ type: 'put', response: this.put(op.request, writeRev) });
          wrote = true;
          break;
        case 'deleteRange': {
          const response = this.deleteRange(op.request, writeRev);
          if (response.deleted > 0) wrote = true;
          responses.push({
            type: 'deleteRange',
            response: { ...response, revision: wrote ? writeRev : this.rev },
          });
          break;
        }
      }
    }
    if (wrote) this.rev = writeRev;
    const response: TxnResponse = { revision: this.rev, succeeded, responses };
    return { ok: true, response: { type: 'txn', response } };
  }

  private precheck(op: RequestOp): EtcdFailure | null {
    if (op.type === 'range') return checkRevision(op.request.revision, this.rev);
    if (op.type === 'put' && op.request.ignoreValue && !this.byKey.has(keyString(op.request.key))) {
      return Failures.keyNotFound;
    }
    return null;
  }

  private read(request: RangeRequest, revision: number): RangeResponse {
    const matched = this.select(request);
    const count = matched.length;
    if (request.countOnly) return { revision, kvs: [], more: false, count };
    const limited = request.limit > 0 && count > request.limit ? matched.slice(0, request.limit) : matched;
    const kvs = request.keysOnly ? limited.map((kv) => ({ ...kv, value: EMPTY })) : limited;
    return { revision, kvs, more: limited.length < count, count };
  }

  private put(request: PutRequest, revision: number): PutResponse {
    const k = keyString(request.key);
    const prev = this.byKey.get(k);
    const value = request.ignoreValue && prev !== undefined ? prev.value : request.value;
    this.byKey.set(k, {
      key: request.key,
      value,
      createRevision: prev?.createRevision ?? revision,
      modRevision: revision,
      version: (prev?.version ?? 0) + 1,
    });
    if (prev === undefined) this.sorted.insert(k);
    return { revision, prevKv: request.prevKv ? (prev ?? null) : null };
  }

  /** Deletes the range; `revision` is what the response reports if something was deleted. */
  private deleteRange(request: DeleteRangeRequest, revision: number): DeleteRangeResponse {
    const removed = this.keysIn(request);
    const prevKvs: KeyValue[] = [];
    for (const k of removed) {
      if (request.prevKv) prevKvs.push(this.byKey.get(k) as KeyValue);
      this.byKey.delete(k);
      this.sorted.delete(k);
    }
    return { revision: removed.length > 0 ? revision : this.rev, deleted: removed.length, prevKvs };
  }

  /**
   * etcd's compare: every key in the range must satisfy it. With no key, VALUE compares fail, and the other
   * targets compare against a missing key's zeros (version, create and mod revision 0).
   */
  private compare(c: Compare): boolean {
    const kvs = this.select(c);
    if (kvs.length === 0) return c.target === 'VALUE' ? false : compareOne(c, MISSING);
    return kvs.every((kv) => compareOne(c, kv));
  }

  // ---------------------------------------------------------------- ranges

  private select(range: KeyRange): KeyValue[] {
    if (range.rangeEnd.length === 0) {
      // One key: the map answers without a search of the order.
      const kv = this.byKey.get(keyString(range.key));
      return kv === undefined ? [] : [kv];
    }
    return this.keysIn(range).map((k) => this.byKey.get(k) as KeyValue);
  }

  /** The key strings in `range`, in order, by etcd's rules for range_end. */
  private keysIn(range: KeyRange): string[] {
    const k = keyString(range.key);
    if (range.rangeEnd.length === 0) return this.byKey.has(k) ? [k] : [];
    if (range.rangeEnd.length === 1 && range.rangeEnd[0] === 0) return this.sorted.range(k, null);
    return this.sorted.range(k, keyString(range.rangeEnd));
  }
}

const EMPTY = new Uint8Array(0);
const MISSING: KeyValue = { key: EMPTY, value: EMPTY, createRevision: 0, modRevision: 0, version: 0 };

function compareOne(c: Compare, kv: KeyValue): boolean {
  let order: number;
  if (c.target === 'VALUE') {
    order = compareBytes(kv.value, c.operand instanceof Uint8Array ? c.operand : EMPTY);
  } else {
    const field =
      c.target === 'VERSION' ? kv.version : c.target === 'CREATE' ? kv.createRevision : kv.modRevision;
    const operand = typeof c.operand === 'number' ? c.operand : 0;
    order = field - operand;
  }
  switch (c.result) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER':
      return order > 0;
    case 'LESS':
      return order < 0;
  }
}

/** No history is kept: a read at any revision but the latest (or 0, the latest) is refused as etcd would. */
function checkRevision(requested: number, current: number): EtcdFailure | null {
  if (requested === 0 || requested === current) return null;
  return requested > current ? Failures.futureRevision : Failures.compactedRevision;
}
