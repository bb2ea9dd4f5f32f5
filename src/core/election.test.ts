// Message-level tests of leader election (Figure 2: RequestVote RPC, Rules for Servers; section 5.4.1; pre-vote
// and check-quorum from the Raft thesis, 9.6). Each test is named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftConfig } from './config.js';
import type {
  AppendEntriesReply,
  InstallSnapshot,
  InstallSnapshotReply,
  Message,
  RequestVote,
  RequestVoteReply,
} from './messages.js';
import type { RaftNode } from './raft-node.js';
import type { NodeId, PersistedState, RandomSource } from './types.js';
import {
  MAX,
  chunk,
  heartbeat,
  heartbeatReply,
  snapReply,
  MIN,
  THREE,
  ack,
  append,
  drain,
  expire,
  fixed,
  makeNode,
  only,
  persisted,
  sent,
  tick,
  voteReply,
  voteReq,
} from '../../test/support/raft-node-kit.js';

// ---------------------------------------------------------------- helpers

/** Makes `id` leader of `peers` by letting its timer fire and granting it every vote; its Ready is drained. */
function makeLeader(
  id: NodeId,
  peers: readonly NodeId[],
  over: Partial<RaftConfig> = {},
  state?: PersistedState,
): RaftNode {
  const n = makeNode(id, peers, over, state);
  expire(n);
  if (n.status().role === 'precandidate') {
    for (const p of peers) if (p !== id) n.step(voteReply(p, id, n.status().term + 1, true, true));
  }
  for (const p of peers) if (p !== id) n.step(voteReply(p, id, n.status().term, true));
  assert.equal(n.status().role, 'leader');
  drain(n);
  return n;
}

const FIVE = [1, 2, 3, 4, 5] as const;

// ---------------------------------------------------------------- tests

void describe('election timeout (Rules for Followers: campaign after an election timeout)', () => {
  void it('a follower campaigns after exactly its randomized timeout, drawn from [min, max)', () => {
    const draws: number[] = [];
    const top: RandomSource = {
      int: (n) => {
        draws.push(n);
        return n - 1; // The largest draw allowed: timeout = MAX - 1.
      },
    };
    const n = makeNode(1, THREE, { rand: top });
    assert.deepEqual(draws, [MAX - MIN], 'the draw spans [min, max)');
    tick(n, MAX - 2);
    assert.equal(n.status().role, 'follower');
    assert.equal(n.hasReady(), false, 'nothing happens before the timeout');
    n.tick();
    assert.equal(n.status().role, 'candidate');
    assert.equal(n.status().term, 1);
    const rd = drain(n);
    assert.deepEqual(
      sent(rd.messages, 'RequestVote').map((m) => m.to),
      [2, 3],
    );
    assert.equal(draws.length, 2, 'campaigning draws a fresh timeout');
  });

  void it('the smallest draw campaigns at exactly electionTicks.min', () => {
    const n = makeNode(1, THREE, { rand: fixed(0) });
    tick(n, MIN - 1);
    assert.equal(n.status().role, 'follower');
    n.tick();
    assert.equal(n.status().role, 'candidate');
  });

  void it('granting a vote resets the election timer; refusing one does not', () => {
    const granter = makeNode(2, THREE);
    tick(granter, MIN - 1);
    granter.step(voteReq(1, 2, 1));
    assert.equal(granter.status().votedFor, 1);
    tick(granter, MIN - 1);
    assert.equal(granter.status().role, 'follower', 'the grant restarted the timer');
    granter.tick();
    assert.equal(granter.status().role, 'candidate');

    const refuser = makeNode(2, THREE, {}, persisted(1, 3));
    tick(refuser, MIN - 1);
    refuser.step(voteReq(1, 2, 1)); // Already voted for 3 in term 1.
    assert.equal(only(drain(refuser).messages, 'RequestVoteReply').voteGranted, false);
    refuser.tick();
    assert.equal(refuser.status().role, 'candidate', 'a refusal does not restart the timer');
  });

  void it('a candidate starts with a vote for itself, persisted with its new term before the requests leave', () => {
    const n = makeNode(1, THREE, {}, persisted(4, null, 1, 4));
    expire(n);
    const rd = drain(n);
    assert.deepEqual(rd.hardState, { term: 5, votedFor: 1 });
    for (const m of sent(rd.messages, 'RequestVote')) {
      assert.deepEqual(
        { term: m.term, preVote: m.preVote, lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm },
        { term: 5, preVote: false, lastLogIndex: 2, lastLogTerm: 4 },
      );
    }
    assert.equal(sent(rd.messages, 'RequestVote').length, 2);
  });
});

