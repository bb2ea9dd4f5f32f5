import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EtcdStore } from './etcd-store.js';
import type { KeyValue, WriteRequest } from './types.js';

// The store against a model written the obvious way (every key scanned and sorted on each call), under random
// sequences of puts, deletes and ranges over a few short keys, so that ranges overlap and keys come and go.

const te = new TextEncoder();
const td = new TextDecoder();

interface ModelKv {
  value: string;
  create: number;
  mod: number;
  version: number;
}

class Model {
  rev = 1;
  readonly kvs = new Map<string, ModelKv>();
  inRange(key: string, start: string, end: string): boolean {
    if (end === '') return key === start;
    if (end === '\0') return key >= start;
    return key >= start && key < end;
  }
  select(start: string, end: string): [string, ModelKv][] {
    return [...this.kvs].filter(([k]) => this.inRange(k, start, end)).sort(([a], [b]) => (a < b ? -1 : 1));
  }
  put(key: string, value: string): void {
    this.rev++;
    const prev = this.kvs.get(key);
    this.kvs.set(key, {
      value,
      create: prev?.create ?? this.rev,
      mod: this.rev,
      version: (prev?.version ?? 0) + 1,
    });
  }
  del(start: string, end: string): number {
    const doomed = this.select(start, end);
    if (doomed.length > 0) this.rev++;
    for (const [k] of doomed) this.kvs.delete(k);
    return doomed.length;
  }
}

const key = fc.constantFrom('a', 'aa', 'ab', 'b', 'ba', 'c');
const end = fc.constantFrom('', '\0', 'a', 'ab', 'b', 'bb', 'c', 'd');
const op = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key, value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('del' as const), key, end }),
  fc.record({ kind: fc.constant('range' as const), key, end, limit: fc.nat(3) }),
);

const show = (kv: KeyValue): string =>
  `${td.decode(kv.key)}=${td.decode(kv.value)}@${kv.createRevision}/${kv.modRevision}/v${kv.version}`;
const showModel = ([k, kv]: [string, ModelKv]): string =>
  `${k}=${kv.value}@${kv.create}/${kv.mod}/v${kv.version}`;

describe('EtcdStore against a naive model', () => {
  it('agrees on every range, count, revision and version', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const store = new EtcdStore();
        const model = new Model();
        for (const o of ops) {
          if (o.kind === 'put') {
            const w: WriteRequest = {
              type: 'put',
              request: {
                key: te.encode(o.key),
                value: te.encode(o.value),
                prevKv: false,
                ignoreValue: false,
              },
            };
            assert.ok(store.write(w).ok);
            model.put(o.key, o.value);
          } else if (o.kind === 'del') {
            const w: WriteRequest = {
              type: 'deleteRange',
              request: { key: te.encode(o.key), rangeEnd: te.encode(o.end), prevKv: false },
            };
            const outcome = store.write(w);
            const deleted = model.del(o.key, o.end);
            assert.ok(outcome.ok && outcome.response.type === 'deleteRange');
            assert.equal(outcome.response.response.deleted, deleted);
          } else {
            const r = store.range({
              key: te.encode(o.key),
              rangeEnd: te.encode(o.end),
              limit: o.limit,
              revision: 0,
              keysOnly: false,
              countOnly: false,
              serializable: false,
            });
            const expected = model.select(o.key, o.end);
            assert.ok(r.ok);
            const limited = o.limit > 0 ? expected.slice(0, o.limit) : expected;
            assert.deepEqual(r.response.kvs.map(show), limited.map(showModel));
            assert.equal(r.response.count, expected.length);
            assert.equal(r.response.more, limited.length < expected.length);
          }
          assert.equal(store.revision, model.rev);
          assert.equal(store.size, model.kvs.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
