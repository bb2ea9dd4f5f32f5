import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { casRegisterModel, type CasInput, type CasOutput } from './cas-register-model.js';
import { checkOperations, type PartitionResult } from './check.js';
import { InvalidHistoryError } from './errors.js';
import { kvModel, type KvInput, type KvOutput, type KvState } from './kv-model.js';
import type { Model, Operation } from './model.js';

type KvOp = Operation<KvInput, KvOutput>;

const put = (clientId: number, call: number, ret: number, key: string, value: string): KvOp => ({
  clientId,
  input: { op: 'put', key, value },
  call,
  output: { value: '' },
  return: ret,
});
const append = (clientId: number, call: number, ret: number, key: string, value: string): KvOp => ({
  clientId,
  input: { op: 'append', key, value },
  call,
  output: { value: '' },
  return: ret,
});
const get = (clientId: number, call: number, ret: number, key: string, value: string): KvOp => ({
  clientId,
  input: { op: 'get', key },
  call,
  output: { value },
  return: ret,
});
const del = (clientId: number, call: number, ret: number, key: string): KvOp => ({
  clientId,
  input: { op: 'delete', key },
  call,
  output: { value: '' },
  return: ret,
});

function onlyIllegal<S, I, O>(partitions: readonly PartitionResult<S, I, O>[]): PartitionResult<S, I, O> {
  const illegal = partitions.filter((p) => p.verdict === 'illegal');
  assert.equal(illegal.length, 1, 'exactly one illegal partition');
  return illegal[0] as PartitionResult<S, I, O>;
}

