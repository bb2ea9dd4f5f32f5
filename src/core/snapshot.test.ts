// Message-level tests of log compaction and InstallSnapshot (Raft section 7; the lab's 2D), and of restarts from
// persisted state. Each test is named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftError } from './errors.js';
import type { AppendEntries, AppendEntriesReply, InstallSnapshot, Message } from './messages.js';
import { RaftNode } from './raft-node.js';
import type { NodeId, Snapshot } from './types.js';
import {
  HEARTBEAT,
  MIN,
  THREE,
  ack as ackTo,
  append as appendTo,
  chunk,
  drain,
  config,
  makeNode,
  only,
  run,
  sent,
  snapReply,
  tick,
  voteReply,
  voteReq,
  type AppendFields,
} from '../../test/support/raft-node-kit.js';

// ---------------------------------------------------------------- helpers

/** An AppendEntries from leader 1 to follower 2, the only direction these tests send one by hand. */
const append = (term: number, o: AppendFields = {}): AppendEntries => appendTo(1, 2, term, o);

const install = (term: number, lastIncludedIndex: number, lastIncludedTerm: number): InstallSnapshot =>
  chunk(1, 2, term, lastIncludedIndex, lastIncludedTerm, Uint8Array.of(lastIncludedIndex, lastIncludedTerm));

/** A successful AppendEntriesReply from `from` to leader 1. */
const ack = (from: NodeId, term: number, matchIndex: number): AppendEntriesReply =>
  ackTo(from, 1, term, matchIndex);

/** Follower 2 holding entries with `terms`, of which the first `commit` are committed and handed out. */
function follower(commit: number, ...terms: number[]): RaftNode {
  const f = makeNode(2, THREE);
  const last = Math.max(...terms);
  f.step(append(last, { entries: run(1, ...terms), leaderCommit: commit }));
  const rd = drain(f);
  assert.equal(rd.committed.length, commit);
  return f;
}

/** Leader 1 of three, with entries 1..n of term 1 committed and applied, and follower 3 never reached. */
function leaderWithCommitted(n: number): RaftNode {
  const l = makeNode(1, THREE);
  tick(l, MIN);
  drain(l); // Its own vote is durable.
  l.step(voteReply(2, 1, 1));
  assert.equal(l.status().role, 'leader');
  drain(l); // Election heartbeats: the one to 3 is lost, and stays in flight.
  l.step(ack(2, 1, 0));
  for (let i = 1; i <= n; i++) l.propose(`c${i}`);
  drain(l);
  l.step(ack(2, 1, n));
  assert.equal(l.status().commitIndex, n);
  drain(l);
  assert.equal(l.status().appliedIndex, n);
  return l;
}

const data = Uint8Array.of(7, 7, 7);

const isBadSnapshot = (e: unknown): boolean => e instanceof RaftError && e.code === 'RAFT_BAD_SNAPSHOT';

// ---------------------------------------------------------------- tests

void describe('compact (the service snapshot)', () => {
  void it('compact trims the log through the index and keeps lastIncludedIndex and lastIncludedTerm', () => {
    const f = follower(5, 1, 1, 2, 2, 3);
    f.compact(4, data);
    const s = f.status();
    assert.deepEqual(
      [s.snapshotIndex, s.lastIndex, s.lastTerm, s.commitIndex, s.appliedIndex],
      [4, 5, 3, 5, 5],
    );
    const rd = drain(f);
    assert.deepEqual(rd.snapshot, { index: 4, term: 2, data });
    assert.equal(rd.entries, null, 'the retained entries are already stored');
    assert.equal(rd.applySnapshot, null, 'the service took this snapshot itself: nothing to load');
    const p = f.persistentState();
    assert.deepEqual(p.snapshot, { index: 4, term: 2, data });
    assert.deepEqual(p.entries, run(5, 3));
  });

  void it('the consistency check still works at the snapshot boundary after a compaction', () => {
    const f = follower(4, 1, 1, 2, 2);
    f.compact(4, data);
    drain(f);
    f.step(append(3, { prevLogIndex: 4, prevLogTerm: 2, entries: run(5, 3) }));
    assert.equal(only(drain(f).messages, 'AppendEntriesReply').success, true);
    f.step(append(3, { prevLogIndex: 4, prevLogTerm: 1 }));
    assert.equal(only(drain(f).messages, 'AppendEntriesReply').success, false);
  });

  void it('compact beyond the applied index throws RAFT_BAD_SNAPSHOT and changes nothing', () => {
    const f = follower(3, 1, 1, 2, 2, 3);
    f.step(append(3, { prevLogIndex: 5, prevLogTerm: 3, leaderCommit: 5 })); // Committed, not yet handed out.
    const before = { status: f.status(), state: f.persistentState() };
    assert.throws(() => {
      f.compact(4, data);
    }, isBadSnapshot);
    assert.throws(() => {
      f.compact(9, data);
    }, isBadSnapshot);
    assert.throws(() => {
      f.compact(2.5, data);
    }, isBadSnapshot);
    assert.deepEqual(f.status(), before.status);
    assert.deepEqual(f.persistentState(), before.state);
    const rd = drain(f);
    assert.equal(rd.snapshot, null);
    assert.deepEqual(
      rd.committed.map((e) => e.index),
      [4, 5],
    );
    f.compact(4, data); // Now applied: allowed.
    assert.equal(f.status().snapshotIndex, 4);
  });

  void it('a stale compact (at or below the current snapshot) is ignored', () => {
    const f = follower(5, 1, 1, 2, 2, 3);
    f.compact(4, data);
    drain(f);
    const before = f.persistentState();
    f.compact(4, Uint8Array.of(1));
    f.compact(2, Uint8Array.of(1));
    assert.equal(f.hasReady(), false);
    assert.deepEqual(f.persistentState(), before);
  });
});

