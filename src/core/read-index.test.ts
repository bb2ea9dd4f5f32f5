// Message-level tests of ReadIndex (Raft thesis 6.4; issue 8): a leader releases a read only once a quorum has
// answered a heartbeat of the read's round, only after it committed an entry of its term, and never once deposed.
// Each test is named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftNode } from './raft-node.js';
import {
  THREE,
  ack,
  append,
  drain,
  electLeader,
  expire,
  heartbeatReply,
  makeNode,
  sent,
} from '../../test/support/raft-node-kit.js';

const FIVE = [1, 2, 3, 4, 5] as const;

/** Leader 1 of `peers`, term 1, with entry 1 ('x', of its term) committed through follower 2. */
function committedLeader(peers: readonly number[] = THREE): RaftNode {
  const l = electLeader(1, peers);
  l.propose('x');
  drain(l);
  for (const p of peers.slice(1, Math.floor(peers.length / 2) + 1)) l.step(ack(p, 1, 1, 1));
  assert.equal(l.status().commitIndex, 1);
  drain(l);
  return l;
}

void describe('ReadIndex (thesis 6.4)', () => {
  void it('a read is released only after a quorum answered a heartbeat of its round', () => {
    const l = committedLeader(FIVE);
    assert.equal(l.requestRead('r'), true);
    const rd = drain(l);
    assert.deepEqual(rd.readStates, [], 'not before any confirmation');
    const beats = sent(rd.messages, 'Heartbeat');
    assert.deepEqual(
      beats.map((m) => [m.to, m.readRound]),
      [
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
      ],
      'a new round goes out at once',
    );
    l.step(heartbeatReply(2, 1, 1, 1));
    assert.deepEqual(drain(l).readStates, [], 'the leader and one follower of five');
    l.step(heartbeatReply(2, 1, 1, 1)); // A duplicate counts once.
    assert.deepEqual(drain(l).readStates, []);
    l.step(heartbeatReply(3, 1, 1, 1));
    assert.deepEqual(drain(l).readStates, [{ context: 'r', index: 1 }]);
    l.step(heartbeatReply(4, 1, 1, 1));
    assert.deepEqual(drain(l).readStates, [], 'released once');
  });

  void it('reads asked together share a round and are released in order', () => {
    const l = committedLeader();
    l.requestRead('a');
    l.requestRead('b');
    const beats = sent(drain(l).messages, 'Heartbeat');
    assert.equal(beats.length, 2, 'one round for both');
    l.step(heartbeatReply(3, 1, 1, 1));
    assert.deepEqual(
      drain(l).readStates.map((r) => r.context),
      ['a', 'b'],
    );
  });

  void it('a read waits for a commit in the leader term, then confirms at that commit index', () => {
    const l = electLeader(
      1,
      THREE,
      {},
      {
        hardState: { term: 1, votedFor: null },
        snapshot: null,
        entries: [{ index: 1, term: 1, command: 'old' }],
      },
    );
    assert.equal(l.status().term, 2);
    l.requestRead('r');
    const rd = drain(l);
    assert.deepEqual(sent(rd.messages, 'Heartbeat'), [], 'no round opens before a commit of term 2');
    l.step(heartbeatReply(2, 1, 2, 1)); // Whatever it claims, there is no round 1 yet.
    assert.deepEqual(drain(l).readStates, []);
    l.propose('new');
    drain(l);
    l.step(ack(2, 1, 2, 2));
    assert.equal(l.status().commitIndex, 2);
    const beats = sent(drain(l).messages, 'Heartbeat');
    assert.ok(beats.length === 2 && beats.every((m) => m.readRound === 1), 'the round opens with the commit');
    l.step(heartbeatReply(3, 1, 2, 1));
    assert.deepEqual(drain(l).readStates, [{ context: 'r', index: 2 }]);
  });

  void it('a deposed leader (a higher term seen) drops its reads and never releases them', () => {
    const l = committedLeader();
    l.requestRead('r');
    drain(l);
    l.step(append(3, 1, 2)); // A leader of term 2.
    const rd = drain(l);
    assert.deepEqual(rd.droppedReads, ['r']);
    assert.deepEqual(rd.readStates, []);
    l.step(heartbeatReply(2, 1, 1, 1)); // Late confirmations of the old term are stale.
    l.step(heartbeatReply(2, 1, 2, 1));
    assert.deepEqual(drain(l).readStates, []);
    assert.equal(l.requestRead('again'), false, 'a follower takes no read');
  });

  void it('a read waiting for its first commit is dropped too when the leader steps down', () => {
    const l = electLeader(
      1,
      THREE,
      {},
      {
        hardState: { term: 1, votedFor: null },
        snapshot: null,
        entries: [{ index: 1, term: 1, command: 'old' }],
      },
    );
    l.requestRead('r');
    drain(l);
    l.step(heartbeatReply(2, 1, 3));
    assert.deepEqual(drain(l).droppedReads, ['r']);
  });

  void it('a stale HeartbeatReply from an earlier round does not confirm a later one', () => {
    const l = committedLeader();
    l.requestRead('first');
    drain(l);
    l.step(heartbeatReply(2, 1, 1, 1));
    assert.deepEqual(
      drain(l).readStates.map((r) => r.context),
      ['first'],
    );
    l.requestRead('second');
    assert.ok(sent(drain(l).messages, 'Heartbeat').every((m) => m.readRound === 2));
    l.step(heartbeatReply(2, 1, 1, 1)); // A late duplicate of round 1.
    l.step(heartbeatReply(3, 1, 1, 0)); // An ordinary heartbeat's answer.
    assert.deepEqual(drain(l).readStates, []);
    l.step(heartbeatReply(3, 1, 1, 2));
    assert.deepEqual(
      drain(l).readStates.map((r) => r.context),
      ['second'],
    );
  });

  void it('a reply claiming a round not yet opened confirms nothing', () => {
    const l = committedLeader();
    l.step(heartbeatReply(2, 1, 1, 5));
    l.requestRead('r');
    drain(l);
    assert.deepEqual(drain(l).readStates, [], 'the earlier claim of round 5 does not count for round 1');
  });

  void it('a single-node cluster releases a read at once', () => {
    const n = makeNode(1, [1]);
    expire(n);
    drain(n);
    n.propose('x');
    drain(n);
    drain(n);
    assert.equal(n.status().commitIndex, 1);
    assert.equal(n.requestRead('r'), true);
    assert.deepEqual(drain(n).readStates, [{ context: 'r', index: 1 }]);
  });
});