describe('checkOperations with the key-value model', () => {
  test('an empty history is linearizable', () => {
    assert.equal(checkOperations(kvModel, []).verdict, 'ok');
  });

  test('a sequential history that reads what was written is linearizable', () => {
    const history = [put(0, 0, 1, 'x', '1'), append(1, 2, 3, 'x', '2'), get(0, 4, 5, 'x', '12')];
    assert.equal(checkOperations(kvModel, history).verdict, 'ok');
  });

  test('a get of a missing key reads "", and append to a missing key appends to ""', () => {
    const history = [get(0, 0, 1, 'x', ''), append(0, 2, 3, 'x', 'a'), get(1, 4, 5, 'x', 'a')];
    assert.equal(checkOperations(kvModel, history).verdict, 'ok');
  });

  test('delete makes a key read "" again', () => {
    const ok = [put(0, 0, 1, 'x', '1'), del(1, 2, 3, 'x'), get(0, 4, 5, 'x', '')];
    assert.equal(checkOperations(kvModel, ok).verdict, 'ok');
    const bad = [put(0, 0, 1, 'x', '1'), del(1, 2, 3, 'x'), get(0, 4, 5, 'x', '1')];
    assert.equal(checkOperations(kvModel, bad).verdict, 'illegal');
  });

  test('a stale read is illegal, and the report names it with the state it should have seen', () => {
    const history = [put(0, 0, 1, 'x', '1'), get(1, 2, 3, 'x', '')];
    const result = checkOperations(kvModel, history);
    assert.equal(result.verdict, 'illegal');
    const piece = onlyIllegal(result.partitions);
    assert.equal(piece.label, 'key "x"');
    const violation = piece.violation;
    assert.ok(violation);
    assert.equal(piece.operations[violation.blocked], history[1]);
    assert.deepEqual(
      violation.prefix.map((i) => piece.operations[i]),
      history,
    );
    assert.deepEqual(
      violation.longest.map((step) => [piece.operations[step.op], step.state.value]),
      [[history[0], '1']],
    );
    assert.deepEqual(
      violation.statesTried.map((tried) => tried.state.value),
      ['1'],
    );
  });

  test('a lost append is illegal', () => {
    const history = [append(0, 0, 1, 'x', 'a'), append(1, 2, 3, 'x', 'b'), get(2, 4, 5, 'x', 'b')];
    assert.equal(checkOperations(kvModel, history).verdict, 'illegal');
  });

  test('a read that sees a write before the write was issued is illegal', () => {
    const history = [get(0, 0, 1, 'x', '1'), put(1, 2, 3, 'x', '1')];
    const result = checkOperations(kvModel, history);
    assert.equal(result.verdict, 'illegal');
    const violation = onlyIllegal(result.partitions).violation;
    assert.ok(violation);
    // The get fails first: nothing can come before it, so the smallest bad prefix is the get alone.
    assert.deepEqual(violation.prefix, [0]);
    assert.deepEqual(violation.longest, []);
    assert.deepEqual(
      violation.statesTried.map((tried) => tried.state.value),
      [''],
    );
  });

  test('a read after a read that saw a write must see it too (no new-old inversion)', () => {
    const history = [put(0, 0, 10, 'x', '1'), get(1, 1, 2, 'x', '1'), get(2, 3, 4, 'x', '')];
    assert.equal(checkOperations(kvModel, history).verdict, 'illegal');
  });

  test('concurrent overlapping operations may take effect in any order inside their intervals', () => {
    // A put that spans two reads: the first missed it, the second saw it.
    assert.equal(
      checkOperations(kvModel, [put(0, 0, 10, 'x', '1'), get(1, 1, 2, 'x', ''), get(2, 3, 4, 'x', '1')])
        .verdict,
      'ok',
    );
    // Two overlapping appends, read in either order.
    for (const seen of ['ab', 'ba']) {
      const history = [append(0, 0, 5, 'x', 'a'), append(1, 1, 6, 'x', 'b'), get(2, 7, 8, 'x', seen)];
      assert.equal(checkOperations(kvModel, history).verdict, 'ok', seen);
    }
    // ... but not both orders at once.
    const both = [
      append(0, 0, 5, 'x', 'a'),
      append(1, 1, 6, 'x', 'b'),
      get(2, 7, 8, 'x', 'ab'),
      get(3, 7, 8, 'x', 'ba'),
    ];
    assert.equal(checkOperations(kvModel, both).verdict, 'illegal');
  });

  test('operations that touch at an instant count as concurrent', () => {
    const history = [get(0, 0, 5, 'x', '1'), put(1, 5, 6, 'x', '1')];
    assert.equal(checkOperations(kvModel, history).verdict, 'ok');
  });

  test('keys are checked apart, and only the bad key is reported', () => {
    const history = [
      put(0, 0, 1, 'x', '1'),
      put(1, 0, 1, 'y', '2'),
      get(0, 2, 3, 'y', '2'),
      get(1, 2, 3, 'x', 'stale'),
    ];
    const result = checkOperations(kvModel, history);
    assert.equal(result.verdict, 'illegal');
    assert.deepEqual(
      result.partitions.map((p) => [p.label, p.verdict]),
      [
        ['key "x"', 'illegal'],
        ['key "y"', 'ok'],
      ],
    );
  });

  test('an operation that never returned may have taken effect, or not', () => {
    const lost: KvOp = {
      clientId: 0,
      input: { op: 'append', key: 'x', value: 'a' },
      call: 0,
      output: { value: '', unknown: true },
      return: Number.POSITIVE_INFINITY,
    };
    assert.equal(checkOperations(kvModel, [lost, get(1, 5, 6, 'x', 'a')]).verdict, 'ok');
    assert.equal(checkOperations(kvModel, [lost, get(1, 5, 6, 'x', '')]).verdict, 'ok');
    // It took effect at most once, at one instant: seen, then unseen, is illegal.
    assert.equal(
      checkOperations(kvModel, [lost, get(1, 5, 6, 'x', 'a'), get(1, 7, 8, 'x', '')]).verdict,
      'illegal',
    );
    // And never before its call.
    assert.equal(checkOperations(kvModel, [get(1, 0, 1, 'x', 'a'), { ...lost, call: 2 }]).verdict, 'illegal');
  });

  test('the prefix reported is the smallest one that cannot be linearized', () => {
    const history = [
      put(0, 0, 1, 'x', '1'),
      get(1, 2, 4, 'x', '1'),
      put(0, 3, 5, 'x', '2'), // overlaps the first get
      get(1, 6, 7, 'x', '1'), // stale: the put of 2 returned before it was called
      get(0, 8, 9, 'x', '2'), // after the violation, not part of the prefix
    ];
    const result = checkOperations(kvModel, history);
    const piece = onlyIllegal(result.partitions);
    const violation = piece.violation;
    assert.ok(violation);
    assert.equal(violation.blocked, 3);
    assert.deepEqual(violation.prefix, [0, 1, 2, 3]);
    assert.deepEqual(
      violation.longest.map((step) => step.op),
      [0, 1, 2],
    );
    assert.deepEqual(
      violation.statesTried.map((tried) => tried.state.value),
      ['2'],
    );
    assert.equal(violation.distinctStates, 1);
  });

  test('a search that runs out of time answers unknown, with the reason', () => {
    // Fourteen overlapping appends and a read of a value none of their orders gives: refuting it means trying
    // every order, far more than 30 ms of work.
    const history: KvOp[] = [];
    for (let i = 0; i < 14; i++) history.push(append(i, 0, 100, 'x', String.fromCharCode(97 + i)));
    history.push(get(99, 0, 100, 'x', 'impossible'));
    const started = performance.now();
    const result = checkOperations(kvModel, history, { timeoutMs: 30 });
    assert.ok(performance.now() - started < 1000);
    assert.equal(result.verdict, 'unknown');
    assert.equal(result.partitions[0]?.undecided, 'timeout');
  });

  test('a history whose operation returns before its call is refused with a named error', () => {
    assert.throws(() => checkOperations(kvModel, [get(0, 5, 4, 'x', '')]), {
      name: 'InvalidHistoryError',
      code: 'CHECK_INVALID_HISTORY',
    });
    assert.throws(() => checkOperations(kvModel, [get(0, Number.NaN, 4, 'x', '')]), InvalidHistoryError);
  });
});