void describe('InstallSnapshot, leader side', () => {
  void it('a leader whose follower needs compacted entries sends InstallSnapshot, then the entries after it', () => {
    const l = leaderWithCommitted(5);
    l.compact(4, data);
    assert.deepEqual(drain(l).snapshot, { index: 4, term: 1, data });
    tick(l, HEARTBEAT);
    const out = drain(l).messages;
    const snap = only(out, 'InstallSnapshot', 3);
    assert.deepEqual([snap.term, snap.lastIncludedIndex, snap.lastIncludedTerm, snap.data], [1, 4, 1, data]);
    const toTwo = only(out, 'Heartbeat', 2);
    assert.equal(toTwo.commit, 5, 'follower 2 is up to date and needs only a heartbeat');
    assert.deepEqual(sent(out, 'AppendEntries', 2), []);

    l.step(snapReply(3, 1, 1, 4, 1, { received: data.length, matchIndex: 4 }));
    const next = only(drain(l).messages, 'AppendEntries', 3);
    assert.deepEqual(
      [next.prevLogIndex, next.prevLogTerm, next.entries.map((e) => e.index), next.leaderCommit],
      [4, 1, [5], 5],
    );
  });

  void it('a conflict hint that points into the compacted prefix makes the leader send its snapshot', () => {
    // Leader 1 of term 2 with entries 1..5 of term 1 and 6 of term 2: its nextIndex for 3 starts at 6.
    const l = new RaftNode(config(1, THREE), {
      hardState: { term: 1, votedFor: null },
      snapshot: null,
      entries: run(1, 1, 1, 1, 1, 1),
    });
    tick(l, MIN);
    drain(l);
    l.step(voteReply(2, 1, 2));
    assert.equal(l.status().role, 'leader');
    assert.equal(only(drain(l).messages, 'AppendEntries', 3).prevLogIndex, 5);
    l.step(ack(2, 2, 5));
    l.propose('c6');
    drain(l);
    l.step(ack(2, 2, 6));
    assert.equal(drain(l).committed.length, 6);
    l.compact(5, data);
    drain(l);
    l.step({
      type: 'AppendEntriesReply',
      from: 3,
      to: 1,
      term: 2,
      success: false,
      matchIndex: 0,
      rejectedIndex: 5,
      conflict: { xTerm: -1, xIndex: -1, xLen: 3 },
    });
    const snap = only(drain(l).messages, 'InstallSnapshot', 3);
    assert.deepEqual([snap.lastIncludedIndex, snap.lastIncludedTerm], [5, 1]);
  });

  void it('an InstallSnapshotReply beyond the leader last index is ignored', () => {
    const l = leaderWithCommitted(2);
    l.step(snapReply(3, 1, 1, 9, 1, { received: data.length, matchIndex: 9 }));
    assert.equal(l.hasReady(), false);
  });

  void it('follower and leader end with the same state through a snapshot, end to end', () => {
    const l = leaderWithCommitted(5);
    l.compact(5, data);
    drain(l);
    const f = makeNode(3, THREE);
    tick(l, HEARTBEAT);
    let toF: Message[] = sent(drain(l).messages, 'InstallSnapshot', 3);
    let loaded: Snapshot | null = null;
    const applied: number[] = [];
    l.propose('c6');
    for (let i = 0; i < 5 && toF.length > 0; i++) {
      const next: Message[] = [];
      for (const m of toF) {
        f.step(m);
        const rd = drain(f);
        loaded ??= rd.applySnapshot;
        applied.push(...rd.committed.map((e) => e.index));
        for (const r of rd.messages) {
          l.step(r);
          next.push(...sent(drain(l).messages, 'AppendEntries', 3));
        }
      }
      toF = next;
    }
    assert.deepEqual(loaded, { index: 5, term: 1, data });
    assert.deepEqual(applied, [6], 'after the snapshot, entries apply from snapshotIndex + 1');
    assert.deepEqual([f.status().snapshotIndex, f.status().lastIndex, f.status().commitIndex], [5, 6, 6]);
  });
});

