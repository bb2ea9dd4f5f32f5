import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRACE_FORMAT, TRACE_VERSION, type TraceEvent } from '../../src/lab/trace/trace-event.js';
import { parseTrace, TraceFormatError } from './trace-model.js';

const header = {
  format: TRACE_FORMAT,
  version: TRACE_VERSION,
  test: 'T',
  seed: 1,
  servers: 2,
  unreliable: false,
  snapshot: false,
};

function trace(events: TraceEvent[]): string {
  return [header, ...events].map((line) => JSON.stringify(line)).join('\n');
}

void describe('parseTrace', () => {
  void it('refuses what is not a trace, or a version it cannot read', () => {
    assert.throws(() => parseTrace('{"hello":1}'), TraceFormatError);
    assert.throws(() => parseTrace(JSON.stringify({ ...header, version: 99 })), /trace version 99/);
  });

  void it('gathers role spans, bands, each RPC’s life, steps and the first failure', () => {
    const model = parseTrace(
      trace([
        { t: 0, k: 'start', s: 0, restart: false },
        { t: 0, k: 'start', s: 1, restart: false },
        { t: 0, k: 'connect', s: 0 },
        { t: 0, k: 'connect', s: 1 },
        { t: 0, k: 'state', s: 0, role: 'follower', term: 0, leader: null },
        { t: 0, k: 'begin', step: 1, op: 'checkOneLeader', args: '' },
        { t: 10, k: 'state', s: 0, role: 'leader', term: 1, leader: 0 },
        { t: 10, k: 'send', id: 1, from: 0, to: 1, type: 'AppendEntries', bytes: 50, term: 1, entries: 2 },
        { t: 12, k: 'recv', id: 1 },
        { t: 12, k: 'reply', id: 1, bytes: 20, term: 1, success: true, matchIndex: 2 },
        { t: 12, k: 'delay', id: 1, ms: 300 },
        { t: 20, k: 'send', id: 2, from: 0, to: 1, type: 'RequestVote', bytes: 40, term: 1 },
        { t: 25, k: 'drop', id: 2, why: 'request lost' },
        { t: 30, k: 'disconnect', s: 1 },
        { t: 40, k: 'crash', s: 0 },
        { t: 50, k: 'end', step: 1, result: 'leader 0' },
        { t: 60, k: 'start', s: 0, restart: true },
        { t: 60, k: 'net', reliable: false, longReordering: false },
        { t: 312, k: 'done', id: 1 },
        { t: 400, k: 'fail', message: 'boom' },
        { t: 400, k: 'fail', message: 'echo' },
        { t: 400, k: 'result', passed: false, message: 'boom' },
      ]),
    );
    assert.equal(model.end, 400);
    assert.deepEqual(
      model.roles[0]?.map((r) => [r.t0, r.t1, r.role, r.term]),
      [
        [0, 10, 'follower', 0],
        [10, 40, 'leader', 1],
        [40, 400, 'down', 1],
      ],
    );
    assert.deepEqual(model.crashed[0], [{ t0: 40, t1: 60 }]);
    assert.deepEqual(model.disconnected[1], [{ t0: 30, t1: 400 }]);
    assert.deepEqual(model.unreliable, [{ t0: 60, t1: 400 }]);
    const [append, vote] = model.rpcs;
    assert.deepEqual(
      [append?.tSend, append?.tRecv, append?.tDone, append?.delayMs, append?.replyFields?.matchIndex],
      [10, 12, 312, 300, 2],
    );
    assert.deepEqual(append?.fields, { term: 1, entries: 2 });
    assert.deepEqual([vote?.drop, Number.isNaN(vote?.tRecv)], [{ t: 25, why: 'request lost' }, true]);
    assert.deepEqual(model.rpcTypes, ['AppendEntries', 'RequestVote']);
    assert.deepEqual(
      model.steps.map((s) => [s.op, s.t0, s.t1, s.result]),
      [['checkOneLeader', 0, 50, 'leader 0']],
    );
    assert.deepEqual(model.failure, { t: 400, message: 'boom' });
    assert.equal(model.passed, false);
    assert.deepEqual(model.leaderChanges, [10]);
  });
});
