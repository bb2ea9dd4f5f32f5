// Message-level tests of replication over a network that reorders and loses messages (the lab's labrpc; UDP):
// the follower keeps an AppendEntries that arrived ahead of its predecessors, a leader told of one lost message
// resends that one, appends may carry the unacknowledged entries again (resendUnacknowledged), commit news is
// anchored where the follower is known to match and may wait for an append to carry it (deferCommitNews), and a
// probe answered by an older message's acknowledgement is not sent twice. Each test is named after the rule it
// tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendEntries, AppendEntriesReply } from './messages.js';
import type { RaftNode } from './raft-node.js';
import {
  HEARTBEAT,
  THREE,
  ack,
  carrying,
  append,
  drain,
  electLeader,
  makeNode,
  nack,
  only,
  run,
  sent,
  tick,
} from '../../test/support/raft-node-kit.js';

const commands = (m: AppendEntries): unknown[] => m.entries.map((e) => e.command);

/** Steps follower `f` with `m` and returns its one AppendEntriesReply. */
function answer(f: RaftNode, m: AppendEntries): AppendEntriesReply {
  f.step(m);
  return only(drain(f).messages, 'AppendEntriesReply');
}

/** Three appends from leader 1 (term 1) to follower 2: [x1], [x2], [x3], each after the one before. */
const appends = (): AppendEntries[] =>
  [1, 2, 3].map((i) =>
    append(1, 2, 1, {
      prevLogIndex: i - 1,
      prevLogTerm: i === 1 ? 0 : 1,
      entries: run(i, 1),
      leaderCommit: 0,
    }),
  );

/** Leader 1 of three, both followers streaming, with `c1`.. proposed one at a time (one message each). */
function streaming(n: number, over: Parameters<typeof electLeader>[2] = {}): RaftNode {
  const l = electLeader(1, THREE, over);
  for (let i = 1; i <= n; i++) {
    l.propose(`c${i}`);
    drain(l);
  }
  return l;
}

void describe('a follower keeps AppendEntries that arrive ahead of the log (reorder-buffer.ts)', () => {
  void it('refuses one that starts past its log, then takes it with the one that fills the gap, and acknowledges both', () => {
    const f = makeNode(2, THREE);
    const [first, second, third] = appends() as [AppendEntries, AppendEntries, AppendEntries];
    const refused = answer(f, third);
    assert.deepEqual([refused.success, refused.rejectedIndex], [false, 2], 'Figure 2 rule 2: refused');
    assert.equal(f.status().lastIndex, 0, 'nothing appended past a gap');
    assert.equal(answer(f, second).success, false);
    const filled = answer(f, first);
    assert.deepEqual(
      [filled.success, filled.matchIndex],
      [true, 3],
      'the kept ones follow: matches through 3',
    );
    assert.equal(f.status().lastIndex, 3);
  });

  void it('a kept message still passes the log check when taken: one that no longer fits is dropped', () => {
    const f = makeNode(2, THREE);
    // Kept: [x3] after an entry 2 of term 1.
    answer(f, append(1, 2, 1, { prevLogIndex: 2, prevLogTerm: 1, entries: run(3, 1) }));
    // The gap fills with an entry 2 of another term (a doctored leader, for the test): [x3] does not follow it.
    const filled = answer(f, append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1, 0) }));
    assert.deepEqual([filled.success, filled.matchIndex], [true, 2]);
    assert.equal(f.status().lastIndex, 2, 'the kept message was refused again, and dropped');
  });

  void it('messages kept in an older term are never taken', () => {
    const f = makeNode(2, THREE);
    answer(f, append(1, 2, 1, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 1) })); // Kept, term 1.
    // A leader of term 2 now: its first entry fills the gap, but term 1's kept message is stale.
    const reply = answer(f, append(3, 2, 2, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) }));
    assert.deepEqual([reply.success, reply.matchIndex], [true, 1]);
    assert.equal(f.status().lastIndex, 1);
  });

  void it('keeps at most 16 messages, those nearest its log', () => {
    const f = makeNode(2, THREE);
    for (let i = 40; i >= 2; i--) {
      answer(f, append(1, 2, 1, { prevLogIndex: i - 1, prevLogTerm: 1, entries: run(i, 1) }));
    }
    const reply = answer(f, append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) }));
    assert.equal(reply.matchIndex, 17, 'entries 2..17 were kept; the rest must be sent again');
  });

  void it('keeps no more entry bytes than maxInflightBytes, those nearest its log', () => {
    const f = makeNode(2, THREE, { maxInflightBytes: 6 }); // Commands c2..c9 are 2 bytes each: three fit.
    for (let i = 9; i >= 2; i--) {
      answer(f, append(1, 2, 1, { prevLogIndex: i - 1, prevLogTerm: 1, entries: run(i, 1) }));
    }
    const reply = answer(f, append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) }));
    assert.equal(reply.matchIndex, 4, 'entries 2..4 were kept');
  });

  void it('a kept message with a commit index commits no further than its own last entry', () => {
    const f = makeNode(2, THREE);
    answer(f, append(1, 2, 1, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 1), leaderCommit: 9 }));
    answer(f, append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1), leaderCommit: 0 }));
    assert.equal(f.status().commitIndex, 2, 'Figure 2 rule 5: min(leaderCommit, index of last new entry)');
  });
});

