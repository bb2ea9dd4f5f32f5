// Message-level tests of a leader's flow control (etcd's tracker/progress.go and inflights.go, as issue 8 brings
// them to the core): probe / replicate / snapshot states, the inflight window, retransmission on a timer of its
// own, byte budgets, and followers presumed down. Each test is named after the rule it tries to break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalDroppedError } from './errors.js';
import type { AppendEntries, Message } from './messages.js';
import type { RaftNode } from './raft-node.js';
import {
  HEARTBEAT,
  MIN,
  THREE,
  ack,
  carrying,
  drain,
  electLeader,
  heartbeatReply,
  makeNode,
  nack,
  only,
  sent,
  run,
  tick,
} from '../../test/support/raft-node-kit.js';

// ---------------------------------------------------------------- helpers

const commands = (m: AppendEntries): unknown[] => m.entries.map((e) => e.command);

const state = (l: RaftNode, peer: number): string | undefined => l.followerStatus(peer)?.state;

/** Leader 1 of three whose followers both replicate, with `n` entries (`c1`..) proposed and acknowledged by 2 only. */
function leaderWith(n: number, over: Parameters<typeof electLeader>[2] = {}): RaftNode {
  const l = electLeader(1, THREE, over);
  for (let i = 1; i <= n; i++) l.propose(`c${i}`);
  drain(l);
  if (n > 0) l.step(ack(2, 1, 1, n));
  drain(l);
  return l;
}

/** Delivers `out` to follower `f` (only what is addressed to it) and returns its answers. */
function deliver(f: RaftNode, out: readonly Message[]): Message[] {
  const answers: Message[] = [];
  for (const m of out) {
    if (m.to !== f.status().id) continue;
    f.step(m);
    answers.push(...drain(f).messages);
  }
  return answers;
}

// ---------------------------------------------------------------- the defects

void describe('issue 8 defects 2 and 4 (flow control)', () => {
  // Defect 2: any reply once cleared the one-in-flight flag, so duplicated replies multiplied the streams (40
  // entries in batches of 4 went out as 65 AppendEntries).
  void it('duplicate AppendEntriesReplies do not multiply streams: 40 entries in batches of 4 go out as 10 appends', () => {
    const l = electLeader(1, THREE, { maxEntriesPerAppend: 4, maxInflightMessages: 2 });
    const f = makeNode(2, THREE);
    for (let i = 1; i <= 40; i++) l.propose(`c${i}`);
    let out = drain(l).messages;
    const appends: AppendEntries[] = [];
    for (let round = 0; round < 100 && out.length > 0; round++) {
      appends.push(...sent(out, 'AppendEntries', 2));
      const replies = deliver(f, out);
      for (const r of replies) {
        l.step(r);
        l.step(r); // Every reply arrives twice.
        l.step(r); // And three times.
      }
      out = drain(l).messages.filter((m) => m.to === 2);
    }
    const carrying = appends.filter((m) => m.entries.length > 0);
    assert.equal(carrying.length, 10, `${carrying.length} AppendEntries carried entries`);
    assert.equal(
      carrying.reduce((k, m) => k + m.entries.length, 0),
      40,
      'no entry was sent twice',
    );
    assert.ok(appends.length <= 12, `${appends.length} AppendEntries in all`);
    assert.equal(f.status().lastIndex, 40);
    assert.equal(l.followerStatus(2)?.match, 40);
  });

  void it('a duplicated acknowledgement frees nothing more than it covers', () => {
    const l = electLeader(1, THREE, { maxInflightMessages: 2 });
    for (const c of ['a', 'b', 'c']) {
      l.propose(c);
      drain(l);
    }
    assert.equal(l.followerStatus(2)?.inflight, 2, 'the window holds two; c waits');
    l.step(ack(2, 1, 1, 1));
    assert.deepEqual(
      sent(drain(l).messages, 'AppendEntries', 2).map(commands),
      [['c']],
      'the freed slot takes c',
    );
    l.step(ack(2, 1, 1, 1)); // Duplicate.
    l.propose('d');
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), [], 'the window is still full: b and c');
    assert.equal(l.followerStatus(2)?.inflight, 2);
  });

  // Defect 4: a message lost while the leader's link was down waited for the next heartbeat, which fell into the
  // next down phase. Now a lost message is resent by a retransmit timer, well before the heartbeat.
  void it('a lost AppendEntries is resent by the retransmit timer before the next heartbeat', () => {
    const l = electLeader(1, THREE, { heartbeatTicks: 8 });
    l.propose('a');
    drain(l); // Lost.
    // The election's round trip took under a tick. The wait is two ticks: the estimate (0), one tick of clock
    // granularity (RFC 6298's G), and one more, as a message may leave late in its tick.
    l.tick();
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries'), [], 'not one tick later');
    l.tick();
    const rd = drain(l).messages;
    assert.deepEqual(sent(rd, 'Heartbeat'), [], 'the heartbeat is 6 ticks away');
    for (const to of [2, 3]) assert.deepEqual(commands(only(rd, 'AppendEntries', to)), ['a']);
  });

  void it('before any round trip is measured, a lost probe is resent after retransmitTicks, before the heartbeat', () => {
    // Follower 2's vote elected the leader, so 2 is known to be up; 3's vote came too late to count, and a
    // follower not heard from yet is presumed down: its probe goes again only with the heartbeat.
    const l = electLeader(1, THREE, { heartbeatTicks: 8, retransmitTicks: 3 }, undefined, false);
    tick(l, 2);
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries'), [], 'not before retransmitTicks');
    l.tick();
    const rd = drain(l).messages;
    assert.deepEqual(
      sent(rd, 'AppendEntries').map((m) => m.to),
      [2],
      "the voter's lost probe goes again at tick 3",
    );
    assert.deepEqual(sent(rd, 'Heartbeat'), []);
    tick(l, 4);
    drain(l);
    l.tick(); // Tick 8: the heartbeat interval.
    assert.equal(
      only(drain(l).messages, 'AppendEntries', 3).prevLogIndex,
      0,
      '3 is probed in place of a heartbeat',
    );
  });
});