void describe('pre-vote (thesis 9.6)', () => {
  void it('term 0 skips the pre-vote: the first election is a real one', () => {
    const n = makeNode(1, THREE, { preVote: true });
    expire(n);
    assert.equal(n.status().role, 'candidate');
    assert.equal(n.status().term, 1);
    const req = only(drain(n).messages, 'RequestVote', 2);
    assert.equal(req.preVote, false);
    assert.equal(req.term, 1);
  });

  void it('after term 0 an election starts with a pre-vote that proposes term + 1 and changes nothing', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(3, 2, 1, 3));
    expire(n);
    assert.equal(n.status().role, 'precandidate');
    assert.equal(n.status().term, 3, 'a pre-candidate keeps its term');
    assert.equal(n.status().votedFor, 2, 'and its vote');
    const rd = drain(n);
    assert.equal(rd.hardState, null, 'nothing to persist');
    const req = only(rd.messages, 'RequestVote', 2);
    assert.deepEqual(
      { term: req.term, preVote: req.preVote, lastLogIndex: req.lastLogIndex, lastLogTerm: req.lastLogTerm },
      { term: 4, preVote: true, lastLogIndex: 2, lastLogTerm: 3 },
    );
  });

  void it('a pre-vote quorum leads to a real election in the proposed term', () => {
    const n = makeNode(1, FIVE, { preVote: true }, persisted(3, null));
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 4, true, true));
    assert.equal(n.status().role, 'precandidate', 'two of five is no quorum');
    assert.equal(n.hasReady(), false);
    n.step(voteReply(3, 1, 4, true, true));
    assert.equal(n.status().role, 'candidate');
    assert.equal(n.status().term, 4);
    const rd = drain(n);
    assert.deepEqual(rd.hardState, { term: 4, votedFor: 1 });
    const reqs = sent(rd.messages, 'RequestVote');
    assert.equal(reqs.length, 4);
    assert.ok(reqs.every((m) => !m.preVote && m.term === 4));
  });

  void it('a granted pre-vote changes neither the voter term nor its vote, and persists nothing', () => {
    const voter = makeNode(2, THREE, { preVote: true }, persisted(3, 3, 1, 3));
    voter.step(voteReq(1, 2, 4, { preVote: true, lastLogIndex: 2, lastLogTerm: 3 }));
    const rd = drain(voter);
    const reply = only(rd.messages, 'RequestVoteReply', 1);
    assert.deepEqual(
      { term: reply.term, preVote: reply.preVote, voteGranted: reply.voteGranted },
      { term: 4, preVote: true, voteGranted: true },
      'a granted pre-vote echoes the proposed term',
    );
    assert.equal(rd.hardState, null);
    assert.deepEqual([voter.status().term, voter.status().votedFor, voter.status().role], [3, 3, 'follower']);
  });

  void it('a pre-vote for a stale log is refused with the voter term', () => {
    const voter = makeNode(2, THREE, { preVote: true }, persisted(3, null, 1, 3));
    voter.step(voteReq(1, 2, 4, { preVote: true, lastLogIndex: 5, lastLogTerm: 2 }));
    const reply = only(drain(voter).messages, 'RequestVoteReply', 1);
    assert.deepEqual([reply.term, reply.voteGranted, reply.preVote], [3, false, true]);
    assert.equal(voter.status().term, 3);
  });

  void it('a pre-vote is refused while the voter heard from a leader within electionTicks.min, and granted after', () => {
    // The voter's own timeout is MAX - 1, so it does not campaign itself while we wait out the lease.
    const voter = makeNode(2, THREE, { preVote: true, rand: fixed(MAX - MIN - 1) }, persisted(1, null));
    voter.step(append(1, 2, 1));
    drain(voter);
    const ask = (): RequestVoteReply => {
      voter.step(voteReq(3, 2, 2, { preVote: true }));
      return only(drain(voter).messages, 'RequestVoteReply', 3);
    };
    assert.equal(ask().voteGranted, false, 'just heard from the leader');
    tick(voter, MIN - 1);
    assert.equal(ask().voteGranted, false, 'still within the lease');
    voter.tick();
    const reply = ask();
    assert.equal(reply.voteGranted, true, 'the lease has run out');
    assert.equal(reply.term, 2);
    assert.equal(voter.status().term, 1, 'and still nothing changed');
    assert.equal(voter.status().role, 'follower');
  });

  void it('a node cut off from the cluster does not inflate its term, and does not depose the leader on its return', () => {
    const pv = { preVote: true } as const;
    const leader = makeLeader(1, THREE, pv);
    const voter = makeNode(2, THREE, { ...pv, rand: fixed(MAX - MIN - 1) });
    const loner = makeNode(3, THREE, pv);
    for (const f of [voter, loner]) {
      f.step(append(1, f.status().id, 1));
      drain(f);
    }
    // Cut off, the loner times out again and again; every pre-vote is lost.
    let preVotes: RequestVote[] = [];
    for (let round = 0; round < 5; round++) {
      tick(loner, MIN - 1);
      assert.equal(loner.hasReady(), false);
      loner.tick(); // Its timeout is MIN.
      assert.equal(loner.status().role, 'precandidate');
      preVotes = sent(drain(loner).messages, 'RequestVote');
      assert.ok(preVotes.every((m) => m.preVote && m.term === 2));
    }
    assert.equal(loner.status().term, 1, 'five timeouts later, still term 1');
    // Back in touch: the voter heard from the leader recently, and the leader is the leader.
    tick(voter, 2);
    for (const [node, m] of [
      [voter, only(preVotes, 'RequestVote', 2)],
      [leader, only(preVotes, 'RequestVote', 1)],
    ] as const) {
      node.step(m);
      for (const r of drain(node).messages) loner.step(r);
    }
    assert.deepEqual([loner.status().role, loner.status().term], ['follower', 1]);
    assert.deepEqual([leader.status().role, leader.status().term], ['leader', 1]);
    assert.deepEqual([voter.status().term, voter.status().leaderId], [1, 1]);
  });

  void it('a leader refuses every pre-vote', () => {
    const leader = makeLeader(1, THREE, { preVote: true });
    leader.step(voteReq(2, 1, leader.status().term + 1, { preVote: true, lastLogIndex: 9, lastLogTerm: 9 }));
    const reply = only(drain(leader).messages, 'RequestVoteReply', 2);
    assert.equal(reply.voteGranted, false);
    assert.equal(leader.status().role, 'leader');
  });

  void it('a refused pre-vote from a voter in a higher term makes the pre-candidate a follower of that term', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(3, null));
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 7, false, true));
    assert.deepEqual([n.status().role, n.status().term, n.status().votedFor], ['follower', 7, null]);
    assert.deepEqual(drain(n).hardState, { term: 7, votedFor: null });
  });

  void it('a pre-vote quorum of refusals ends the round without touching the term', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(3, null));
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 3, false, true));
    n.step(voteReply(3, 1, 3, false, true));
    assert.deepEqual([n.status().role, n.status().term], ['follower', 3]);
  });

  void it('a granted pre-vote for another round (another proposed term) is not counted', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(3, null));
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 9, true, true)); // Not the term 4 we proposed.
    assert.equal(n.status().role, 'precandidate');
    assert.equal(n.status().term, 3);
  });
});