void describe('InstallSnapshot, follower side', () => {
  void it('a snapshot at or below commitIndex is not installed: the follower answers with its commitIndex', () => {
    const f = follower(5, 1, 1, 2, 2, 2, 2);
    for (const index of [3, 5]) {
      f.step(install(2, index, index < 3 ? 1 : 2));
      const rd = drain(f);
      assert.equal(rd.applySnapshot, null);
      assert.equal(rd.snapshot, null);
      assert.deepEqual(only(rd.messages, 'InstallSnapshotReply').matchIndex, 5);
    }
    const s = f.status();
    assert.deepEqual([s.snapshotIndex, s.lastIndex, s.commitIndex, s.appliedIndex], [0, 6, 5, 5]);
  });

  void it('a snapshot beyond commitIndex and beyond the log is installed and handed out once as applySnapshot', () => {
    const f = follower(3, 1, 1, 2, 2);
    f.step(install(2, 6, 2));
    const rd = drain(f);
    assert.deepEqual(rd.applySnapshot, { index: 6, term: 2, data: Uint8Array.of(6, 2) });
    assert.deepEqual(rd.snapshot, rd.applySnapshot, 'persist it too');
    assert.deepEqual(rd.committed, [], 'entries 4..6 are in the snapshot');
    assert.equal(only(rd.messages, 'InstallSnapshotReply').matchIndex, 6);
    const s = f.status();
    assert.deepEqual([s.snapshotIndex, s.lastIndex, s.commitIndex, s.appliedIndex], [6, 6, 6, 6]);
    assert.deepEqual(f.persistentState().entries, []);
    assert.equal(drain(f).applySnapshot, null, 'handed out once');
    f.step(append(2, { prevLogIndex: 6, prevLogTerm: 2, entries: run(7, 2, 2), leaderCommit: 8 }));
    assert.deepEqual(
      drain(f).committed.map((e) => e.index),
      [7, 8],
    );
  });

  // Issue 8: a follower that holds the snapshot's last entry (same index and term) matches the leader that far by
  // Log Matching; reloading its state machine from the snapshot would only cost time.
  void it('a follower that already holds the snapshot last entry just commits through it: no applySnapshot', () => {
    const f = follower(3, 1, 1, 2, 2, 2, 2, 2, 2);
    f.step(install(2, 6, 2));
    const rd = drain(f);
    assert.equal(rd.applySnapshot, null, 'the state machine is not reloaded');
    assert.equal(rd.snapshot, null, 'nothing to persist');
    assert.deepEqual(
      rd.committed.map((e) => e.index),
      [4, 5, 6],
      'the entries apply from the log instead',
    );
    assert.equal(only(rd.messages, 'InstallSnapshotReply').matchIndex, 6);
    const s = f.status();
    assert.deepEqual([s.snapshotIndex, s.lastIndex, s.commitIndex, s.appliedIndex], [0, 8, 6, 6]);
  });

  void it('a snapshot whose last entry conflicts with the log discards the whole log', () => {
    const f = follower(0, 1, 1, 1, 1, 1);
    f.step(install(2, 3, 2));
    const rd = drain(f);
    assert.deepEqual(rd.entries, { from: 4, entries: [] }, 'storage drops entries 4 and 5');
    const s = f.status();
    assert.deepEqual([s.snapshotIndex, s.lastIndex, s.lastTerm, s.commitIndex], [3, 3, 2, 3]);
    assert.deepEqual(f.persistentState().entries, []);
  });

  void it('a snapshot reaching past the end of the log replaces it', () => {
    const f = follower(1, 1, 1);
    f.step(install(1, 9, 1));
    const s = f.status();
    assert.deepEqual([s.snapshotIndex, s.lastIndex, s.commitIndex, s.appliedIndex], [9, 9, 9, 9]);
  });

  void it('applied never moves backwards: a stale snapshot after a newer one changes nothing', () => {
    const f = follower(3, 1, 1, 1);
    f.step(install(1, 7, 1));
    drain(f);
    f.step(install(1, 5, 1));
    const rd = drain(f);
    assert.equal(rd.applySnapshot, null);
    assert.equal(only(rd.messages, 'InstallSnapshotReply').matchIndex, 7);
    assert.deepEqual([f.status().appliedIndex, f.status().snapshotIndex], [7, 7]);
  });

  void it('a snapshot arriving while committed entries wait to be handed out supersedes them', () => {
    const f = follower(0, 1, 1, 1, 1);
    f.step(append(1, { prevLogIndex: 4, prevLogTerm: 1, leaderCommit: 2 }));
    f.step(install(1, 5, 1));
    const rd = drain(f);
    assert.deepEqual(rd.committed, [], 'entries 1..2 are inside the snapshot: never applied after it');
    assert.equal(rd.applySnapshot?.index, 5);
    assert.equal(f.status().appliedIndex, 5);
  });

  void it('a leader ignores InstallSnapshot of its own term', () => {
    const l = leaderWithCommitted(1);
    l.step({ ...install(1, 9, 1), from: 2, to: 1 });
    assert.equal(l.hasReady(), false);
    assert.equal(l.status().snapshotIndex, 0);
  });
});