// ---------------------------------------------------------------- transitions

void describe('flow-control transitions (etcd progress states)', () => {
  void it('probe -> replicate when a probe is answered', () => {
    const l = electLeader(1, THREE, {}, undefined, false);
    assert.equal(state(l, 2), 'probe');
    l.propose('a');
    l.propose('b');
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), [], 'one probe at a time');
    l.step(ack(2, 1, 1, 0));
    assert.equal(state(l, 2), 'replicate');
    assert.deepEqual(commands(only(drain(l).messages, 'AppendEntries', 2)), ['a', 'b']);
    l.propose('c');
    assert.deepEqual(commands(only(drain(l).messages, 'AppendEntries', 2)), ['c'], 'streams without waiting');
  });

  void it('an acknowledgement below the outstanding probe (a stale one) does not end probing', () => {
    const old = { hardState: { term: 1, votedFor: null }, snapshot: null, entries: run(1, 1, 1) };
    const l = electLeader(1, THREE, {}, old, false); // Term 2, probing at prevLogIndex 2.
    l.step(ack(2, 1, 2, 1)); // Answers no probe of ours: matches through 1 only.
    assert.deepEqual(l.followerStatus(2), { match: 1, next: 3, state: 'probe', inflight: 0 });
    l.propose('a');
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), [], 'the probe at 2 is still out');
    l.step(ack(2, 1, 2, 2));
    assert.equal(state(l, 2), 'replicate');
  });

  // Within a leader's term a follower's log past match changes only through the leader's own messages: a refusal
  // above match while streaming means a message overtook the ones before it, not that the logs diverge.
  void it('a refusal above match while streaming backs nothing up and resends nothing while the earlier entries are in flight', () => {
    const l = leaderWith(2);
    l.propose('c3');
    drain(l);
    l.propose('c4');
    drain(l); // Two messages to 2 in flight: [c3] after 2, [c4] after 3.
    l.step(nack(2, 1, 1, 3, { xTerm: -1, xIndex: -1, xLen: 3 })); // [c4] arrived first.
    assert.deepEqual(l.followerStatus(2), { match: 2, next: 5, state: 'replicate', inflight: 2 });
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), [], 'nothing goes: c3 is on its way');
    l.step(ack(2, 1, 1, 4)); // [c3] arrives; the follower takes the [c4] it kept: both acknowledged.
    assert.deepEqual(carrying(drain(l).messages, 2), [], 'c4 is not sent again');
    assert.deepEqual(l.followerStatus(2), { match: 4, next: 5, state: 'replicate', inflight: 0 });
  });

  void it('a refused message goes again, alone, once everything before it is acknowledged and it still is not', () => {
    const l = leaderWith(2);
    for (const c of ['c3', 'c4', 'c5']) {
      l.propose(c);
      drain(l);
    }
    l.step(nack(2, 1, 1, 3, { xTerm: -1, xIndex: -1, xLen: 3 })); // [c4] refused (a follower that keeps nothing).
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2), []);
    l.step(ack(2, 1, 1, 3)); // [c3] taken; [c4] is now the oldest in flight, and refused.
    const again = carrying(drain(l).messages, 2);
    assert.deepEqual(
      again.map((m) => [m.prevLogIndex, commands(m)]),
      [[3, ['c4']]],
      'c4 again; c5 is still in flight',
    );
    assert.equal(state(l, 2), 'replicate');
  });

  void it('a refusal at or below match, or of a message no longer in flight, changes nothing', () => {
    const l = leaderWith(2);
    l.propose('c3');
    drain(l);
    l.step(nack(2, 1, 1, 2, { xTerm: -1, xIndex: -1, xLen: 3 })); // At match: stale.
    l.step(nack(2, 1, 1, 7, { xTerm: -1, xIndex: -1, xLen: 3 })); // No message after 7 was ever sent.
    l.step(ack(2, 1, 1, 3));
    assert.deepEqual(carrying(drain(l).messages, 2), [], 'nothing resent');
    assert.deepEqual(l.followerStatus(2), { match: 3, next: 4, state: 'replicate', inflight: 0 });
  });

  void it('replicate -> probe on reportUnreachable, from match + 1', () => {
    const l = leaderWith(1);
    l.propose('c2');
    drain(l);
    l.reportUnreachable(2);
    assert.deepEqual(l.followerStatus(2), { match: 1, next: 2, state: 'probe', inflight: 0 });
    l.propose('c3');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, commands(m)], [1, ['c2', 'c3']]);
  });

  void it('replicate -> probe when the oldest acknowledgement is overdue, and the unacknowledged entries go again', () => {
    const l = leaderWith(1);
    l.propose('c2');
    drain(l); // Lost.
    assert.equal(state(l, 2), 'replicate');
    tick(l, 2); // The wait after round trips under a tick.
    assert.equal(state(l, 2), 'probe');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, commands(m)], [1, ['c2']]);
  });

  void it('probe -> snapshot when the entries to probe with are compacted away', () => {
    const l = electLeader(1, THREE, {}, undefined, false); // Follower 3's probe is lost and stays unanswered.
    l.step(ack(2, 1, 1, 0));
    for (let i = 1; i <= 5; i++) l.propose(`c${i}`);
    drain(l);
    l.step(ack(2, 1, 1, 5));
    drain(l);
    l.compact(4, Uint8Array.of(4));
    drain(l);
    assert.equal(state(l, 3), 'probe');
    tick(l, HEARTBEAT); // The probe is overdue: resent from match + 1 = 1, which is compacted.
    assert.equal(state(l, 3), 'snapshot');
    const snap = only(drain(l).messages, 'InstallSnapshot', 3);
    assert.deepEqual([snap.lastIncludedIndex, snap.lastIncludedTerm], [4, 1]);
  });

  void it('replicate -> snapshot when the entries to resend are compacted away', () => {
    const l = leaderWith(5);
    l.step(ack(3, 1, 1, 0)); // Follower 3 replicates from 1, nothing acknowledged; the entries sent to it are lost.
    drain(l);
    l.compact(4, Uint8Array.of(4));
    drain(l);
    assert.equal(state(l, 3), 'replicate');
    tick(l, 2); // Overdue: the resend would start at 1, compacted away.
    assert.equal(state(l, 3), 'snapshot');
    assert.equal(only(drain(l).messages, 'InstallSnapshot', 3).lastIncludedIndex, 4);
  });

  void it('replicate -> snapshot when a refused message is to go again but its entries are compacted away', () => {
    const l = leaderWith(2);
    l.step(ack(3, 1, 1, 2)); // Follower 3 matches through 2 too.
    l.propose('c3');
    drain(l);
    l.propose('c4');
    drain(l);
    l.step(nack(3, 1, 1, 3, { xTerm: -1, xIndex: -1, xLen: 3 })); // 3 refused [c4].
    l.step(ack(2, 1, 1, 4)); // 2 holds everything: c4 commits and is applied.
    drain(l);
    l.compact(4, Uint8Array.of(4));
    drain(l);
    l.step(ack(3, 1, 1, 3)); // 3 took [c3]; [c4] must go again, but only the snapshot holds it now.
    assert.equal(state(l, 3), 'snapshot');
    assert.equal(only(drain(l).messages, 'InstallSnapshot', 3).lastIncludedIndex, 4);
  });

  void it('snapshot: nothing but heartbeats goes while the snapshot is in flight', () => {
    const l = leaderWith(5);
    l.step(ack(3, 1, 1, 0));
    l.compact(5, Uint8Array.of(5));
    drain(l);
    l.reportUnreachable(3); // The stream broke; follower 3 answers a heartbeat and is probed from 1: compacted.
    l.step(heartbeatReply(3, 1, 1));
    assert.equal(state(l, 3), 'snapshot');
    assert.equal(sent(drain(l).messages, 'InstallSnapshot', 3).length, 1);
    l.propose('c6');
    const rd = drain(l).messages;
    assert.deepEqual(sent(rd, 'AppendEntries', 3), [], 'no append while in snapshot state');
    assert.deepEqual(sent(rd, 'InstallSnapshot', 3), [], 'the chunk in flight is not resent at once');
    l.tick();
    assert.deepEqual(
      drain(l).messages.filter((m) => m.to === 3),
      [],
      'nor a tick later',
    );
    tick(l, HEARTBEAT - 1);
    assert.equal(only(drain(l).messages, 'Heartbeat', 3).commit, 0, 'heartbeats still go');
  });
});