void describe('winning and losing (Rules for Candidates)', () => {
  void it('a candidate wins with a quorum and sends heartbeats to every follower at once', () => {
    const n = makeNode(1, FIVE);
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 1, true));
    assert.equal(n.status().role, 'candidate', 'two of five is no quorum');
    n.step(voteReply(2, 1, 1, true));
    assert.equal(n.status().role, 'candidate', 'a repeated grant counts once');
    n.step(voteReply(3, 1, 1, true));
    assert.equal(n.status().role, 'leader');
    assert.equal(n.status().leaderId, 1);
    const beats = sent(drain(n).messages, 'AppendEntries');
    assert.deepEqual(
      beats.map((m) => m.to),
      [2, 3, 4, 5],
    );
    assert.ok(beats.every((m) => m.term === 1 && m.entries.length === 0));
  });

  void it('a split vote times out and the candidate retries in a higher term', () => {
    const n = makeNode(1, [1, 2, 3, 4]);
    expire(n);
    drain(n);
    n.step(voteReply(2, 1, 1, true));
    n.step(voteReply(3, 1, 1, false));
    n.step(voteReply(4, 1, 1, false)); // 2 for, 2 against: nobody has 3 of 4.
    assert.equal(n.status().role, 'candidate');
    expire(n);
    assert.deepEqual([n.status().role, n.status().term, n.status().votedFor], ['candidate', 2, 1]);
    const rd = drain(n);
    assert.deepEqual(rd.hardState, { term: 2, votedFor: 1 });
    assert.deepEqual(
      sent(rd.messages, 'RequestVote').map((m) => [m.to, m.term]),
      [
        [2, 2],
        [3, 2],
        [4, 2],
      ],
    );
    n.step(voteReply(2, 1, 1, true)); // Late grants from term 1 count for nothing now.
    n.step(voteReply(3, 1, 1, true));
    assert.equal(n.status().role, 'candidate');
  });

  void it('with pre-vote, a split vote retries through a pre-vote for the next term', () => {
    const n = makeNode(1, [1, 2, 3, 4], { preVote: true }, persisted(1, null));
    expire(n);
    for (const p of [2, 3]) n.step(voteReply(p, 1, 2, true, true));
    assert.deepEqual([n.status().role, n.status().term], ['candidate', 2]);
    drain(n);
    expire(n);
    assert.deepEqual([n.status().role, n.status().term], ['precandidate', 2]);
    const req = only(drain(n).messages, 'RequestVote', 2);
    assert.deepEqual([req.preVote, req.term], [true, 3]);
  });

  void it('a quorum of refusals makes the candidate a follower of the same term', () => {
    const n = makeNode(1, THREE);
    expire(n);
    n.step(voteReply(2, 1, 1, false));
    assert.equal(n.status().role, 'candidate');
    n.step(voteReply(3, 1, 1, false));
    assert.deepEqual([n.status().role, n.status().term, n.status().votedFor], ['follower', 1, 1]);
  });

  void it('a candidate that hears AppendEntries from a leader of its term becomes its follower', () => {
    const n = makeNode(1, THREE);
    expire(n);
    drain(n);
    n.step(append(2, 1, 1));
    assert.deepEqual([n.status().role, n.status().term, n.status().leaderId], ['follower', 1, 2]);
    assert.equal(only(drain(n).messages, 'AppendEntriesReply', 2).success, true);
  });

  void it('a vote reply that reaches a follower or a leader changes nothing', () => {
    const leader = makeLeader(1, THREE);
    leader.step(voteReply(3, 1, 1, false));
    leader.step(voteReply(3, 1, 1, true));
    assert.equal(leader.status().role, 'leader');
    assert.equal(leader.hasReady(), false);
  });
});