void describe('a leader told which message was lost (reportUndelivered)', () => {
  void it('sends that message again, in its place, with the same entries', () => {
    const l = streaming(2);
    l.step(ack(2, 1, 1, 0));
    const lost = append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) });
    l.reportUndelivered(lost);
    const again = carrying(drain(l).messages, 2);
    assert.deepEqual(
      again.map((m) => [m.prevLogIndex, commands(m)]),
      [[0, ['c1']]],
    );
    assert.deepEqual(l.followerStatus(2), { match: 0, next: 3, state: 'replicate', inflight: 2 });
  });

  void it('sends nothing when a later message carries its entries (resendUnacknowledged)', () => {
    const l = streaming(2, { resendUnacknowledged: true });
    l.reportUndelivered(append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) }));
    assert.deepEqual(carrying(drain(l).messages, 2), [], '[c1, c2] is on its way');
  });

  void it('ignores a loss of a message no longer in flight, of an old term, or when not leader', () => {
    const l = streaming(1);
    l.step(ack(2, 1, 1, 1));
    drain(l);
    l.reportUndelivered(append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) })); // Acknowledged.
    l.reportUndelivered(append(1, 3, 0, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) })); // Old term.
    assert.deepEqual(drain(l).messages, []);
    const f = makeNode(2, THREE);
    f.reportUndelivered(append(2, 1, 0, { entries: run(1, 1) }));
    assert.deepEqual(drain(f).messages, []);
  });

  void it('leaves a lost probe to the retransmit timer (a down follower reports losses late)', () => {
    const l = electLeader(1, THREE, {}, undefined, false); // Probes at 0 to 2 and 3, unanswered.
    l.reportUndelivered(append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0 }));
    assert.deepEqual(drain(l).messages, [], 'not at once');
    tick(l, HEARTBEAT);
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 0, 'but when it is overdue');
  });
});

void describe('appends that carry the unacknowledged entries again (resendUnacknowledged)', () => {
  void it('each append starts where the follower is known to match', () => {
    const l = streaming(3, { resendUnacknowledged: true });
    l.propose('c4');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, commands(m)], [0, ['c1', 'c2', 'c3', 'c4']]);
    l.step(ack(2, 1, 1, 2));
    drain(l);
    l.propose('c5');
    const next = only(carrying(drain(l).messages, 2), 'AppendEntries');
    assert.deepEqual([next.prevLogIndex, commands(next)], [2, ['c3', 'c4', 'c5']]);
  });

  void it('a later append arriving first is taken by the follower: nothing is refused', () => {
    const l = streaming(1, { resendUnacknowledged: true });
    const f = makeNode(2, THREE);
    l.propose('c2');
    const second = only(drain(l).messages, 'AppendEntries', 2);
    const reply = answer(f, second);
    assert.deepEqual([reply.success, reply.matchIndex], [true, 2]);
  });

  void it('streams from nextIndex when the unacknowledged entries do not fit in one append', () => {
    const l = streaming(3, { resendUnacknowledged: true, maxEntriesPerAppend: 3 });
    l.propose('c4');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, commands(m)], [3, ['c4']]);
  });
});