// ---------------------------------------------------------------- the inflight window

void describe('the inflight window (etcd MaxInflightMsgs, MaxInflightBytes)', () => {
  void it('a full window (in messages) pauses the stream; a freed slot resumes it with what waited', () => {
    const l = leaderWith(0, { maxInflightMessages: 2 });
    for (const c of ['a', 'b', 'c', 'd']) {
      l.propose(c);
      drain(l);
    }
    assert.deepEqual(l.followerStatus(2), { match: 0, next: 3, state: 'replicate', inflight: 2 });
    l.step(ack(2, 1, 1, 2)); // Frees both.
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, commands(m)], [2, ['c', 'd']]);
  });

  void it('a full window (in bytes) pauses the stream', () => {
    const l = leaderWith(0, { maxInflightBytes: 5 });
    const counts: number[] = [];
    for (const c of ['aaa', 'bbb', 'ccc']) {
      l.propose(c);
      counts.push(sent(drain(l).messages, 'AppendEntries', 2).length);
    }
    assert.deepEqual(counts, [1, 1, 0], '3 bytes leave room; 6 bytes fill the window of 5');
    l.step(ack(2, 1, 1, 1));
    assert.deepEqual(commands(only(drain(l).messages, 'AppendEntries', 2)), ['ccc']);
  });
});