void describe('RequestVote receiver (Figure 2)', () => {
  void it('at most one vote per term: a second candidate is refused, the same one is granted again', () => {
    const voter = makeNode(2, THREE);
    voter.step(voteReq(1, 2, 1));
    assert.equal(only(drain(voter).messages, 'RequestVoteReply', 1).voteGranted, true);
    voter.step(voteReq(3, 2, 1));
    const refused = only(drain(voter).messages, 'RequestVoteReply', 3);
    assert.deepEqual([refused.voteGranted, refused.term], [false, 1]);
    voter.step(voteReq(1, 2, 1));
    const again = drain(voter);
    assert.equal(only(again.messages, 'RequestVoteReply', 1).voteGranted, true, 'a retransmitted request');
    assert.equal(again.hardState, null, 'the vote was already persisted');
    assert.equal(voter.status().votedFor, 1);
  });

  void it('a vote survives a restart: the restarted voter still refuses another candidate in that term', () => {
    const voter = makeNode(2, THREE);
    voter.step(voteReq(1, 2, 1));
    drain(voter);
    const restarted = makeNode(2, THREE, {}, voter.persistentState());
    restarted.step(voteReq(3, 2, 1));
    assert.equal(only(drain(restarted).messages, 'RequestVoteReply', 3).voteGranted, false);
  });

  void it('a candidate and a leader have voted for themselves and refuse others in their term', () => {
    const cand = makeNode(1, THREE);
    expire(cand);
    drain(cand);
    cand.step(voteReq(2, 1, 1));
    assert.equal(only(drain(cand).messages, 'RequestVoteReply', 2).voteGranted, false);
    assert.equal(cand.status().role, 'candidate');

    const leader = makeLeader(1, THREE);
    leader.step(voteReq(2, 1, 1, { lastLogIndex: 9, lastLogTerm: 1 }));
    assert.equal(only(drain(leader).messages, 'RequestVoteReply', 2).voteGranted, false);
    assert.equal(leader.status().role, 'leader');
  });

  void it('a log with a lower last term is refused a vote, however long', () => {
    const voter = makeNode(2, THREE, {}, persisted(2, null, 1, 2));
    voter.step(voteReq(1, 2, 3, { lastLogIndex: 10, lastLogTerm: 1 }));
    const rd = drain(voter);
    assert.equal(only(rd.messages, 'RequestVoteReply', 1).voteGranted, false);
    assert.equal(voter.status().votedFor, null);
    assert.deepEqual(rd.hardState, { term: 3, votedFor: null }, 'it still adopts the higher term');
  });

  void it('a log with the same last term but shorter is refused a vote', () => {
    const voter = makeNode(2, THREE, {}, persisted(2, null, 1, 2, 2));
    voter.step(voteReq(1, 2, 3, { lastLogIndex: 2, lastLogTerm: 2 }));
    assert.equal(only(drain(voter).messages, 'RequestVoteReply', 1).voteGranted, false);
    assert.equal(voter.status().votedFor, null);
  });

  void it('an equally long log of the same last term, or a later last term, is granted', () => {
    const a = makeNode(2, THREE, {}, persisted(2, null, 1, 2, 2));
    a.step(voteReq(1, 2, 3, { lastLogIndex: 3, lastLogTerm: 2 }));
    assert.equal(only(drain(a).messages, 'RequestVoteReply', 1).voteGranted, true);

    const b = makeNode(2, THREE, {}, persisted(2, null, 1, 2, 2));
    b.step(voteReq(1, 2, 3, { lastLogIndex: 1, lastLogTerm: 3 }));
    assert.equal(only(drain(b).messages, 'RequestVoteReply', 1).voteGranted, true);
  });

  void it('the vote is in the hardState of the same Ready as the reply that grants it (persist before send)', () => {
    const voter = makeNode(2, THREE, {}, persisted(4, null));
    voter.step(voteReq(1, 2, 4));
    const rd = drain(voter);
    assert.equal(only(rd.messages, 'RequestVoteReply', 1).voteGranted, true);
    assert.deepEqual(rd.hardState, { term: 4, votedFor: 1 });

    const fresh = makeNode(3, THREE);
    fresh.step(voteReq(1, 3, 6));
    const rd2 = drain(fresh);
    assert.equal(only(rd2.messages, 'RequestVoteReply', 1).voteGranted, true);
    assert.deepEqual(rd2.hardState, { term: 6, votedFor: 1 }, 'new term and vote persisted together');
  });
});

