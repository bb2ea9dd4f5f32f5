import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../src/lab/trace/trace-event.js';
import { ClusterState, lastIndex, termAt } from './cluster-state.js';

const events: TraceEvent[] = [
  { t: 0, k: 'start', s: 0, restart: false },
  { t: 0, k: 'connect', s: 0 },
  { t: 1, k: 'state', s: 0, role: 'leader', term: 2, leader: 0 },
  {
    t: 2,
    k: 'log',
    s: 0,
    from: 1,
    terms: [
      [1, 2],
      [2, 2],
    ],
    commands: ['a', 'b', 'c', 'd'],
  },
  { t: 3, k: 'commit', s: 0, commit: 3 },
  // A conflict at index 3: entries 3 and 4 go, two entries of term 3 take their place.
  { t: 4, k: 'log', s: 0, from: 3, terms: [[3, 2]], commands: ['e', 'f'] },
  { t: 5, k: 'snapshot', s: 0, index: 2, term: 1, bytes: 10 },
  { t: 6, k: 'crash', s: 0 },
  // A leader's snapshot beyond the log replaces it entirely.
  { t: 7, k: 'snapshot', s: 0, index: 9, term: 4, bytes: 10 },
];

void describe('ClusterState', () => {
  void it('replays logs: appends, truncation at a conflict, snapshots that keep or replace the log', () => {
    const cluster = new ClusterState(events, 1);
    const at = (upto: number) => cluster.at(upto)[0];
    assert.deepEqual(at(4)?.terms, [1, 1, 2, 2]);
    assert.deepEqual([at(5)?.commit, at(5)?.role, at(5)?.term], [3, 'leader', 2]);
    const truncated = at(6);
    assert.deepEqual(
      [truncated?.terms, truncated?.commands],
      [
        [1, 1, 3, 3],
        ['a', 'b', 'e', 'f'],
      ],
    );
    const compacted = at(7);
    assert.ok(compacted !== undefined);
    assert.deepEqual([compacted.snapshotIndex, compacted.terms, lastIndex(compacted)], [2, [3, 3], 4]);
    assert.equal(termAt(compacted, 2), 1);
    assert.equal(termAt(compacted, 4), 3);
    assert.equal(at(8)?.crashed, true);
    const replaced = at(9);
    assert.deepEqual([replaced?.snapshotIndex, replaced?.terms.length], [9, 0]);
  });

  void it('gives the same state going backwards as going forwards', () => {
    const many: TraceEvent[] = [];
    for (let i = 1; i <= 10_000; i++) {
      many.push({ t: i, k: 'log', s: 0, from: i, terms: [[1 + (i >> 12), 1]], commands: [String(i)] });
    }
    const cluster = new ClusterState(many, 1);
    const forward = cluster.at(9000)[0]?.terms.slice();
    cluster.at(10_000);
    assert.deepEqual(cluster.at(9000)[0]?.terms, forward);
    assert.equal(cluster.at(5000)[0]?.terms.length, 5000);
    assert.equal(cluster.at(0)[0]?.terms.length, 0);
  });
});
