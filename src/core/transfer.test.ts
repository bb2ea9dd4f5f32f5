// Message-level tests of leadership transfer (Raft thesis 3.10; issue 8) and of the leader lease that a transfer
// overrides (thesis 4.2.3). Each test is named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalDroppedError, RaftError } from './errors.js';
import {
  MIN,
  THREE,
  ack,
  drain,
  electLeader,
  heartbeat,
  makeNode,
  only,
  sent,
  tick,
  timeoutNow,
  voteReq,
} from '../../test/support/raft-node-kit.js';

const lease = { preVote: true, checkQuorum: true } as const;

/** Follower `id` of leader 1 in term 1, which has just heard a heartbeat (it is in the leader's lease). */
function followerOf1(id: number, over = {}): ReturnType<typeof makeNode> {
  const f = makeNode(
    id,
    THREE,
    { ...lease, ...over },
    { hardState: { term: 1, votedFor: 1 }, snapshot: null, entries: [] },
  );
  f.step(heartbeat(1, id, 1));
  drain(f);
  return f;
}

void describe('leadership transfer (thesis 3.10)', () => {
  void it('to an up-to-date target: TimeoutNow at once', () => {
    const l = electLeader(1, THREE, lease);
    l.transferLeadership(2);
    assert.equal(l.status().transferee, 2);
    const rd = l.takeReady();
    const t = only(rd.eagerMessages, 'TimeoutNow', 2);
    assert.equal(t.term, 1);
  });

  void it('the target campaigns at once with transfer = true, skipping pre-vote; voters in lease still vote', () => {
    const target = followerOf1(2);
    target.step(timeoutNow(1, 2, 1));
    assert.deepEqual([target.status().role, target.status().term], ['candidate', 2], 'no pre-vote round');
    const reqs = sent(drain(target).messages, 'RequestVote');
    assert.ok(reqs.length === 2 && reqs.every((m) => m.transfer && !m.preVote && m.term === 2));
    const voter = followerOf1(3);
    voter.step(only(reqs, 'RequestVote', 3));
    const reply = only(drain(voter).messages, 'RequestVoteReply', 2);
    assert.equal(reply.voteGranted, true, 'a transfer is not ignored by a voter in lease');
    target.step(reply);
    assert.equal(target.status().role, 'leader');
  });

  void it('a TimeoutNow from anyone but the follower current leader is ignored', () => {
    const f = followerOf1(2);
    f.step(timeoutNow(3, 2, 1));
    assert.equal(f.status().role, 'follower');
  });

  void it('to a lagging target: it is caught up first, then sent TimeoutNow', () => {
    const l = electLeader(1, THREE, lease);
    l.propose('a');
    l.propose('b');
    drain(l); // Lost on the way to 2.
    l.step(ack(3, 1, 1, 2));
    l.reportUnreachable(2);
    l.transferLeadership(2);
    const rd = drain(l);
    assert.deepEqual(sent(rd.messages, 'TimeoutNow'), [], 'not while the target lags');
    const catchUp = only(rd.messages, 'AppendEntries', 2);
    assert.deepEqual(
      catchUp.entries.map((e) => e.command),
      ['a', 'b'],
      'the target is brought up to date',
    );
    l.step(ack(2, 1, 1, 1));
    assert.deepEqual(sent(drain(l).messages, 'TimeoutNow'), [], 'still one entry behind');
    l.step(ack(2, 1, 1, 2));
    assert.equal(only(drain(l).messages, 'TimeoutNow', 2).term, 1);
  });

  void it('proposals are refused while a transfer is under way', () => {
    const l = electLeader(1, THREE, lease);
    l.transferLeadership(2);
    assert.throws(
      () => l.propose('x'),
      (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'transferring',
    );
    assert.equal(l.status().lastIndex, 0);
  });

  void it('a transfer is abandoned after an election timeout: proposals are taken again', () => {
    const l = electLeader(1, THREE, lease);
    l.transferLeadership(2);
    drain(l);
    for (let t = 1; t < MIN; t++) {
      l.tick();
      for (const m of sent(drain(l).messages, 'Heartbeat'))
        l.step({ type: 'HeartbeatReply', from: m.to, to: 1, term: 1, readRound: 0 });
    }
    assert.equal(l.status().transferee, 2, 'not before electionTicks.min');
    l.tick();
    assert.equal(l.status().transferee, null);
    assert.equal(l.status().role, 'leader');
    assert.deepEqual(l.propose('x'), { index: 1, term: 1 });
  });

  void it('transferLeadership on a non-leader or to a stranger throws', () => {
    const f = followerOf1(2);
    assert.throws(
      () => {
        f.transferLeadership(3);
      },
      (e: unknown) => e instanceof RaftError && e.code === 'RAFT_NOT_LEADER',
    );
    const l = electLeader(1, THREE, lease);
    assert.throws(
      () => {
        l.transferLeadership(9);
      },
      (e: unknown) => e instanceof RaftError && e.code === 'RAFT_BAD_STATE',
    );
    assert.throws(
      () => {
        l.transferLeadership(1);
      },
      (e: unknown) => e instanceof RaftError,
    );
  });
});

void describe('leader lease (thesis 4.2.3)', () => {
  void it('a real RequestVote of a higher term is ignored by a follower in lease: term unchanged, no reply', () => {
    const f = followerOf1(2);
    f.step(voteReq(3, 2, 5, { lastLogIndex: 9, lastLogTerm: 9 }));
    assert.deepEqual([f.status().term, f.status().votedFor, f.status().leaderId], [1, 1, 1]);
    assert.equal(f.hasReady(), false, 'no reply, nothing to persist');
  });

  void it('the same RequestVote is heard once the lease has run out', () => {
    const f = followerOf1(2, { rand: { int: (n: number) => n - 1 } });
    tick(f, MIN);
    f.step(voteReq(3, 2, 5, { lastLogIndex: 9, lastLogTerm: 9 }));
    assert.equal(f.status().term, 5);
    assert.equal(only(drain(f).messages, 'RequestVoteReply', 3).voteGranted, true);
  });

  void it('a leader with checkQuorum ignores a real RequestVote of a higher term, but not a transfer', () => {
    const l = electLeader(1, THREE, lease);
    l.step(voteReq(3, 1, 5, { lastLogIndex: 9, lastLogTerm: 9 }));
    assert.deepEqual([l.status().role, l.status().term], ['leader', 1]);
    l.step(voteReq(3, 1, 5, { transfer: true, lastLogIndex: 9, lastLogTerm: 9 }));
    assert.deepEqual([l.status().role, l.status().term], ['follower', 5]);
  });

  void it('without checkQuorum there is no lease: a higher-term RequestVote is heard', () => {
    const f = makeNode(
      2,
      THREE,
      { preVote: true },
      { hardState: { term: 1, votedFor: 1 }, snapshot: null, entries: [] },
    );
    f.step(heartbeat(1, 2, 1));
    drain(f);
    f.step(voteReq(3, 2, 5));
    assert.equal(f.status().term, 5);
  });
});