void describe('terms (Rules for All Servers)', () => {
  const higher: { name: string; message: (to: NodeId) => Message }[] = [
    {
      name: 'RequestVote',
      message: (to) => voteReq(2, to, 5, { lastLogIndex: 0, lastLogTerm: 0 }),
    },
    { name: 'RequestVoteReply', message: (to) => voteReply(2, to, 5, false) },
    { name: 'AppendEntries', message: (to) => append(2, to, 5) },
    {
      name: 'AppendEntriesReply',
      message: (to): AppendEntriesReply => ({
        type: 'AppendEntriesReply',
        from: 2,
        to,
        term: 5,
        success: false,
        matchIndex: 0,
        rejectedIndex: 0,
        conflict: null,
      }),
    },
    { name: 'Heartbeat', message: (to) => heartbeat(2, to, 5) },
    { name: 'HeartbeatReply', message: (to) => heartbeatReply(2, to, 5) },
    {
      name: 'InstallSnapshot',
      message: (to): InstallSnapshot => chunk(2, to, 5, 1, 1, Uint8Array.of(1)),
    },
    {
      name: 'InstallSnapshotReply',
      message: (to): InstallSnapshotReply => snapReply(2, to, 5, 1, 1),
    },
  ];

  for (const { name, message } of higher) {
    void it(`a higher term in ${name} makes a leader a follower of that term and clears its vote`, () => {
      // The leader's log (index 1, term 1) is ahead of the RequestVote's, so no vote is granted afterwards.
      const leader = makeLeader(1, THREE, {}, persisted(0, null));
      leader.propose('x');
      drain(leader);
      leader.step(message(1));
      const s = leader.status();
      assert.equal(s.role, 'follower');
      assert.equal(s.term, 5);
      assert.equal(s.votedFor, null);
      const expectedLeader = ['AppendEntries', 'Heartbeat', 'InstallSnapshot'].includes(name) ? 2 : null;
      assert.equal(s.leaderId, expectedLeader);
      assert.deepEqual(drain(leader).hardState, { term: 5, votedFor: null });
    });
  }

  void it('a higher term in a RequestVote clears an earlier vote so that a new one can be granted', () => {
    const voter = makeNode(2, THREE, {}, persisted(3, 3));
    voter.step(voteReq(1, 2, 4));
    const rd = drain(voter);
    assert.equal(only(rd.messages, 'RequestVoteReply', 1).voteGranted, true);
    assert.deepEqual(rd.hardState, { term: 4, votedFor: 1 });
  });

  void it('a pre-vote request with a higher term changes no term', () => {
    const n = makeLeader(1, THREE, { preVote: true });
    n.step(voteReq(2, 1, 9, { preVote: true }));
    assert.deepEqual([n.status().role, n.status().term], ['leader', 1]);
    const rd = drain(n);
    assert.equal(rd.hardState, null);
  });

  void it('a stale-term request is refused with the current term and changes nothing', () => {
    const n = makeNode(2, THREE, {}, persisted(3, null, 1, 3));
    n.step(voteReq(1, 2, 2, { lastLogIndex: 10, lastLogTerm: 3 }));
    n.step(voteReq(1, 2, 2, { preVote: true, lastLogIndex: 10, lastLogTerm: 3 }));
    n.step(append(1, 2, 2, { prevLogIndex: 2, prevLogTerm: 3, entries: [], leaderCommit: 2 }));
    n.step(chunk(1, 2, 2, 5, 2, Uint8Array.of(1)));
    n.step(heartbeat(1, 2, 2, 2, 7));
    const rd = drain(n);
    assert.equal(rd.hardState, null);
    assert.equal(rd.applySnapshot, null);
    assert.deepEqual(rd.committed, []);
    const [vote, preVote, ae, snap, beat, ...rest] = rd.messages;
    assert.deepEqual(rest, []);
    assert.deepEqual(vote, voteReply(2, 1, 3, false));
    assert.deepEqual(preVote, voteReply(2, 1, 3, false, true));
    assert.deepEqual(ae, {
      type: 'AppendEntriesReply',
      from: 2,
      to: 1,
      term: 3,
      success: false,
      matchIndex: 0,
      rejectedIndex: 0,
      conflict: null,
    });
    assert.deepEqual(snap, snapReply(2, 1, 3, 5, 2), 'holds none of it, installed nothing');
    assert.deepEqual(beat, heartbeatReply(2, 1, 3), 'confirms no read round of a stale leader');
    assert.deepEqual(rd.eagerMessages, [], 'refusals are replies: they wait for the write');
    const s = n.status();
    assert.deepEqual([s.term, s.votedFor, s.leaderId, s.commitIndex, s.snapshotIndex], [3, null, null, 0, 0]);
  });

  void it('a stale-term reply is dropped without an answer', () => {
    const leader = makeLeader(1, THREE, {}, persisted(4, null));
    leader.step(voteReply(2, 1, 3, false));
    leader.step(ack(2, 1, 3, 0));
    assert.equal(leader.hasReady(), false);
    assert.equal(leader.status().role, 'leader');
  });

  void it('a leader ignores AppendEntries of its own term: it never takes another leader log', () => {
    const leader = makeLeader(1, THREE);
    leader.step(append(2, 1, 1, { entries: [{ index: 1, term: 1, command: 'intruder' }], leaderCommit: 1 }));
    assert.equal(leader.hasReady(), false);
    assert.deepEqual(
      [leader.status().role, leader.status().lastIndex, leader.status().commitIndex],
      ['leader', 0, 0],
    );
  });
});