describe('checkOperations stopping early', () => {
  // Key "hard" takes exponential time to refute; key "easy" fails at once.
  const hard: KvOp[] = [];
  for (let i = 0; i < 14; i++) hard.push(append(i, 0, 100, 'hard', String.fromCharCode(97 + i)));
  hard.push(get(99, 0, 100, 'hard', 'impossible'));
  const easy = [put(0, 200, 201, 'easy', '1'), get(1, 202, 203, 'easy', '')];

  test('by default, another piece found illegal stops the search of a hard piece', () => {
    const result = checkOperations(kvModel, [...hard, ...easy], { timeoutMs: 20_000 });
    assert.equal(result.verdict, 'illegal');
    const byLabel = new Map(result.partitions.map((p) => [p.label, p]));
    assert.equal(byLabel.get('key "easy"')?.verdict, 'illegal');
    assert.equal(byLabel.get('key "hard"')?.verdict, 'unknown');
    assert.equal(byLabel.get('key "hard"')?.undecided, 'stopped');
  });

  test('exhaustive keeps searching every piece until it is decided or time runs out', () => {
    const result = checkOperations(kvModel, [...hard, ...easy], { timeoutMs: 50, exhaustive: true });
    assert.equal(result.verdict, 'illegal');
    assert.equal(result.partitions.find((p) => p.label === 'key "hard"')?.undecided, 'timeout');
  });
});

