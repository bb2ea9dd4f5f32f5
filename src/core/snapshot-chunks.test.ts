// Message-level tests of chunked InstallSnapshot (Figure 13: offset, data, done; issue 8): the leader sends one
// chunk at a time and resends only after its retransmit wait; the follower assembles chunks in order, and every
// loss, duplicate, reordering, newer snapshot or restart ends in a correct install or a clean retry. Each test is
// named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftConfig } from './config.js';
import type { InstallSnapshot, Message } from './messages.js';
import type { RaftNode } from './raft-node.js';
import {
  HEARTBEAT,
  THREE,
  ack,
  append,
  chunk,
  drain,
  electLeader,
  heartbeatReply,
  makeNode,
  only,
  run,
  sent,
  snapReply,
} from '../../test/support/raft-node-kit.js';

// ---------------------------------------------------------------- helpers

/** The leader's snapshot: ten bytes, sent in chunks of four ([0, 4), [4, 8), [8, 10)). */
const DATA = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
const CHUNK = 4;

/**
 * Leader 1 of three, term 1, with entries 1..5 committed (by follower 2), compacted into a snapshot through 5
 * holding DATA; follower 3 (which holds nothing) has just been sent the first chunk, returned here.
 */
function snapshotLeader(over: Partial<RaftConfig> = {}): { l: RaftNode; first: InstallSnapshot } {
  const l = electLeader(1, THREE, { snapshotChunkBytes: CHUNK, ...over });
  for (let i = 1; i <= 5; i++) l.propose(`c${i}`);
  drain(l);
  l.step(ack(2, 1, 1, 5));
  drain(l);
  l.compact(5, DATA);
  drain(l);
  // The stream to follower 3 broke, and it holds nothing. It answers a heartbeat; the probe that follows would
  // start at index 1, compacted away: the snapshot goes instead.
  l.reportUnreachable(3);
  l.step(heartbeatReply(3, 1, 1));
  assert.equal(l.followerStatus(3)?.state, 'snapshot');
  const first = only(drain(l).messages, 'InstallSnapshot', 3);
  return { l, first };
}

const shape = (m: InstallSnapshot): [number, number, number[], boolean] => [
  m.lastIncludedIndex,
  m.offset,
  [...m.data],
  m.done,
];

/** Steps `f` with `m` and returns its one InstallSnapshotReply (and the Ready it came in). */
function answer(f: RaftNode, m: InstallSnapshot): ReturnType<typeof drain> & { reply: Message } {
  f.step(m);
  const rd = drain(f);
  return { ...rd, reply: only(rd.messages, 'InstallSnapshotReply', m.from) };
}

// ---------------------------------------------------------------- the defect 1

void describe('issue 8 defect 1: a snapshot in flight is not resent at every heartbeat', () => {
  void it('while a chunk is in flight heartbeats go and InstallSnapshot does not; it is resent after the retransmit wait', () => {
    const { l, first } = snapshotLeader({ retransmitTicks: 6 });
    assert.deepEqual(shape(first), [5, 0, [0, 1, 2, 3], false]);
    let beats = 0;
    for (let t = 1; t < 6; t++) {
      l.tick();
      const out = drain(l).messages;
      assert.deepEqual(sent(out, 'InstallSnapshot', 3), [], `tick ${t}: the chunk is still in flight`);
      assert.deepEqual(sent(out, 'AppendEntries', 3), []);
      beats += sent(out, 'Heartbeat', 3).length;
    }
    assert.equal(beats, 2, 'heartbeats every HEARTBEAT ticks');
    l.tick();
    const again = only(drain(l).messages, 'InstallSnapshot', 3);
    assert.deepEqual(shape(again), shape(first), 'the same chunk again, after the wait');
  });

  void it('a snapshot that is never answered goes out a few times in ten heartbeat intervals, not ten', () => {
    const { l } = snapshotLeader();
    let copies = 1;
    for (let t = 0; t < 10 * HEARTBEAT; t++) {
      l.tick();
      copies += sent(drain(l).messages, 'InstallSnapshot', 3).length;
    }
    assert.ok(copies <= 5, `${copies} copies of the first chunk`);
  });
});