void describe('addressing', () => {
  void it('a message to another id is ignored', () => {
    const n = makeNode(2, THREE);
    n.step(voteReq(1, 3, 5));
    n.step(append(1, 3, 5));
    assert.equal(n.hasReady(), false);
    assert.deepEqual([n.status().term, n.status().votedFor], [0, null]);
  });

  void it('a message from a stranger, or from itself, is ignored', () => {
    const n = makeNode(2, THREE);
    n.step(voteReq(9, 2, 5));
    n.step(append(9, 2, 5, { entries: [{ index: 1, term: 5, command: 'x' }] }));
    n.step(voteReq(2, 2, 5));
    assert.equal(n.hasReady(), false);
    assert.deepEqual([n.status().term, n.status().lastIndex, n.status().leaderId], [0, 0, null]);
  });
});

void describe('check-quorum', () => {
  const cq = { checkQuorum: true } as const;

  // Regression: Progress.recentActive once started true, so the first check-quorum window counted every
  // follower as having answered, and a leader cut off right after its election stepped down only after
  // 2 * electionTicks.max ticks (etcd's TestLeaderStepdownWhenQuorumLost checks the same rule).
  void it('a leader that hears from no follower for electionTicks.max ticks steps down', () => {
    const leader = makeLeader(1, THREE, cq);
    tick(leader, MAX - 1);
    assert.equal(leader.status().role, 'leader', 'not before the window ends');
    leader.tick();
    assert.equal(leader.status().role, 'follower', `still leader after ${MAX} ticks without an answer`);
    assert.equal(leader.status().term, 1, 'stepping down changes no term');
    assert.equal(leader.status().leaderId, null);
  });

  void it('a leader whose followers fall silent steps down within 2 * electionTicks.max ticks of the last answer', () => {
    const leader = makeLeader(1, THREE, cq);
    // Answer every heartbeat for a while.
    for (let t = 0; t < 3 * MAX; t++) {
      leader.tick();
      for (const m of sent(drain(leader).messages, 'AppendEntries')) {
        leader.step(ack(m.to, 1, 1, 0));
      }
    }
    assert.equal(leader.status().role, 'leader');
    let silent = 0;
    while (leader.status().role === 'leader' && silent < 3 * MAX) {
      leader.tick();
      silent++;
    }
    assert.equal(leader.status().role, 'follower');
    assert.ok(silent <= 2 * MAX, `stepped down ${silent} ticks after the last answer`);
  });

  void it('a leader that hears from a quorum (itself and one of three) stays leader', () => {
    const leader = makeLeader(1, THREE, cq);
    for (let t = 0; t < 5 * MAX; t++) {
      leader.tick();
      for (const m of sent(drain(leader).messages, 'AppendEntries', 2)) {
        leader.step(ack(m.to, 1, m.term, 0));
      }
    }
    assert.equal(leader.status().role, 'leader');
  });

  void it('one answering follower of four is no quorum of five: the leader steps down', () => {
    const leader = makeLeader(1, FIVE, cq);
    for (let t = 0; t < 5 * MAX && leader.status().role === 'leader'; t++) {
      leader.tick();
      for (const m of sent(drain(leader).messages, 'AppendEntries', 2)) {
        leader.step(ack(m.to, 1, m.term, 0));
      }
    }
    assert.equal(leader.status().role, 'follower');
  });

  void it('a leader that stepped down is not made leader again by a late vote from its won election', () => {
    const leader = makeLeader(1, THREE, { ...cq, preVote: true }, persisted(1, null));
    const term = leader.status().term;
    tick(leader, MAX); // no answers: steps down
    assert.equal(leader.status().role, 'follower');
    expire(leader); // pre-votes again in the same term
    assert.equal(leader.status().role, 'precandidate');
    leader.step(voteReply(2, 1, term)); // a duplicate of a vote it won with
    assert.equal(leader.status().role, 'precandidate');
  });

  void it('without checkQuorum a silent cluster never deposes its leader', () => {
    const leader = makeLeader(1, THREE);
    tick(leader, 10 * MAX);
    assert.equal(leader.status().role, 'leader');
  });
});