// ---------------------------------------------------------------- byte budgets

void describe('byte budgets', () => {
  void it('maxBytesPerAppend bounds a batch, but at least one entry goes even if larger', () => {
    const l = leaderWith(0, { maxBytesPerAppend: 4 });
    for (const c of ['aaaaaaaa', 'b', 'cc', 'ddd']) l.propose(c);
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries', 2).map(commands), [
      ['aaaaaaaa'],
      ['b', 'cc'],
      ['ddd'],
    ]);
  });

  void it('maxUncommittedBytes refuses a proposal with ProposalDroppedError; commits free the budget', () => {
    const l = leaderWith(0, { maxUncommittedBytes: 5 });
    assert.deepEqual(l.propose('aaaaaaaaaa'), { index: 1, term: 1 }, 'one entry is taken into an empty tail');
    assert.throws(
      () => l.propose('b'),
      (e: unknown) => e instanceof ProposalDroppedError && e.reason === 'uncommitted-budget',
    );
    assert.equal(l.status().lastIndex, 1, 'the refused proposal appended nothing');
    drain(l);
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1);
    assert.deepEqual(l.propose('bbb'), { index: 2, term: 1 });
    assert.deepEqual(l.propose('cc'), { index: 3, term: 1 }, '3 + 2 fits in 5');
    assert.throws(() => l.propose('d'), ProposalDroppedError);
  });

  void it('maxCommittedBytesPerReady splits what is handed out to apply, at least one entry per Ready', () => {
    const l = leaderWith(0, { maxCommittedBytesPerReady: 4 });
    for (const c of ['aa', 'bb', 'ccccccc', 'd']) l.propose(c);
    drain(l);
    l.step(ack(2, 1, 1, 4));
    assert.equal(l.status().commitIndex, 4);
    const batches: unknown[][] = [];
    while (l.hasReady()) batches.push(drain(l).committed.map((e) => e.command));
    assert.deepEqual(
      batches.filter((b) => b.length > 0),
      [['aa', 'bb'], ['ccccccc'], ['d']],
    );
    assert.equal(l.status().appliedIndex, 4);
  });
});

