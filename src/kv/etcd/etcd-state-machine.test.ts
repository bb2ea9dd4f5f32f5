// The assertions narrow union types (assert.ok(x.type === ...)) and then re-test them inline to reach fields:
// the linter sees those re-tests as redundant, which in a test they deliberately are.
/* eslint-disable @typescript-eslint/no-unnecessary-condition */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from '../crc32.js';
import { CorruptSnapshotError } from '../errors.js';
import {
  EtcdStateMachine,
  decodeCommand,
  encodeCommand,
  encodeEtcdSnapshot,
  encodeEtcdSnapshotSteps,
  type Compare,
  type EtcdCommand,
  type RangeRequest,
  type RequestOp,
  type WriteOutcome,
  type WriteRequest,
} from './index.js';

const te = new TextEncoder();
const td = new TextDecoder();
const b = (s: string): Uint8Array => te.encode(s);
const NONE = new Uint8Array(0);
const ZERO = new Uint8Array([0]);

function put(key: string, value: string, prevKv = false): WriteRequest {
  return { type: 'put', request: { key: b(key), value: b(value), prevKv, ignoreValue: false } };
}
function del(key: string, rangeEnd: Uint8Array = NONE, prevKv = false): WriteRequest {
  return { type: 'deleteRange', request: { key: b(key), rangeEnd, prevKv } };
}
function range(
  key: string | Uint8Array,
  rangeEnd: Uint8Array = NONE,
  extra: Partial<RangeRequest> = {},
): RangeRequest {
  return {
    key: typeof key === 'string' ? b(key) : key,
    rangeEnd,
    limit: 0,
    revision: 0,
    keysOnly: false,
    countOnly: false,
    serializable: false,
    ...extra,
  };
}
function op(w: WriteRequest): RequestOp {
  if (w.type === 'txn') throw new Error('no nested txn');
  return w;
}
function cmp(
  key: string,
  target: Compare['target'],
  result: Compare['result'],
  operand: number | string,
): Compare {
  return {
    key: b(key),
    rangeEnd: NONE,
    target,
    result,
    operand: typeof operand === 'string' ? b(operand) : operand,
  };
}

/** A state machine with a helper that applies the next entry. */
class Harness {
  readonly sm = new EtcdStateMachine();
  private index = 0;
  write(write: WriteRequest, session: EtcdCommand['session'] = null): WriteOutcome {
    const applied = this.sm.apply(++this.index, encodeCommand({ origin: NONE, session, write }));
    assert.equal(applied.kind, 'applied');
    return applied.kind === 'applied' ? applied.outcome : assert.fail();
  }
  keys(r: RangeRequest = range(ZERO, ZERO)): string[] {
    const res = this.sm.range(r);
    assert.ok(res.ok);
    return res.ok ? res.response.kvs.map((kv) => `${td.decode(kv.key)}=${td.decode(kv.value)}`) : [];
  }
}

function ok(outcome: WriteOutcome): Extract<WriteOutcome, { ok: true }>['response'] {
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return outcome.response;
}