void describe('replies slower than the election timeout', () => {
  // With the lab's long reordering, replies arrive up to 2.2 s late, well after a 300-500 ms election timer fires.

  // Issue 8: a round's answers count only in that round. A vote that arrives after the candidacy timed out
  // belongs to an election that is over; counting it would mix answers given at different moments.
  void it('a late vote for a candidacy that timed out does not count in the pre-vote round that followed', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(1, null));
    expire(n); // pre-vote for term 2
    drain(n);
    n.step(voteReply(2, 1, 2, true, true));
    assert.equal(n.status().role, 'candidate');
    assert.equal(n.status().term, 2);
    drain(n);
    expire(n); // the candidacy timed out: back to pre-voting, still in term 2
    assert.equal(n.status().role, 'precandidate');
    assert.equal(n.status().term, 2);
    drain(n);
    n.step(voteReply(3, 1, 2)); // the late vote for term 2
    assert.deepEqual([n.status().role, n.status().term], ['precandidate', 2], 'the late vote made it leader');
    n.step(voteReply(3, 1, 3, true, true)); // a fresh pre-vote grant of this round still counts
    assert.deepEqual([n.status().role, n.status().term], ['candidate', 3]);
  });

  void it('a late vote is not counted by a node that left its candidacy as follower', () => {
    const n = makeNode(1, THREE, { preVote: true }, persisted(1, null));
    expire(n);
    n.step(voteReply(2, 1, 2, true, true)); // candidate in term 2
    n.step(append(3, 1, 2)); // node 3 leads term 2 after all: we follow it
    assert.equal(n.status().role, 'follower');
    n.step(voteReply(2, 1, 2)); // node 2's late vote for our candidacy
    assert.equal(n.status().role, 'follower');
  });

  // Issue 8, defect 3: a grant carried into a later round may have been given while the voter missed its leader,
  // and no longer holds. Every round asks everyone again and counts only its own answers (etcd resets them).
  void it('pre-vote grants do not carry over to the next round for the same term: everyone is asked again', () => {
    const n = makeNode(1, [1, 2, 3, 4, 5], { preVote: true }, persisted(1, null));
    expire(n);
    assert.equal(sent(drain(n).messages, 'RequestVote').length, 4);
    n.step(voteReply(2, 1, 2, true, true)); // one grant: not yet a quorum of 5
    assert.equal(n.status().role, 'precandidate');
    tick(n, MIN); // the timer fires again: a new pre-vote round for the same term
    const asked = sent(drain(n).messages, 'RequestVote').map((m) => m.to);
    assert.deepEqual(asked, [2, 3, 4, 5], 'node 2 is asked again');
    n.step(voteReply(3, 1, 2, true, true)); // 1 and 3: the grant of 2 from the last round does not count
    assert.equal(n.status().role, 'precandidate');
    n.step(voteReply(2, 1, 2, true, true)); // 2 answers this round too: 1, 2, 3 = a quorum
    assert.equal(n.status().role, 'candidate');
  });

  void it('pre-vote grants for an older proposed term do not carry over', () => {
    const n = makeNode(1, [1, 2, 3, 4, 5], { preVote: true }, persisted(1, null));
    expire(n);
    n.step(voteReply(2, 1, 2, true, true)); // grant for term 2
    n.step(append(3, 1, 2)); // term 2 began elsewhere: follower of 3
    drain(n);
    expire(n); // pre-vote for term 3
    const asked = sent(drain(n).messages, 'RequestVote').map((m) => m.to);
    assert.deepEqual(asked, [2, 3, 4, 5]);
    n.step(voteReply(3, 1, 3, true, true));
    assert.equal(n.status().role, 'precandidate', 'a grant for term 2 must not count toward term 3');
  });
});