void describe('commit news', () => {
  void it('is anchored where the follower is known to match, so entries still in flight cannot make it a gap', () => {
    const l = streaming(2);
    l.step(ack(3, 1, 1, 2)); // Commits c1, c2; follower 2 has acknowledged nothing yet.
    l.step(ack(2, 1, 1, 1)); // Follower 2 matches through 1: told the commit index, anchored at 1.
    const news = sent(drain(l).messages, 'AppendEntries', 2).filter((m) => m.entries.length === 0);
    assert.deepEqual(
      news.map((m) => [m.prevLogIndex, m.leaderCommit]),
      [[1, 2]],
    );
    const f = makeNode(2, THREE);
    answer(f, append(1, 2, 1, { prevLogIndex: 0, prevLogTerm: 0, entries: run(1, 1) }));
    const reply = answer(f, news[0] as AppendEntries);
    assert.equal(reply.success, true, 'taken although entry 2 has not arrived');
    assert.equal(f.status().commitIndex, 1, 'and commits no further than its anchor');
  });

  void it('with deferCommitNews, waits while entries remain uncommitted, and goes with the next tick', () => {
    const l = streaming(2, { deferCommitNews: true });
    l.step(ack(2, 1, 1, 1)); // c1 commits; c2 does not yet.
    assert.equal(l.status().commitIndex, 1);
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries'), [], 'no news while c2 is pending');
    l.tick();
    const news = sent(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual(
      news.map((m) => [m.prevLogIndex, m.entries.length, m.leaderCommit]),
      [[1, 0, 1]],
    );
  });

  void it('with deferCommitNews, an append with entries carries it instead', () => {
    const l = streaming(2, { deferCommitNews: true });
    l.step(ack(2, 1, 1, 1));
    drain(l);
    l.propose('c3');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([commands(m), m.leaderCommit], [['c3'], 1]);
    l.tick();
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), [], 'already told');
  });

  void it('with deferCommitNews, goes at once when the whole log is committed: nothing else is coming', () => {
    const l = streaming(1, { deferCommitNews: true });
    l.step(ack(2, 1, 1, 1));
    const news = sent(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual(
      news.map((m) => [m.prevLogIndex, m.leaderCommit]),
      [[1, 1]],
    );
  });
});

void describe('a probe answered by an older acknowledgement', () => {
  void it('goes on as the first message in flight instead of being sent again', () => {
    const l = streaming(1);
    l.reportUnreachable(2); // Back to probing from 1: the probe [c1, c2] goes with the next proposal.
    l.propose('c2');
    const probe = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([probe.prevLogIndex, commands(probe)], [0, ['c1', 'c2']]);
    l.step(ack(2, 1, 1, 1)); // The stream's [c1], answered late: the follower matches at the probe's start.
    assert.deepEqual(l.followerStatus(2), { match: 1, next: 3, state: 'replicate', inflight: 1 });
    assert.deepEqual(carrying(drain(l).messages, 2), [], 'c2 is in the probe, still on its way');
    l.propose('c3');
    assert.deepEqual(commands(only(carrying(drain(l).messages, 2), 'AppendEntries')), ['c3']);
  });

  void it('a refusal of a later message while the probe is out is stale', () => {
    const l = streaming(1);
    l.reportUnreachable(2);
    l.propose('c2');
    drain(l);
    l.step(nack(2, 1, 1, 1, { xTerm: -1, xIndex: -1, xLen: 1 }));
    assert.deepEqual(drain(l).messages, [], 'only the answer to the probe at 0 counts');
  });
});