// ---------------------------------------------------------------- followers presumed down

void describe('followers presumed down', () => {
  /** Ticks the leader `ticks` times; followers in `answering` ack every append and heartbeat at once. */
  function runWith(l: RaftNode, ticks: number, answering: readonly number[]): (readonly Message[])[] {
    const out: (readonly Message[])[] = [];
    for (let t = 0; t < ticks; t++) {
      l.tick();
      const ms = drain(l).messages;
      out.push(ms);
      for (const f of answering) {
        for (const m of sent(ms, 'Heartbeat', f)) l.step(heartbeatReply(f, 1, 1, m.readRound));
        for (const m of sent(ms, 'AppendEntries', f)) l.step(ack(f, 1, 1, m.prevLogIndex + m.entries.length));
      }
    }
    return out;
  }

  void it('while a quorum answers, a follower that missed a heartbeat waits for the heartbeat pace', () => {
    const l = electLeader(1, THREE, { heartbeatTicks: 6, retransmitTicks: 2 });
    l.propose('c1');
    // Follower 2 answers everything; 3 has gone silent. Its lost append is resent while its silence is younger
    // than a heartbeat interval; after that the leader (with 2, a quorum) leaves it to the heartbeat pace.
    const out = runWith(l, 9, [2]);
    const toThree = out.map((ms) => sent(ms, 'AppendEntries', 3).length);
    assert.ok(
      toThree.slice(1, 5).some((n) => n > 0),
      `fast resends at first: ${JSON.stringify(toThree)}`,
    );
    assert.deepEqual(
      toThree.slice(6),
      [0, 0, 0],
      `none between heartbeats after that: ${JSON.stringify(toThree)}`,
    );
    assert.equal(l.status().commitIndex, 1, 'commits go on with the quorum');
  });

  void it('a leader that hears too few to commit keeps resending to every follower', () => {
    const l = electLeader(1, THREE, { heartbeatTicks: 6, retransmitTicks: 2 });
    l.propose('c1');
    const out = runWith(l, 9, []); // Nobody answers: the leader's own link may be down.
    const toThree = out.map((ms) => sent(ms, 'AppendEntries', 3).length);
    assert.ok(
      toThree.slice(6).some((n) => n > 0),
      `resends go on past a heartbeat: ${JSON.stringify(toThree)}`,
    );
  });

  void it('a follower silent for electionTicks.min gets one probe per heartbeat interval, in place of the heartbeat', () => {
    const l = leaderWith(1);
    l.propose('c2');
    drain(l);
    // Follower 2 answers every heartbeat; follower 3 has never answered since the election (tick 0).
    const toThree: Message[][] = [];
    for (let t = 1; t <= MIN + 4 * HEARTBEAT; t++) {
      l.tick();
      const out = drain(l).messages;
      for (const m of sent(out, 'Heartbeat', 2)) l.step(heartbeatReply(2, 1, 1, m.readRound));
      if (t > MIN) toThree.push(out.filter((m) => m.to === 3));
    }
    // From tick MIN on: nothing in between heartbeats, and an AppendEntries probe (no heartbeat) at each.
    const perTick = toThree.map((ms) => ms.map((m) => m.type).join(','));
    assert.deepEqual(
      perTick.filter((k) => k !== ''),
      Array<string>(perTick.filter((k) => k !== '').length).fill('AppendEntries'),
      `to 3 after tick ${MIN}: ${JSON.stringify(perTick)}`,
    );
    const probes = perTick.filter((k) => k !== '').length;
    assert.ok(
      probes <= (4 * HEARTBEAT) / HEARTBEAT + 1 && probes >= 3,
      `${probes} probes in ${4 * HEARTBEAT} ticks (heartbeat every ${HEARTBEAT})`,
    );
    assert.equal(state(l, 3), 'probe');
  });

  void it('a follower presumed down that answers again is streamed to at once', () => {
    const l = leaderWith(1);
    let probe: AppendEntries | undefined;
    for (let t = 0; t < MIN + HEARTBEAT; t++) {
      l.tick();
      probe = sent(drain(l).messages, 'AppendEntries', 3).at(-1) ?? probe;
    }
    assert.ok(probe);
    l.step(ack(3, 1, 1, probe.prevLogIndex + probe.entries.length));
    assert.equal(state(l, 3), 'replicate');
    drain(l); // The commit index it has not been told yet goes first, on its own.
    l.propose('c2');
    assert.deepEqual(commands(only(drain(l).messages, 'AppendEntries', 3)), ['c2']);
  });
});