// ---------------------------------------------------------------- chunks

void describe('chunked InstallSnapshot (Figure 13)', () => {
  void it('in-order chunks are assembled and installed with the last; the leader then probes from index + 1', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    let m: InstallSnapshot = first;
    const offsets: number[] = [];
    for (let k = 0; k < 5; k++) {
      offsets.push(m.offset);
      const { reply, applySnapshot, snapshot, eagerMessages } = answer(f, m);
      assert.deepEqual(eagerMessages, [], 'a snapshot reply waits for the write');
      l.step(reply);
      if (m.done) {
        assert.deepEqual(applySnapshot, { index: 5, term: 1, data: DATA });
        assert.deepEqual(snapshot, applySnapshot, 'persisted');
        break;
      }
      assert.equal(applySnapshot, null, 'nothing is installed before the last chunk');
      m = only(drain(l).messages, 'InstallSnapshot', 3);
    }
    assert.deepEqual(offsets, [0, 4, 8]);
    assert.deepEqual(l.followerStatus(3), { match: 5, next: 6, state: 'probe', inflight: 0 });
    l.propose('c6');
    const next = only(drain(l).messages, 'AppendEntries', 3);
    assert.deepEqual([next.prevLogIndex, next.prevLogTerm, next.entries.map((e) => e.index)], [5, 1, [6]]);
  });

  void it('a lost chunk is resent after the wait, from the same offset', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    l.step(answer(f, first).reply);
    const second = only(drain(l).messages, 'InstallSnapshot', 3); // Lost.
    assert.equal(second.offset, 4);
    let resent: InstallSnapshot | undefined;
    for (let t = 0; t < 20 && resent === undefined; t++) {
      l.tick();
      resent = sent(drain(l).messages, 'InstallSnapshot', 3)[0];
    }
    assert.ok(resent);
    assert.deepEqual(shape(resent), shape(second));
  });

  void it('a duplicated chunk changes nothing: the follower answers with what it holds, the leader does not rewind', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    const r1 = answer(f, first).reply;
    l.step(r1);
    const second = only(drain(l).messages, 'InstallSnapshot', 3);
    const dup = answer(f, first);
    assert.deepEqual(dup.reply, r1, 'received is still 4');
    l.step(dup.reply); // The duplicate's answer reaches the leader too.
    assert.deepEqual(sent(drain(l).messages, 'InstallSnapshot', 3), [], 'no rewind, no extra chunk');
    const r2 = answer(f, second).reply;
    assert.equal(r2.type === 'InstallSnapshotReply' && r2.received, 8);
  });

  void it('a reordered chunk is ignored and `received` tells where to resume', () => {
    const f = makeNode(3, THREE);
    const c = (offset: number): InstallSnapshot =>
      chunk(1, 3, 1, 5, 1, DATA.subarray(offset, Math.min(10, offset + CHUNK)), { offset, size: 10 });
    answer(f, c(0));
    const early = answer(f, c(8));
    assert.deepEqual(early.reply, snapReply(3, 1, 1, 5, 1, { offset: 8, received: 4 }));
    assert.equal(early.applySnapshot, null);
    answer(f, c(4));
    const last = answer(f, c(8));
    assert.deepEqual(last.reply, snapReply(3, 1, 1, 5, 1, { offset: 8, received: 10, matchIndex: 5 }));
    assert.deepEqual(last.applySnapshot, { index: 5, term: 1, data: DATA });
  });

  void it('the leader resumes at the `received` a follower reports, not at the offset it expected', () => {
    const { l } = snapshotLeader();
    l.step(snapReply(3, 1, 1, 5, 1, { offset: 0, received: 8 })); // It held more than this chunk.
    assert.equal(only(drain(l).messages, 'InstallSnapshot', 3).offset, 8);
  });

  void it('a newer snapshot taken mid-transfer restarts the transfer at offset 0 of the newer one', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    l.step(answer(f, first).reply);
    const second = only(drain(l).messages, 'InstallSnapshot', 3);
    l.propose('c6');
    drain(l);
    l.step(ack(2, 1, 1, 6));
    drain(l);
    const newer = Uint8Array.of(6, 6, 6, 6, 6, 6);
    l.compact(6, newer);
    drain(l);
    l.step(answer(f, second).reply); // The answer to the old snapshot's second chunk.
    const restart = only(drain(l).messages, 'InstallSnapshot', 3);
    assert.deepEqual([restart.lastIncludedIndex, restart.offset, restart.size], [6, 0, 6]);
    // The follower starts over too: its partial copy of the older snapshot is dropped.
    let m = restart;
    for (let k = 0; k < 3 && !m.done; k++) {
      l.step(answer(f, m).reply);
      m = only(drain(l).messages, 'InstallSnapshot', 3);
    }
    const installed = answer(f, m);
    assert.deepEqual(installed.applySnapshot, { index: 6, term: 1, data: newer });
  });

  void it('a follower that restarted mid-transfer answers received 0, and the leader starts over', () => {
    const { l, first } = snapshotLeader();
    const before = makeNode(3, THREE);
    l.step(answer(before, first).reply);
    const second = only(drain(l).messages, 'InstallSnapshot', 3);
    const restarted = makeNode(3, THREE, {}, before.persistentState()); // The partial copy was in memory only.
    const r = answer(restarted, second).reply;
    assert.deepEqual(r, snapReply(3, 1, 1, 5, 1, { offset: 4, received: 0 }));
    l.step(r);
    const again = only(drain(l).messages, 'InstallSnapshot', 3);
    assert.deepEqual(shape(again), shape(first));
  });

  void it('a follower that already holds (index, term) just commits: no applySnapshot, and the leader probes on', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    f.step(append(1, 3, 1, { entries: run(1, 1, 1, 1, 1, 1), leaderCommit: 2 }));
    drain(f);
    const r = answer(f, first);
    assert.equal(r.applySnapshot, null, 'its state machine is not reloaded');
    assert.equal(r.snapshot, null);
    assert.deepEqual(
      r.committed.map((e) => e.index),
      [3, 4, 5],
    );
    assert.deepEqual(r.reply, snapReply(3, 1, 1, 5, 1, { offset: 0, received: 10, matchIndex: 5 }));
    l.step(r.reply);
    assert.deepEqual(l.followerStatus(3), { match: 5, next: 6, state: 'probe', inflight: 0 });
    assert.deepEqual(sent(drain(l).messages, 'InstallSnapshot', 3), [], 'no more chunks');
  });

  void it('a stale or duplicated reply does not rewind the leader', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    const r1 = answer(f, first).reply;
    l.step(r1);
    const second = only(drain(l).messages, 'InstallSnapshot', 3);
    l.step(r1); // Duplicate of the first answer.
    l.step(snapReply(3, 1, 1, 4, 1, { offset: 4 })); // About another snapshot, at the offset in flight.
    assert.deepEqual(sent(drain(l).messages, 'InstallSnapshot', 3), []);
    const r2 = answer(f, second).reply;
    l.step(r2);
    assert.equal(only(drain(l).messages, 'InstallSnapshot', 3).offset, 8, 'the transfer went on from 8');
  });

  void it('a stale installed reply (matchIndex below what is known) does not move match back', () => {
    const { l, first } = snapshotLeader();
    const f = makeNode(3, THREE);
    let m = first;
    for (let k = 0; k < 3; k++) {
      const r = answer(f, m).reply;
      l.step(r);
      if (m.done) break;
      m = only(drain(l).messages, 'InstallSnapshot', 3);
    }
    l.propose('c6');
    drain(l);
    l.step(ack(3, 1, 1, 6));
    l.step(snapReply(3, 1, 1, 5, 1, { offset: 8, received: 10, matchIndex: 5 })); // Late duplicate.
    assert.equal(l.followerStatus(3)?.match, 6);
    assert.equal(l.followerStatus(3)?.state, 'replicate');
  });
});