describe('checkOperations with the compare-and-set register model', () => {
  const op = (
    clientId: number,
    call: number,
    ret: number,
    input: CasInput,
    output: CasOutput,
  ): Operation<CasInput, CasOutput> => ({ clientId, input, call, output, return: ret });

  test('the register starts as nil, and cas succeeds exactly when from matches', () => {
    const history = [
      op(0, 0, 1, { f: 'read' }, { type: 'ok', value: null }),
      op(0, 2, 3, { f: 'cas', from: 1, to: 2 }, { type: 'fail' }),
      op(0, 4, 5, { f: 'write', value: 1 }, { type: 'ok' }),
      op(0, 6, 7, { f: 'cas', from: 1, to: 2 }, { type: 'ok' }),
      op(0, 8, 9, { f: 'read' }, { type: 'ok', value: 2 }),
    ];
    assert.equal(checkOperations(casRegisterModel, history).verdict, 'ok');
    const failedWhenItMatched = [
      op(0, 0, 1, { f: 'write', value: 1 }, { type: 'ok' }),
      op(0, 2, 3, { f: 'cas', from: 1, to: 2 }, { type: 'fail' }),
    ];
    assert.equal(checkOperations(casRegisterModel, failedWhenItMatched).verdict, 'illegal');
  });

  test('an indeterminate cas may take effect late, or never', () => {
    const info = op(1, 2, Number.POSITIVE_INFINITY, { f: 'cas', from: 1, to: 2 }, { type: 'unknown' });
    const write = op(0, 0, 1, { f: 'write', value: 1 }, { type: 'ok' });
    const read = (call: number, value: number): Operation<CasInput, CasOutput> =>
      op(0, call, call + 1, { f: 'read' }, { type: 'ok', value });
    assert.equal(checkOperations(casRegisterModel, [write, info, read(3, 1), read(5, 2)]).verdict, 'ok');
    assert.equal(checkOperations(casRegisterModel, [write, info, read(3, 1), read(5, 1)]).verdict, 'ok');
    assert.equal(checkOperations(casRegisterModel, [write, info, read(3, 2), read(5, 1)]).verdict, 'illegal');
  });
});

describe('a model given as data', () => {
  // A FIFO queue: nothing in the checker knows about it.
  type QueueInput = { readonly op: 'enq'; readonly value: number } | { readonly op: 'deq' };
  const queueModel: Model<readonly number[], QueueInput, number | null> = {
    init: () => [],
    step: (state, input, output) => {
      if (input.op === 'enq') return { ok: true, state: [...state, input.value] };
      return { ok: output === (state[0] ?? null), state: state.slice(1) };
    },
    stateKey: (state) => state.join(','),
  };
  const enq = (
    c: number,
    call: number,
    ret: number,
    value: number,
  ): Operation<QueueInput, number | null> => ({
    clientId: c,
    input: { op: 'enq', value },
    call,
    output: null,
    return: ret,
  });
  const deq = (
    c: number,
    call: number,
    ret: number,
    value: number | null,
  ): Operation<QueueInput, number | null> => ({
    clientId: c,
    input: { op: 'deq' },
    call,
    output: value,
    return: ret,
  });

  test('plugs in: overlapping enqueues may come out in either order, sequential ones may not', () => {
    assert.equal(
      checkOperations(queueModel, [enq(0, 0, 5, 1), enq(1, 1, 6, 2), deq(2, 7, 8, 2)]).verdict,
      'ok',
    );
    assert.equal(
      checkOperations(queueModel, [enq(0, 0, 1, 1), enq(1, 2, 3, 2), deq(2, 4, 5, 2)]).verdict,
      'illegal',
    );
    const result = checkOperations(queueModel, [deq(0, 0, 1, 7)]);
    assert.equal(result.partitions[0]?.label, 'partition 0');
  });
});

describe('Model.stateHash', () => {
  test('only speeds the search up: a hash that always collides gives the same verdicts', () => {
    const collide = { ...kvModel, stateHash: () => 0 };
    const noHash: Model<KvState, KvInput, KvOutput> = {
      init: kvModel.init,
      step: kvModel.step,
      stateKey: kvModel.stateKey,
    };
    const histories = [
      [append(0, 0, 5, 'x', 'a'), append(1, 1, 6, 'x', 'b'), get(2, 7, 8, 'x', 'ba')],
      [
        append(0, 0, 5, 'x', 'a'),
        append(1, 1, 6, 'x', 'b'),
        get(2, 7, 8, 'x', 'ab'),
        get(3, 7, 8, 'x', 'ba'),
      ],
      [
        put(0, 0, 1, 'x', 'ab'),
        append(1, 0, 1, 'x', 'b'),
        get(2, 2, 3, 'x', 'abb'),
        get(2, 4, 5, 'x', 'abb'),
      ],
    ];
    for (const history of histories) {
      const expected = checkOperations(kvModel, history).verdict;
      assert.equal(checkOperations(collide, history).verdict, expected);
      assert.equal(checkOperations(noHash, history).verdict, expected);
    }
  });
});