void describe('restart from persistentState()', () => {
  void it('keeps term, vote, log and snapshot; commit and applied start at the snapshot index', () => {
    const f = makeNode(2, THREE);
    f.step(voteReq(1, 2, 2));
    f.step(append(2, { entries: run(1, 1, 1, 2, 2, 2), leaderCommit: 4 }));
    drain(f);
    f.compact(3, data);
    drain(f);
    const saved = f.persistentState();

    const r = makeNode(2, THREE, {}, saved);
    const s = r.status();
    assert.deepEqual(
      [
        s.term,
        s.votedFor,
        s.role,
        s.leaderId,
        s.snapshotIndex,
        s.lastIndex,
        s.lastTerm,
        s.commitIndex,
        s.appliedIndex,
      ],
      [2, 1, 'follower', null, 3, 5, 2, 3, 3],
    );
    assert.deepEqual(r.persistentState(), saved);
    assert.equal(r.hasReady(), false, 'nothing to persist, send or apply yet');

    r.step(append(2, { prevLogIndex: 5, prevLogTerm: 2, leaderCommit: 5 }));
    assert.deepEqual(
      drain(r).committed.map((e) => e.index),
      [4, 5],
      'the first entry applied after a restart is snapshotIndex + 1',
    );
  });

  void it('without a snapshot, a restarted node re-applies its log from index 1 once commit is known again', () => {
    const f = makeNode(2, THREE);
    f.step(append(1, { entries: run(1, 1, 1), leaderCommit: 2 }));
    drain(f);
    const r = makeNode(2, THREE, {}, f.persistentState());
    assert.deepEqual([r.status().commitIndex, r.status().appliedIndex], [0, 0]);
    r.step(append(1, { prevLogIndex: 2, prevLogTerm: 1, leaderCommit: 2 }));
    assert.deepEqual(
      drain(r).committed.map((e) => e.index),
      [1, 2],
    );
  });

  // Regression: persistentState() once returned the log's live internal array (RaftLog.all()), which later
  // appends and truncations mutated in place: a driver that kept the object saw entries it never persisted.
  void it('persistentState() is a copy as it stands now: later steps do not show through it', () => {
    const f = makeNode(2, THREE);
    f.step(append(1, { entries: run(1, 1, 1) }));
    drain(f);
    const saved = f.persistentState();
    f.step(append(1, { prevLogIndex: 2, prevLogTerm: 1, entries: run(3, 1, 1) }));
    f.step(append(2, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 2) }));
    assert.deepEqual(saved.entries, run(1, 1, 1), 'the saved log changed after it was taken');
  });

  void it('refuses a persisted log that is not contiguous after its snapshot', () => {
    assert.throws(
      () =>
        makeNode(
          2,
          THREE,
          {},
          {
            hardState: { term: 1, votedFor: null },
            snapshot: { index: 3, term: 1, data },
            entries: run(5, 1),
          },
        ),
      (e: unknown) => e instanceof RaftError && e.code === 'RAFT_BAD_STATE',
    );
  });
});
