import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBase64, prefixEnd, toText } from './bytes.js';
import { KvResponseError } from './errors.js';
import { compare, op } from './txn.js';
import {
  decodeDelete,
  decodePut,
  decodeRange,
  decodeTxn,
  encodeDelete,
  encodePut,
  encodeRange,
  encodeTxn,
  txnWrites,
} from './wire.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

void describe('request encoding (etcd 3.4 JSON gateway)', () => {
  it('puts: base64 key and value, prev_kv only when asked', () => {
    assert.deepEqual(encodePut('foo', 'bar'), { key: 'Zm9v', value: 'YmFy' });
    assert.deepEqual(encodePut(new Uint8Array([0, 255]), '', { prevKv: true }), {
      key: 'AP8=',
      value: '',
      prev_kv: true,
    });
  });

  it('ranges: range_end from a prefix or given, int64 limit as a string, flags only when set', () => {
    assert.deepEqual(encodeRange('k'), { key: b64('k') });
    assert.deepEqual(encodeRange('a/', { prefix: true, limit: 10, serializable: true, keysOnly: true }), {
      key: b64('a/'),
      range_end: b64('a0'),
      limit: '10',
      serializable: true,
      keys_only: true,
    });
    assert.deepEqual(encodeRange('a', { rangeEnd: 'c', countOnly: true, limit: 0 }), {
      key: b64('a'),
      range_end: b64('c'),
      count_only: true,
    });
    assert.throws(() => encodeRange('a', { prefix: true, rangeEnd: 'b' }), /either prefix or rangeEnd/);
    assert.throws(() => encodeRange('a', { limit: -1 }), /non-negative integer/);
    assert.throws(() => encodeRange('a', { limit: 1.5 }), /non-negative integer/);
  });

  it('deletes: one key or a prefix, prev_kv when asked', () => {
    assert.deepEqual(encodeDelete('x', { prefix: true, prevKv: true }), {
      key: b64('x'),
      range_end: b64('y'),
      prev_kv: true,
    });
  });

  it('txns: comparisons by target with the matching field, ops wrapped as request_*', () => {
    const txn = {
      compare: [
        compare.value('k', '==', 'v'),
        compare.version('k', '>', 0),
        compare.createRevision('k', '<', 5),
        compare.modRevision('k', '!=', 7),
      ],
      success: [op.put('k', 'w', { prevKv: true }), op.get('k')],
      failure: [op.delete('k'), op.get('p', { prefix: true })],
    };
    assert.deepEqual(encodeTxn(txn), {
      compare: [
        { key: b64('k'), target: 'VALUE', result: 'EQUAL', value: b64('v') },
        { key: b64('k'), target: 'VERSION', result: 'GREATER', version: '0' },
        { key: b64('k'), target: 'CREATE', result: 'LESS', create_revision: '5' },
        { key: b64('k'), target: 'MOD', result: 'NOT_EQUAL', mod_revision: '7' },
      ],
      success: [
        { request_put: { key: b64('k'), value: b64('w'), prev_kv: true } },
        { request_range: { key: b64('k') } },
      ],
      failure: [
        { request_delete_range: { key: b64('k') } },
        { request_range: { key: b64('p'), range_end: b64('q') } },
      ],
    });
    assert.equal(txnWrites(txn), true);
    assert.equal(txnWrites({ compare: [], success: [op.get('a')], failure: [] }), false);
  });

  it('prefix ends follow etcd: the last byte below 0xff incremented, all-0xff reads everything', () => {
    assert.deepEqual(prefixEnd(new Uint8Array([1, 0xff])), new Uint8Array([2]));
    assert.deepEqual(prefixEnd(new Uint8Array([0xff, 0xff])), new Uint8Array([0]));
    assert.deepEqual(prefixEnd(''), new Uint8Array([0]));
  });
});

void describe('response decoding', () => {
  // Answers as etcd 3.4.23's gateway gave them (zero fields omitted, int64 as strings).
  const header = {
    cluster_id: '324952591200643719',
    member_id: '3319814642761637952',
    revision: '6',
    raft_term: '2',
  };
  const kv = { key: 'YQ==', create_revision: '5', mod_revision: '6', version: '2', value: 'dHdv' };

  it('keeps 64-bit ids exact as strings and revisions as numbers', () => {
    const put = decodePut({ header, prev_kv: { ...kv, value: 'b25l', version: '1', mod_revision: '5' } });
    assert.deepEqual(put.header, {
      clusterId: '324952591200643719',
      memberId: '3319814642761637952',
      revision: 6,
      raftTerm: 2,
    });
    assert.equal(toText(put.prevKv?.value ?? new Uint8Array()), 'one');
    assert.equal(put.prevKv?.version, 1);
    assert.equal(decodePut({ header }).prevKv, undefined);
  });

  it('ranges: omitted kvs, count and more mean none, 0 and false', () => {
    const empty = decodeRange({ header });
    assert.deepEqual([empty.kvs, empty.count, empty.more], [[], 0, false]);
    const one = decodeRange({ header, kvs: [kv], count: '3', more: true });
    assert.equal(one.count, 3);
    assert.equal(one.more, true);
    assert.deepEqual(one.kvs[0], {
      key: new Uint8Array([97]),
      value: new TextEncoder().encode('two'),
      createRevision: 5,
      modRevision: 6,
      version: 2,
    });
    // keys_only: no value field at all.
    assert.deepEqual(decodeRange({ kvs: [{ key: 'YQ==', version: '1' }] }).kvs[0]?.value, new Uint8Array());
  });

  it('deletes and txns', () => {
    const del = decodeDelete({ header, deleted: '1', prev_kvs: [kv] });
    assert.equal(del.deleted, 1);
    assert.equal(del.prevKvs.length, 1);
    const txn = decodeTxn({
      header,
      succeeded: true,
      responses: [
        { response_put: { header: { revision: '7' } } },
        { response_range: { header: { revision: '7' }, kvs: [kv], count: '1' } },
        { response_delete_range: { header: { revision: '7' } } },
      ],
    });
    assert.equal(txn.succeeded, true);
    assert.deepEqual(
      txn.responses.map((r) => [r.type, r.result.header.revision]),
      [
        ['put', 7],
        ['range', 7],
        ['delete', 7],
      ],
    );
    assert.equal(decodeTxn({ header }).succeeded, false);
  });

  it('refuses what is not etcd-shaped, with the field named', () => {
    const cases: [unknown, RegExp][] = [
      [null, /put response is not an object/],
      [{ header: { revision: 'x' } }, /header\.revision is not an integer/],
      [{ header: { revision: '99999999999999999999' } }, /header\.revision is not an integer/],
      [{ header: { member_id: '-1' } }, /header\.member_id is not an id/],
      [{ prev_kv: { key: 'not base64!' } }, /kv\.key is not base64/],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => decodePut(body),
        (e: unknown) => e instanceof KvResponseError && message.test(e.message),
      );
    }
    assert.throws(() => decodeRange({ kvs: {} }), /kvs is not an array/);
    assert.throws(() => decodeRange({ more: 'yes' }), /more is not a boolean/);
    assert.throws(() => decodeTxn({ responses: [{}] }), /holds no response_put/);
  });

  it('base64 decoding is strict', () => {
    assert.deepEqual(fromBase64('AP8='), new Uint8Array([0, 255]));
    assert.equal(fromBase64('AP8'), null);
    assert.equal(fromBase64('A P8='), null);
    assert.equal(fromBase64('AP-_'), null);
  });
});