void describe('issue 8 defect 3: stale pre-vote grants', () => {
  // 5 servers, leader 5, messages from 5 to 1 lost. Server 2 misses heartbeats, grants 1's pre-vote, then hears
  // the leader again; later server 3 does the same. If 1 carried 2's grant into its next round, 1, 2 and 3 would
  // make a quorum and depose leader 5, although at that moment 2 would refuse.
  void it('a grant given while out of lease does not count in a later round, when the granter is back in lease', () => {
    const cfg = { preVote: true, checkQuorum: true } as const;
    const term1 = (): PersistedState => ({
      hardState: { term: 1, votedFor: 5 },
      snapshot: null,
      entries: [],
    });
    const leader = makeLeader(5, FIVE, cfg, persisted(0, null));
    assert.equal(leader.status().term, 1);
    const one = makeNode(1, FIVE, cfg, term1());
    // Followers whose own timers (MAX - 1) outlast the lease (MIN): they can miss heartbeats without campaigning.
    const patient = (id: NodeId): RaftNode =>
      makeNode(id, FIVE, { ...cfg, rand: fixed(MAX - MIN - 1) }, term1());
    const [two, three, four] = [patient(2), patient(3), patient(4)];
    for (const [id, f] of [
      [1, one],
      [2, two],
      [3, three],
      [4, four],
    ] as const) {
      f.step(append(5, id, 1));
      drain(f);
    }
    // Round 1: 1 hears nothing more from 5 and times out; 2 has missed heartbeats for a lease and grants.
    tick(two, MIN);
    tick(one, MIN);
    assert.equal(one.status().role, 'precandidate');
    const round1 = sent(drain(one).messages, 'RequestVote');
    two.step(only(round1, 'RequestVote', 2));
    const grant = only(drain(two).messages, 'RequestVoteReply', 1);
    assert.equal(grant.voteGranted, true, 'out of lease, 2 grants');
    one.step(grant);
    assert.equal(one.status().role, 'precandidate', '1 and 2 are two of five');
    // 2 hears the leader again; then 3 misses heartbeats for a lease.
    two.step(append(5, 2, 1));
    drain(two);
    tick(three, MIN);
    // Round 2: everyone is asked again; 3 grants, 2 (in lease again) refuses, 4 and the leader refuse.
    tick(one, MIN);
    assert.equal(one.status().role, 'precandidate');
    const round2 = sent(drain(one).messages, 'RequestVote');
    assert.deepEqual(
      round2.map((m) => m.to),
      [2, 3, 4, 5],
    );
    for (const [id, voter] of [
      [3, three],
      [2, two],
      [4, four],
      [5, leader],
    ] as const) {
      voter.step(only(round2, 'RequestVote', id));
      for (const r of drain(voter).messages) one.step(r);
      assert.notEqual(one.status().role, 'candidate', `after ${id} answered: a stale grant was counted`);
    }
    assert.deepEqual([one.status().term, leader.status().role, leader.status().term], [1, 'leader', 1]);
  });
});