describe('EtcdStateMachine', () => {
  it('counts revisions as etcd does: 1 when empty, +1 per put, per effective delete, per writing txn', () => {
    const h = new Harness();
    assert.equal(h.sm.revision, 1);
    const first = ok(h.write(put('a', '1')));
    assert.deepEqual(first.type === 'put' && first.response.revision, 2);
    h.write(put('a', '2'));
    assert.equal(h.sm.revision, 3);
    h.write(del('missing'));
    assert.equal(h.sm.revision, 3, 'a delete that deletes nothing does not advance the revision');
    const read = h.sm.range(range('a'));
    assert.ok(read.ok);
    const kv = read.ok ? read.response.kvs[0] : undefined;
    assert.deepEqual(
      kv && {
        create: kv.createRevision,
        mod: kv.modRevision,
        version: kv.version,
        value: td.decode(kv.value),
      },
      { create: 2, mod: 3, version: 2, value: '2' },
    );
    h.write(del('a'));
    assert.equal(h.sm.revision, 4);
    h.write(put('a', 'again'));
    const again = h.sm.range(range('a'));
    assert.ok(again.ok);
    const kv2 = again.ok ? again.response.kvs[0] : undefined;
    assert.deepEqual(
      kv2 && [kv2.createRevision, kv2.modRevision, kv2.version],
      [5, 5, 1],
      'a delete resets the key',
    );
  });

  it('reads ranges by etcd rules: one key, [key, end), key.. with "\\0", everything with "\\0".."\\0"', () => {
    const h = new Harness();
    for (const k of ['a', 'b', 'ba', 'c', 'd']) h.write(put(k, k.toUpperCase()));
    assert.deepEqual(h.keys(range('b')), ['b=B']);
    assert.deepEqual(h.keys(range('bb')), []);
    assert.deepEqual(h.keys(range('b', b('c'))), ['b=B', 'ba=BA']);
    assert.deepEqual(h.keys(range('c', ZERO)), ['c=C', 'd=D']);
    assert.deepEqual(h.keys(range(ZERO, ZERO)), ['a=A', 'b=B', 'ba=BA', 'c=C', 'd=D']);
    assert.deepEqual(h.keys(range('c', b('a'))), [], 'an end before the key is empty');
    const limited = h.sm.range(range('a', ZERO, { limit: 2 }));
    assert.ok(
      limited.ok &&
        limited.response.more &&
        limited.response.count === 5 &&
        limited.response.kvs.length === 2,
    );
    const exact = h.sm.range(range('a', ZERO, { limit: 5 }));
    assert.ok(exact.ok && !exact.response.more);
    const counted = h.sm.range(range('a', ZERO, { countOnly: true }));
    assert.ok(counted.ok && counted.response.count === 5 && counted.response.kvs.length === 0);
    const keysOnly = h.sm.range(range('a', b('b'), { keysOnly: true }));
    assert.ok(keysOnly.ok && keysOnly.response.kvs[0]?.value.length === 0);
  });

  it('orders keys bytewise, including bytes above 0x7f', () => {
    const h = new Harness();
    const high = new Uint8Array([0xff]);
    h.sm.apply(
      1,
      encodeCommand({
        origin: NONE,
        session: null,
        write: { type: 'put', request: { key: high, value: b('x'), prevKv: false, ignoreValue: false } },
      }),
    );
    h.sm.apply(2, encodeCommand({ origin: NONE, session: null, write: put('z', 'y') }));
    const all = h.sm.range(range(ZERO, ZERO));
    assert.ok(all.ok);
    assert.deepEqual(all.ok && all.response.kvs.map((kv) => [...kv.key]), [[0x7a], [0xff]]);
  });

  it('answers prev_kv on put and deleterange, and deletes ranges', () => {
    const h = new Harness();
    const fresh = ok(h.write(put('k', 'v1', true)));
    assert.ok(fresh.type === 'put' && fresh.response.prevKv === null);
    const second = ok(h.write(put('k', 'v2', true)));
    assert.ok(second.type === 'put' && td.decode(second.response.prevKv?.value) === 'v1');
    h.write(put('k2', 'x'));
    h.write(put('l', 'y'));
    const deleted = ok(h.write(del('k', b('l'), true)));
    assert.ok(deleted.type === 'deleteRange');
    assert.equal(deleted.type === 'deleteRange' && deleted.response.deleted, 2);
    assert.deepEqual(
      deleted.type === 'deleteRange' && deleted.response.prevKvs.map((kv) => td.decode(kv.key)),
      ['k', 'k2'],
    );
    assert.deepEqual(h.keys(), ['l=y']);
  });

  it('refuses ignore_value on a missing key and reads at another revision, changing nothing', () => {
    const h = new Harness();
    const refused = h.write({
      type: 'put',
      request: { key: b('x'), value: NONE, prevKv: false, ignoreValue: true },
    });
    assert.deepEqual(refused, { ok: false, error: { code: 3, message: 'etcdserver: key not found' } });
    assert.equal(h.sm.revision, 1);
    h.write(put('x', '1'));
    const kept = ok(
      h.write({ type: 'put', request: { key: b('x'), value: NONE, prevKv: false, ignoreValue: true } }),
    );
    assert.ok(kept.type === 'put');
    assert.deepEqual(h.keys(), ['x=1']);
    const future = h.sm.range(range('x', NONE, { revision: 99 }));
    assert.ok(!future.ok && future.error.message.includes('future revision'));
    const past = h.sm.range(range('x', NONE, { revision: 2 }));
    assert.ok(!past.ok && past.error.message.includes('compacted'));
  });

  it('runs txn compare-and-swap with etcd semantics for missing keys', () => {
    const h = new Harness();
    const txn = (compare: Compare[], success: WriteRequest[], failure: WriteRequest[] = []): WriteOutcome =>
      h.write({ type: 'txn', request: { compare, success: success.map(op), failure: failure.map(op) } });
    // Create-if-absent: version of a missing key is 0.
    const created = ok(txn([cmp('lock', 'VERSION', 'EQUAL', 0)], [put('lock', 'me')], [put('other', 'no')]));
    assert.ok(created.type === 'txn' && created.response.succeeded && created.response.revision === 2);
    const again = ok(txn([cmp('lock', 'VERSION', 'EQUAL', 0)], [put('lock', 'you')]));
    assert.ok(again.type === 'txn' && !again.response.succeeded);
    assert.equal(h.sm.revision, 2, 'a txn whose branch writes nothing does not advance the revision');
    // A value compare on a missing key fails whatever the operator.
    for (const result of ['EQUAL', 'NOT_EQUAL', 'GREATER', 'LESS'] as const) {
      const r = ok(txn([cmp('missing', 'VALUE', result, 'x')], [put('never', 'x')]));
      assert.ok(r.type === 'txn' && !r.response.succeeded, result);
    }
    // CAS on value, mod and create revision, then a read in the same txn sees the write at the txn's revision.
    const cas = ok(
      txn(
        [
          cmp('lock', 'VALUE', 'EQUAL', 'me'),
          cmp('lock', 'MOD', 'EQUAL', 2),
          cmp('lock', 'CREATE', 'LESS', 3),
          cmp('lock', 'VERSION', 'GREATER', 0),
        ],
        [
          put('lock', 'me2'),
          put('b', 'x'),
          { type: 'deleteRange', request: { key: b('zzz'), rangeEnd: NONE, prevKv: false } },
        ],
      ),
    );
    assert.ok(cas.type === 'txn' && cas.response.succeeded);
    assert.equal(h.sm.revision, 3, 'every write of one txn shares one revision');
    const check = h.sm.range(range('b'));
    assert.ok(check.ok && check.response.kvs[0]?.modRevision === 3);
    const withRead = h.write({
      type: 'txn',
      request: {
        compare: [cmp('lock', 'VALUE', 'NOT_EQUAL', 'me')],
        success: [op(put('lock', 'me3')), { type: 'range', request: range('lock') }],
        failure: [],
      },
    });
    const read = ok(withRead);
    assert.ok(read.type === 'txn');
    const rr = read.type === 'txn' ? read.response.responses[1] : undefined;
    assert.ok(
      rr?.type === 'range' && rr.response.revision === 4 && td.decode(rr.response.kvs[0]?.value) === 'me3',
    );
    // A failing range revision refuses the whole txn: nothing is written.
    const refused = h.write({
      type: 'txn',
      request: {
        compare: [],
        success: [op(put('z', '1')), { type: 'range', request: range('z', NONE, { revision: 100 }) }],
        failure: [],
      },
    });
    assert.ok(!refused.ok);
    assert.deepEqual(h.keys(range('z')), []);
    assert.equal(h.sm.revision, 4);
  });

  it('applies a client request once: a retry gets the recorded answer, an older one is refused', () => {
    const h = new Harness();
    const session = { clientId: 'c1', seq: 1 };
    const first = h.write(put('n', '1', true), session);
    const retry = h.sm.apply(2, encodeCommand({ origin: NONE, session, write: put('n', '1', true) }));
    assert.ok(retry.kind === 'applied' && retry.duplicate);
    assert.deepEqual(retry.kind === 'applied' && retry.outcome, first);
    assert.equal(h.sm.revision, 2, 'the retry did not run');
    // Index 2 was used by the retry above: continue from 3.
    const next = h.sm.apply(
      3,
      encodeCommand({ origin: NONE, session: { clientId: 'c1', seq: 2 }, write: put('n', '2') }),
    );
    assert.ok(next.kind === 'applied' && !next.duplicate && next.outcome.ok);
    const stale = h.sm.apply(4, encodeCommand({ origin: NONE, session, write: put('n', 'old') }));
    assert.ok(stale.kind === 'applied' && !stale.outcome.ok && stale.outcome.error.code === 9);
    assert.equal(h.sm.revision, 3);
  });

  it('skips no-ops and bytes that are not commands, and refuses out-of-order entries', () => {
    const sm = new EtcdStateMachine();
    assert.deepEqual(sm.apply(1, null), { kind: 'skipped' });
    assert.deepEqual(sm.apply(2, b('raw /propose bytes')), { kind: 'skipped' });
    assert.throws(() => sm.apply(4, null), /out of order/);
    assert.equal(sm.revision, 1);
  });

  it('round-trips commands, and decodes a truncated one as not a command', () => {
    const command: EtcdCommand = {
      origin: b('o'),
      session: { clientId: 'client-7', seq: 12 },
      write: {
        type: 'txn',
        request: {
          compare: [cmp('a', 'MOD', 'LESS', -1), cmp('a', 'VALUE', 'EQUAL', 'v')],
          success: [
            op(put('a', 'b', true)),
            { type: 'range', request: range('a', ZERO, { limit: 3, keysOnly: true }) },
          ],
          failure: [op(del('a', b('b'), true))],
        },
      },
    };
    const bytes = encodeCommand(command);
    assert.deepEqual(decodeCommand(bytes), command);
    for (let cut = 0; cut < bytes.length; cut++) assert.equal(decodeCommand(bytes.subarray(0, cut)), null);
  });

  it('snapshots everything (store, revision, sessions) and refuses a corrupt snapshot untouched', () => {
    const h = new Harness();
    h.write(put('a', '1'), { clientId: 'c', seq: 1 });
    h.write(put('b', '2', true));
    h.write(del('a'));
    const bytes = h.sm.snapshot();
    const copy = new EtcdStateMachine();
    copy.restore(bytes);
    assert.equal(copy.appliedIndex, 3);
    assert.equal(copy.revision, h.sm.revision);
    assert.deepEqual(copy.range(range(ZERO, ZERO)), h.sm.range(range(ZERO, ZERO)));
    assert.deepEqual(copy.snapshot(), bytes, 'the same state encodes to the same bytes');
    // The session survived: a retry of the client's write is answered, not run.
    const retry = copy.apply(
      4,
      encodeCommand({ origin: NONE, session: { clientId: 'c', seq: 1 }, write: put('a', '1') }),
    );
    assert.ok(retry.kind === 'applied' && retry.duplicate);
    assert.deepEqual(copy.range(range('a')), h.sm.range(range('a')));
    for (const i of [0, 5, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      const target = new EtcdStateMachine();
      assert.throws(() => {
        target.restore(bad);
      }, CorruptSnapshotError);
      assert.equal(target.appliedIndex, 0);
    }
    assert.throws(() => {
      new EtcdStateMachine().restore(bytes.subarray(0, 10));
    }, CorruptSnapshotError);
  });

  it('keeps at most maxSessions clients, forgetting the least recently active, in log order', () => {
    const sm = new EtcdStateMachine(3);
    let index = 0;
    const write = (clientId: string, seq: number): boolean => {
      const applied = sm.apply(
        ++index,
        encodeCommand({ origin: NONE, session: { clientId, seq }, write: put('k', clientId) }),
      );
      assert.equal(applied.kind, 'applied');
      return applied.kind === 'applied' && applied.duplicate;
    };
    for (const c of ['a', 'b', 'c']) write(c, 1);
    assert.equal(write('a', 1), true, "a's retry is answered from the table, and makes a the most recent");
    write('d', 1); // Four clients: b, the least recently active, is forgotten.
    assert.equal(sm.sessionCount, 3);
    assert.equal(write('a', 1), true, 'a is still known');
    assert.equal(write('b', 1), false, 'b was forgotten: its retry runs again');
  });

  it('a member restored from a snapshot forgets the same clients as one that applied the log', () => {
    const commands = ['a', 'b', 'c', 'a', 'd', 'e', 'b', 'f'].map((clientId, k) =>
      encodeCommand({ origin: NONE, session: { clientId, seq: k + 1 }, write: put('k', clientId) }),
    );
    const applied = new EtcdStateMachine(3);
    commands.forEach((c, k) => applied.apply(k + 1, c));
    const partway = new EtcdStateMachine(3);
    commands.slice(0, 5).forEach((c, k) => partway.apply(k + 1, c));
    const restored = new EtcdStateMachine(3);
    restored.restore(partway.snapshot());
    commands.slice(5).forEach((c, k) => restored.apply(k + 6, c));
    assert.deepEqual(restored.snapshot(), applied.snapshot(), 'the same state, byte for byte');
  });

  it('still reads a version 1 snapshot (sessions without lastIndex, by client id)', () => {
    const h = new Harness();
    h.write(put('a', '1'), { clientId: 'c', seq: 1 });
    const v2 = h.sm.snapshot();
    // Version 2 ends with the session's lastIndex (index 1: one byte) and the CRC; version 1 has neither field.
    const body = v2.slice(0, v2.length - 5);
    body[3] = 1;
    const v1 = new Uint8Array(body.length + 4);
    v1.set(body);
    new DataView(v1.buffer).setUint32(body.length, crc32(body));
    const copy = new EtcdStateMachine();
    copy.restore(v1);
    assert.equal(copy.sessionCount, 1);
    const retry = copy.apply(
      2,
      encodeCommand({ origin: NONE, session: { clientId: 'c', seq: 1 }, write: put('a', '1') }),
    );
    assert.ok(retry.kind === 'applied' && retry.duplicate, 'the session came through');
  });

  it('encodes a snapshot in steps (a pause every 2,000 keys) to the same bytes as in one go', () => {
    const h = new Harness();
    for (let i = 0; i < 5_000; i++) h.write(put(`k${i}`, 'v'), { clientId: `c${i % 7}`, seq: i + 1 });
    const state = h.sm.snapshotState();
    const steps = encodeEtcdSnapshotSteps(state);
    let pauses = 0;
    let step = steps.next();
    for (; step.done !== true; step = steps.next()) pauses++;
    assert.ok(pauses >= 3, `${pauses} pauses`);
    assert.deepEqual(step.value, h.sm.snapshot());
    h.write(put('k1', 'changed')); // A write after the view was taken does not reach it.
    const copy = new EtcdStateMachine();
    copy.restore(encodeEtcdSnapshot(state));
    assert.equal(copy.appliedIndex, 5_000);
    const read = copy.range(range('k1'));
    assert.ok(read.ok);
    assert.equal(td.decode(read.response.kvs[0]?.value), 'v');
  });
});