// ---------------------------------------------------------------- retransmission pacing

void describe('retransmission (a timer of its own, RFC 6298)', () => {
  // Progress.sentEntries marks a resent probe as "a probe that repeats a lost one", and tickLeader resends "the
  // unanswered probe again": the resend should be the same probe. A new leader's probe is small (prevLogIndex at
  // its last index, no entries); rewinding it to match + 1 would resend the whole log from index 1 to a follower
  // that may hold it all, and throw away what the fast backup learnt.
  void it('a resent probe repeats the lost one: same prevLogIndex, not rewound to match + 1', () => {
    const old = { hardState: { term: 1, votedFor: null }, snapshot: null, entries: run(1, 1, 1, 1, 1, 1) };
    const l = electLeader(1, THREE, { retransmitTicks: 2 }, old, false);
    tick(l, 2);
    const resent = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual(
      [resent.prevLogIndex, resent.entries.length],
      [5, 0],
      'the lost probe was at prevLogIndex 5 with no entries',
    );
  });

  // A follower that does not answer gets a resend each time its answer is overdue (no backoff: the first
  // message after a brief outage must go at once), but only the first resend carries the lost entries again; the
  // others are small probes, until the follower is presumed down and probed once per heartbeat interval.
  void it('resends to a follower that does not answer are small after the first', () => {
    const l = leaderWith(1, { retransmitTicks: 8 });
    l.step(ack(3, 1, 1, 1)); // Answered within the tick: the wait is 2 ticks.
    drain(l);
    l.propose('c2');
    drain(l);
    const resends: AppendEntries[] = [];
    for (let t = 1; t < MIN; t++) {
      l.tick();
      resends.push(...sent(drain(l).messages, 'AppendEntries', 3));
    }
    assert.ok(
      resends.length >= Math.floor((MIN - 1) / 2),
      `${resends.length} resends in ${MIN - 1} ticks: one per overdue answer`,
    );
    assert.deepEqual(
      resends.map((m) => m.entries.length),
      [1, ...Array<number>(resends.length - 1).fill(0)],
    );
  });
});
