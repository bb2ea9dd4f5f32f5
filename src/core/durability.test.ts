// Message-level tests of the storage contract (ready.ts; etcd's Ready/Advance with async writes; issue 8): a node
// counts its own vote and its own entries only once the driver reports them durable, replies wait for the write
// while a leader's and a candidate's requests may leave before it, and a failed write stops the node. Each test is
// named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftError } from './errors.js';
import type { Message } from './messages.js';
import {
  THREE,
  ack,
  allOf,
  append,
  chunk,
  drain,
  electLeader,
  expire,
  heartbeat,
  makeNode,
  voteReply,
  voteReq,
} from '../../test/support/raft-node-kit.js';

const FIVE = [1, 2, 3, 4, 5] as const;

const types = (ms: readonly Message[]): string[] => ms.map((m) => m.type);

void describe('a candidate counts its own vote only once it is durable', () => {
  void it('a candidate does not win on a self-vote never reported durable: one grant of three is not enough', () => {
    const n = makeNode(1, THREE);
    expire(n);
    const rd = n.takeReady(); // The vote is being written.
    assert.deepEqual(rd.hardState, { term: 1, votedFor: 1 });
    n.step(voteReply(2, 1, 1));
    assert.equal(n.status().role, 'candidate', 'won on a vote a crash could undo');
    n.advance(rd);
    assert.equal(n.status().role, 'leader', 'wins once its vote is durable');
  });

  void it('votes from others alone below a quorum do not win; a quorum of others does', () => {
    const n = makeNode(1, FIVE);
    expire(n);
    const rd = n.takeReady();
    n.step(voteReply(2, 1, 1));
    n.step(voteReply(3, 1, 1));
    assert.equal(n.status().role, 'candidate', 'two of five, and its own not durable');
    n.step(voteReply(4, 1, 1));
    assert.equal(n.status().role, 'leader', 'three others are a quorum of five on their own');
    n.advance(rd);
    assert.equal(n.status().role, 'leader');
  });

  void it('a durable vote of an earlier term does not count for the current candidacy', () => {
    const n = makeNode(1, THREE);
    expire(n);
    const term1 = n.takeReady();
    expire(n); // Split vote: a new candidacy in term 2.
    assert.equal(n.status().term, 2);
    n.advance(term1); // The term-1 vote is durable now, not the term-2 one.
    n.step(voteReply(2, 1, 2));
    assert.equal(n.status().role, 'candidate');
    n.advance(n.takeReady());
    assert.equal(n.status().role, 'leader');
  });
});

void describe('a leader counts its own entries only once they are durable', () => {
  void it('a leader and one follower of three commit only after the leader advance', () => {
    const l = electLeader(1, THREE);
    l.propose('x');
    const rd = l.takeReady();
    assert.equal(rd.eagerMessages.filter((m) => m.type === 'AppendEntries').length, 2, 'sent while written');
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 0, 'the leader entry is not durable: one of three holds it');
    l.advance(rd);
    assert.equal(l.status().commitIndex, 1);
    assert.deepEqual(
      drain(l).committed.map((e) => e.command),
      ['x'],
    );
  });

  void it('two followers of three commit without the leader disk (thesis 10.2.1)', () => {
    const l = electLeader(1, THREE);
    l.propose('x');
    l.takeReady(); // Never advanced.
    l.step(ack(2, 1, 1, 1));
    l.step(ack(3, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1);
  });
});

void describe('eager messages and messages', () => {
  void it('AppendEntries and RequestVote are eager: they may leave before the write is durable', () => {
    const c = makeNode(1, THREE);
    expire(c);
    const rd = c.takeReady();
    assert.deepEqual(types(rd.eagerMessages), ['RequestVote', 'RequestVote']);
    assert.deepEqual(rd.messages, []);
    const l = electLeader(1, THREE);
    l.propose('x');
    const lr = l.takeReady();
    assert.deepEqual(types(lr.eagerMessages), ['AppendEntries', 'AppendEntries']);
    assert.deepEqual(lr.messages, []);
  });

  void it('replies wait for the write: votes, acknowledgements, heartbeat and snapshot replies are in messages', () => {
    const f = makeNode(2, THREE);
    f.step(voteReq(1, 2, 1));
    f.step(append(1, 2, 1, { entries: [{ index: 1, term: 1, command: 'x' }] }));
    f.step(heartbeat(1, 2, 1, 1, 3));
    f.step(chunk(1, 2, 1, 5, 1, Uint8Array.of(1, 2)));
    const rd = f.takeReady();
    assert.deepEqual(rd.eagerMessages, []);
    assert.deepEqual(types(rd.messages), [
      'RequestVoteReply',
      'AppendEntriesReply',
      'HeartbeatReply',
      'InstallSnapshotReply',
    ]);
    assert.deepEqual(
      rd.hardState,
      { term: 1, votedFor: 1 },
      'the vote the reply promises is in the same Ready',
    );
  });

  void it('a refused vote of a higher term waits for the new term to be written too', () => {
    const f = makeNode(2, THREE, {}, { hardState: { term: 1, votedFor: 3 }, snapshot: null, entries: [] });
    f.step(voteReq(1, 2, 1));
    const rd = f.takeReady();
    assert.equal(rd.eagerMessages.length, 0);
    assert.equal(allOf(rd).length, 1);
  });
});

void describe('failStorage', () => {
  void it('a failed write stops the node: every later call throws RAFT_STOPPED and nothing more goes out', () => {
    const l = electLeader(1, THREE);
    l.propose('x');
    const rd = l.takeReady();
    const err = new Error('fsync: EIO');
    l.failStorage(err);
    assert.equal(l.status().stopped, err);
    assert.equal(l.hasReady(), false);
    const stopped = (e: unknown): boolean =>
      e instanceof RaftError && e.code === 'RAFT_STOPPED' && e.cause === err;
    const calls: [string, () => unknown][] = [
      [
        'tick',
        () => {
          l.tick();
        },
      ],
      [
        'step',
        () => {
          l.step(ack(2, 1, 1, 1));
        },
      ],
      ['propose', () => l.propose('y')],
      ['takeReady', () => l.takeReady()],
      [
        'advance',
        () => {
          l.advance(rd);
        },
      ],
      ['requestRead', () => l.requestRead('r')],
      [
        'transferLeadership',
        () => {
          l.transferLeadership(2);
        },
      ],
      [
        'compact',
        () => {
          l.compact(1, Uint8Array.of(1));
        },
      ],
      [
        'reportUnreachable',
        () => {
          l.reportUnreachable(2);
        },
      ],
    ];
    for (const [name, call] of calls) assert.throws(call, stopped, name);
    assert.equal(l.status().commitIndex, 0, 'the failed write was never counted');
  });

  void it('a follower whose write failed does not send the reply that promised it', () => {
    const f = makeNode(2, THREE);
    f.step(append(1, 2, 1, { entries: [{ index: 1, term: 1, command: 'x' }] }));
    f.failStorage(new Error('disk full'));
    assert.equal(f.hasReady(), false);
    assert.throws(
      () => f.takeReady(),
      (e: unknown) => e instanceof RaftError && e.code === 'RAFT_STOPPED',
    );
  });
});
