import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRACE_FORMAT, TRACE_VERSION, type TraceEvent } from '../../src/lab/trace/trace-event.js';
import { ClusterState } from './cluster-state.js';
import { explain } from './explain.js';
import { indexTrace, upperBound } from './trace-model.js';

const boot = (n: number): TraceEvent[] =>
  Array.from({ length: n }, (_, s): TraceEvent[] => [
    { t: 0, k: 'start', s, restart: false },
    { t: 0, k: 'connect', s },
  ]).flat();

function explainAt(n: number, events: TraceEvent[], t: number): string[] {
  const header = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    test: 'T',
    seed: 1,
    servers: n,
    unreliable: false,
    snapshot: false,
  } as const;
  const model = indexTrace(header, events);
  const servers = new ClusterState(events, n).at(upperBound(events, t, (e) => e.t));
  return explain(model, servers, t);
}

const leads = (s: number, term: number, t: number): TraceEvent => ({
  t,
  k: 'state',
  s,
  role: 'leader',
  term,
  leader: s,
});
const entry = (s: number, t: number, index: number, term: number): TraceEvent => ({
  t,
  k: 'log',
  s,
  from: index,
  terms: [[term, 1]],
  commands: ['x'],
});

void describe('explain', () => {
  void it('says when there is no leader, and that nothing commits without one', () => {
    const lines = explainAt(
      3,
      [...boot(3), { t: 5, k: 'state', s: 1, role: 'candidate', term: 1, leader: null }],
      6,
    );
    assert.match(
      lines[0] ?? '',
      /No leader at 0\.006 s: nothing can commit until one is elected\. Campaigning: S1\./,
    );
  });

  void it('names the servers that lack an entry and what became of the AppendEntries that carried it', () => {
    const lines = explainAt(
      3,
      [
        ...boot(3),
        leads(0, 2, 10),
        entry(0, 20, 1, 2),
        {
          t: 20,
          k: 'send',
          id: 1,
          from: 0,
          to: 1,
          type: 'AppendEntries',
          bytes: 9,
          term: 2,
          prevLogIndex: 0,
          entries: 1,
        },
        { t: 20, k: 'drop', id: 1, why: 'unreachable' },
        {
          t: 20,
          k: 'send',
          id: 2,
          from: 0,
          to: 2,
          type: 'AppendEntries',
          bytes: 9,
          term: 2,
          prevLogIndex: 0,
          entries: 1,
        },
        { t: 21, k: 'recv', id: 2 },
        { t: 21, k: 'reply', id: 2, bytes: 9, term: 2, success: false, matchIndex: 0 },
        { t: 22, k: 'disconnect', s: 1 },
        { t: 23, k: 'crash', s: 2 },
      ],
      30,
    );
    assert.deepEqual(lines, [
      'S0 is the leader of term 2, since 0.010 s.',
      'Not committed on the leader: entry 1. Entry 1 (term 2) is stored on 1 of 3 servers (S0); committing needs 2.',
      'S1 lacks it: it is disconnected since 0.022 s; 1 AppendEntries carried it: 1 lost (unreachable).',
      'S2 lacks it: it is crashed since 0.023 s.',
    ]);
  });

  void it("points at Figure 8 when an old term's entry has a majority but cannot be counted", () => {
    const events = [...boot(3), leads(0, 3, 10)];
    for (const s of [0, 1]) events.push(entry(s, 5, 1, 2));
    const lines = explainAt(3, events, 20);
    assert.match(lines[1] ?? '', /Entry 1 \(term 2\) is stored on 2 of 3 servers/);
    assert.match(lines[2] ?? '', /older term.*Figure 8/);
  });

  void it('explains entries the leader does not have as left over from an older term', () => {
    const events = [...boot(3), entry(2, 5, 1, 1), leads(0, 2, 10)];
    assert.deepEqual(explainAt(3, events, 20).slice(1), [
      "Every entry of the leader's log is committed (through 0).",
      'S2 holds entry 1 (term 1) that the leader does not: it reached only 1 of 3 servers, never a majority, so it is not committed, and the leader of term 2 will replace it.',
    ]);
  });
});
