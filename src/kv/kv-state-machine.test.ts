import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptSnapshotError, KvError } from './errors.js';
import { KvStateMachine } from './kv-state-machine.js';
import type { KvCommand, KvOp } from './types.js';

/** A state machine and a helper that applies client commands at consecutive indices. */
function machine() {
  const sm = new KvStateMachine();
  const run = (clientId: number, seq: number, op: KvOp) => {
    const command: KvCommand = { clientId, seq, op };
    return sm.apply(sm.appliedIndex + 1, command);
  };
  return { sm, run };
}

void describe('KvStateMachine', () => {
  void it('puts, appends (to a missing key as to ""), gets and deletes', () => {
    const { sm, run } = machine();
    assert.deepEqual(run(1, 1, { op: 'get', key: 'a' }), {
      status: 'applied',
      reply: { err: 'ErrNoKey', value: '' },
    });
    run(1, 2, { op: 'append', key: 'a', value: 'x' });
    run(1, 3, { op: 'append', key: 'a', value: 'y' });
    assert.deepEqual(sm.read('a'), { err: 'OK', value: 'xy' });
    run(1, 4, { op: 'put', key: 'a', value: 'z' });
    assert.deepEqual(run(1, 5, { op: 'get', key: 'a' }), {
      status: 'applied',
      reply: { err: 'OK', value: 'z' },
    });
    assert.deepEqual(run(1, 6, { op: 'delete', key: 'a' }), {
      status: 'applied',
      reply: { err: 'OK', value: '' },
    });
    assert.deepEqual(run(1, 7, { op: 'delete', key: 'a' }), {
      status: 'applied',
      reply: { err: 'ErrNoKey', value: '' },
    });
    assert.equal(sm.size, 0);
    assert.equal(sm.appliedIndex, 7);
  });

  void it('runs a retried write once and answers the retry with the first reply', () => {
    const { sm, run } = machine();
    assert.equal(run(7, 1, { op: 'append', key: 'k', value: 'a' }).status, 'applied');
    // The same request reaches the log again (resent to a new leader): it must not append twice.
    assert.deepEqual(run(7, 1, { op: 'append', key: 'k', value: 'a' }), {
      status: 'duplicate',
      reply: { err: 'OK', value: '' },
    });
    assert.equal(sm.read('k').value, 'a');
    // A delete's reply is remembered too: the retry sees OK, not the ErrNoKey a second run would give.
    run(7, 2, { op: 'delete', key: 'k' });
    assert.deepEqual(run(7, 2, { op: 'delete', key: 'k' }), {
      status: 'duplicate',
      reply: { err: 'OK', value: '' },
    });
  });

  void it('ignores a request older than its client’s latest write, and keeps clients apart', () => {
    const { sm, run } = machine();
    run(1, 5, { op: 'put', key: 'k', value: 'new' });
    assert.deepEqual(run(1, 4, { op: 'put', key: 'k', value: 'old' }), { status: 'stale' });
    assert.deepEqual(run(1, 3, { op: 'get', key: 'k' }), { status: 'stale' });
    // Another client's numbering is its own.
    assert.equal(run(2, 1, { op: 'append', key: 'k', value: '+' }).status, 'applied');
    assert.equal(sm.read('k').value, 'new+');
    assert.equal(sm.clients, 2);
  });

  void it('gets are not recorded: a get between writes does not make the next write look stale', () => {
    const { sm, run } = machine();
    run(1, 1, { op: 'put', key: 'k', value: 'a' });
    run(1, 2, { op: 'get', key: 'k' });
    assert.equal(run(1, 3, { op: 'append', key: 'k', value: 'b' }).status, 'applied');
    assert.equal(sm.read('k').value, 'ab');
  });

  void it('skips a malformed entry the same way everywhere, still advancing the applied index', () => {
    const { sm } = machine();
    for (const bad of [
      undefined,
      'put',
      { clientId: -1, seq: 1, op: { op: 'get', key: 'k' } },
      { clientId: 1, seq: 0 },
    ]) {
      const outcome = sm.apply(sm.appliedIndex + 1, bad);
      assert.equal(outcome.status, 'invalid');
    }
    assert.deepEqual(sm.apply(5, { clientId: 1, seq: 1, op: { op: 'put', key: 'k' } }), {
      status: 'invalid',
      reason: 'put needs a string value',
    });
    assert.equal(sm.appliedIndex, 5);
    assert.equal(sm.size, 0);
  });

  void it('skips a leader’s election no-op (null) alike on every replica: applied, no effect, dedup intact', () => {
    const replicas = [machine(), machine()];
    for (const { sm, run } of replicas) {
      run(1, 1, { op: 'put', key: 'k', value: 'a' });
      assert.deepEqual(sm.apply(2, null), { status: 'noop' });
      // A retry of the write before the no-op is still recognized; the next write still runs.
      assert.deepEqual(run(1, 1, { op: 'put', key: 'k', value: 'a' }), {
        status: 'duplicate',
        reply: { err: 'OK', value: '' },
      });
      assert.equal(run(1, 2, { op: 'append', key: 'k', value: 'b' }).status, 'applied');
      assert.deepEqual(sm.apply(5, null), { status: 'noop' });
      assert.equal(sm.appliedIndex, 5);
      assert.deepEqual(sm.read('k'), { err: 'OK', value: 'ab' });
      assert.equal(sm.clients, 1);
    }
    const [first, second] = replicas.map(({ sm }) => sm.snapshot());
    assert.deepEqual(first, second);
    const restored = KvStateMachine.fromSnapshot(first as Uint8Array);
    assert.equal(restored.appliedIndex, 5);
    assert.deepEqual(restored.apply(6, { clientId: 1, seq: 2, op: { op: 'append', key: 'k', value: 'b' } }), {
      status: 'duplicate',
      reply: { err: 'OK', value: '' },
    });
  });

  void it('refuses an entry out of order, changing nothing', () => {
    const { sm, run } = machine();
    run(1, 1, { op: 'put', key: 'k', value: 'v' });
    for (const index of [1, 3]) {
      assert.throws(
        () => sm.apply(index, { clientId: 1, seq: 2, op: { op: 'put', key: 'k', value: 'w' } }),
        (error: unknown) => error instanceof KvError && error.code === 'KV_APPLY_OUT_OF_ORDER',
      );
    }
    assert.equal(sm.appliedIndex, 1);
    assert.equal(sm.read('k').value, 'v');
  });

  void it('round-trips a snapshot: store, applied index and the duplicate table', () => {
    const { sm, run } = machine();
    run(3, 1, { op: 'put', key: 'b', value: 'β' });
    run(1, 1, { op: 'append', key: 'a', value: 'x' });
    run(2 ** 53 - 1, 9, { op: 'delete', key: 'nothing' });
    const restored = KvStateMachine.fromSnapshot(sm.snapshot());
    assert.equal(restored.appliedIndex, 3);
    assert.deepEqual(restored.read('a'), { err: 'OK', value: 'x' });
    assert.deepEqual(restored.read('b'), { err: 'OK', value: 'β' });
    // Duplicates are still caught after a restore, with their recorded replies.
    assert.deepEqual(restored.apply(4, { clientId: 1, seq: 1, op: { op: 'append', key: 'a', value: 'x' } }), {
      status: 'duplicate',
      reply: { err: 'OK', value: '' },
    });
    assert.deepEqual(
      restored.apply(5, { clientId: 2 ** 53 - 1, seq: 9, op: { op: 'delete', key: 'nothing' } }),
      {
        status: 'duplicate',
        reply: { err: 'ErrNoKey', value: '' },
      },
    );
    assert.equal(restored.read('a').value, 'x');
  });

  void it('encodes the same state to the same bytes, whatever order it was built in', () => {
    const one = machine();
    one.run(1, 1, { op: 'put', key: 'a', value: '1' });
    one.run(2, 1, { op: 'put', key: 'b', value: '2' });
    const two = machine();
    two.run(2, 1, { op: 'put', key: 'b', value: '2' });
    two.run(1, 1, { op: 'put', key: 'a', value: '1' });
    assert.deepEqual(two.sm.snapshot(), one.sm.snapshot());
  });

  void it('a corrupt snapshot raises CorruptSnapshotError and leaves the state as it was', () => {
    const { sm, run } = machine();
    run(1, 1, { op: 'put', key: 'k', value: 'v' });
    const good = sm.snapshot();
    const target = machine();
    target.run(9, 1, { op: 'put', key: 'mine', value: 'kept' });
    const flipped = good.slice();
    flipped[flipped.length - 6] = (flipped[flipped.length - 6] as number) ^ 1;
    for (const bad of [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      flipped,
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    ]) {
      assert.throws(() => {
        target.sm.restore(bad);
      }, CorruptSnapshotError);
    }
    assert.equal(target.sm.appliedIndex, 1);
    assert.deepEqual(target.sm.read('mine'), { err: 'OK', value: 'kept' });
  });
});
