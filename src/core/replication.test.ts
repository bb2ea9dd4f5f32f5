// Message-level tests of log replication (Figure 2: AppendEntries RPC, Rules for Leaders; section 5.4.2 and
// Figure 8; the lab's fast backup, spec section 7; flow control). Each test is named after the rule it tries to
// break.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftConfig } from './config.js';
import { RaftError } from './errors.js';
import type { ConflictHint, Message } from './messages.js';
import type { RaftNode } from './raft-node.js';
import type { Entry, NodeId, PersistedState } from './types.js';
import {
  MIN,
  THREE,
  ack,
  append,
  drain,
  expire,
  heartbeatReply,
  makeNode as makeKitNode,
  nack,
  only,
  sent,
  tick,
  voteReply,
} from '../../test/support/raft-node-kit.js';

// ---------------------------------------------------------------- helpers

/** This file's heartbeat interval, in ticks (the kit's default is 2). */
const HEARTBEAT = 3;

/** The kit's `makeNode`, with this file's HEARTBEAT unless `over` sets another. */
function makeNode(
  id: NodeId,
  peers: readonly NodeId[],
  over: Partial<RaftConfig> = {},
  persisted?: PersistedState,
): RaftNode {
  return makeKitNode(id, peers, { heartbeatTicks: HEARTBEAT, ...over }, persisted);
}

/** Entries with the given terms, from index `start`; the command names the index and term. */
function run(start: number, ...terms: number[]): Entry[] {
  return terms.map((term, k) => ({ index: start + k, term, command: `c${start + k}t${term}` }));
}

/** Persisted state with the given term, vote and log terms (entries 1.., built by this file's `run`). */
function persisted(term: number, votedFor: NodeId | null, ...logTerms: number[]): PersistedState {
  return { hardState: { term, votedFor }, snapshot: null, entries: run(1, ...logTerms) };
}

/** Makes `id` leader of `peers` by granting it every vote; its election heartbeats stay in flight. */
function elect(
  id: NodeId,
  peers: readonly NodeId[],
  over: Partial<RaftConfig> = {},
  state?: PersistedState,
): RaftNode {
  const n = makeNode(id, peers, over, state);
  expire(n);
  const term = n.status().term;
  for (const p of peers) if (p !== id) n.step(voteReply(p, id, term));
  assert.equal(n.status().role, 'leader');
  return n;
}

/**
 * Makes `id` leader of `peers` with an empty log, and lets every follower answer the election heartbeat, so that
 * nothing is in flight. The Ready is drained.
 */
function makeLeader(id: NodeId, peers: readonly NodeId[], over: Partial<RaftConfig> = {}): RaftNode {
  const n = elect(id, peers, over);
  for (const m of sent(drain(n).messages, 'AppendEntries')) n.step(ack(m.to, id, m.term, 0));
  drain(n);
  return n;
}

const logTerms = (n: RaftNode): number[] => n.persistentState().entries.map((e) => e.term);

/**
 * A hand-driven network in the style of etcd's raft_test.go: it delivers every message produced until the cluster
 * is quiet, dropping those to crashed nodes or across cut links, and records what each node was handed to apply.
 * Time only passes when a test ticks a node.
 */
class Net {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly down = new Set<NodeId>();
  private readonly cut = new Set<string>();

  constructor(
    readonly ids: readonly NodeId[],
    private readonly over: Partial<RaftConfig> = {},
  ) {
    for (const id of ids) {
      this.nodes.set(id, makeNode(id, ids, over));
      this.applied.set(id, []);
    }
  }

  get(id: NodeId): RaftNode {
    const n = this.nodes.get(id);
    assert.ok(n, `no node ${id}`);
    return n;
  }

  appliedBy(id: NodeId): Entry[] {
    const a = this.applied.get(id);
    assert.ok(a);
    return a;
  }

  /** Cuts every link between `id` and the nodes not in `keep`. */
  isolate(id: NodeId, keep: readonly NodeId[] = []): void {
    for (const other of this.ids) {
      if (other === id || keep.includes(other)) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.down.add(id);
  }

  /**
   * Restarts a crashed node from what it persisted (every Ready it handed out was persisted). Its state machine
   * restarts empty too, and is rebuilt from the log as entries commit again.
   */
  restart(id: NodeId): void {
    this.nodes.set(id, makeNode(id, this.ids, this.over, this.get(id).persistentState()));
    this.applied.set(id, []);
    this.down.delete(id);
  }

  /** Lets `id`'s election timer fire, then delivers until quiet. */
  campaign(id: NodeId): void {
    expire(this.get(id));
    this.flush();
  }

  /** Delivers messages until the cluster is quiet; returns every message delivered. */
  flush(): Message[] {
    const delivered: Message[] = [];
    for (let round = 0; round < 100; round++) {
      const batch: Message[] = [];
      for (const [id, n] of this.nodes) {
        if (this.down.has(id) || !n.hasReady()) continue;
        const rd = drain(n);
        this.appliedBy(id).push(...rd.committed);
        batch.push(...rd.messages);
      }
      if (batch.length === 0) return delivered;
      for (const m of batch) {
        if (this.down.has(m.to) || this.cut.has(`${m.from}>${m.to}`)) continue;
        delivered.push(m);
        this.get(m.to).step(m);
      }
    }
    return assert.fail('the network never went quiet');
  }
}

/** State Machine Safety: no two nodes apply different entries at the same index. */
function assertAppliedAgree(net: Net): void {
  const byIndex = new Map<number, Entry>();
  for (const id of net.ids) {
    const applied = net.appliedBy(id);
    applied.forEach((e, k) => {
      assert.equal(e.index, (applied[0]?.index ?? 1) + k, `node ${id} applied out of order`);
      const seen = byIndex.get(e.index);
      if (seen === undefined) byIndex.set(e.index, e);
      else assert.deepEqual(e, seen, `node ${id} applied another entry at ${e.index}`);
    });
  }
}

// ---------------------------------------------------------------- follower side

void describe('AppendEntries receiver (Figure 2)', () => {
  void it('the consistency check refuses a mismatched prevLogTerm with the conflicting term and its first index', () => {
    const f = makeNode(2, THREE, {}, persisted(2, null, 1, 1, 2, 2));
    f.step(append(1, 2, 3, { prevLogIndex: 4, prevLogTerm: 3, entries: run(5, 3) }));
    const rd = drain(f);
    const reply = only(rd.messages, 'AppendEntriesReply', 1);
    assert.deepEqual(
      {
        success: reply.success,
        rejectedIndex: reply.rejectedIndex,
        conflict: reply.conflict,
        term: reply.term,
      },
      { success: false, rejectedIndex: 4, conflict: { xTerm: 2, xIndex: 3, xLen: 5 }, term: 3 },
    );
    assert.equal(rd.entries, null, 'a refused append changes no entry');
    assert.deepEqual(logTerms(f), [1, 1, 2, 2]);
  });

  void it('the consistency check refuses a prevLogIndex beyond the log with xTerm -1 and the log length', () => {
    const f = makeNode(2, THREE, {}, persisted(2, null, 1, 2));
    f.step(append(1, 2, 3, { prevLogIndex: 6, prevLogTerm: 3 }));
    const reply = only(drain(f).messages, 'AppendEntriesReply', 1);
    assert.equal(reply.success, false);
    assert.equal(reply.rejectedIndex, 6);
    assert.deepEqual(reply.conflict, { xTerm: -1, xIndex: -1, xLen: 3 });
  });

  void it('the hints match the lecture example: followers 4 5 5 / 4 4 4 / 4 probed at index 3, term 6', () => {
    const cases: { log: number[]; hint: ConflictHint }[] = [
      { log: [4, 5, 5], hint: { xTerm: 5, xIndex: 2, xLen: 4 } },
      { log: [4, 4, 4], hint: { xTerm: 4, xIndex: 1, xLen: 4 } },
      { log: [4], hint: { xTerm: -1, xIndex: -1, xLen: 2 } },
    ];
    for (const { log, hint } of cases) {
      const f = makeNode(2, THREE, {}, persisted(5, null, ...log));
      f.step(append(1, 2, 6, { prevLogIndex: 3, prevLogTerm: 6 }));
      assert.deepEqual(
        only(drain(f).messages, 'AppendEntriesReply', 1).conflict,
        hint,
        `log ${log.join(' ')}`,
      );
    }
  });

  void it('a matching prevLogIndex/prevLogTerm is accepted and the new entries are persisted with the reply', () => {
    const f = makeNode(2, THREE, {}, persisted(2, null, 1, 2));
    f.step(append(1, 2, 2, { prevLogIndex: 2, prevLogTerm: 2, entries: run(3, 2, 2) }));
    const rd = drain(f);
    const reply = only(rd.messages, 'AppendEntriesReply', 1);
    assert.deepEqual([reply.success, reply.matchIndex, reply.conflict], [true, 4, null]);
    assert.deepEqual(rd.entries, { from: 3, entries: run(3, 2, 2) }, 'persist before the reply is sent');
    assert.equal(f.status().leaderId, 1);
  });

  void it('a follower truncates only at a real conflict: matching entries, and what follows them, stay', () => {
    const f = makeNode(2, THREE, {}, persisted(2, null, 1, 1, 1));
    f.step(append(1, 2, 2, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 1) }));
    let rd = drain(f);
    assert.equal(only(rd.messages, 'AppendEntriesReply', 1).matchIndex, 2);
    assert.equal(rd.entries, null);
    assert.deepEqual(logTerms(f), [1, 1, 1], 'entry 3 follows a match, not a conflict');

    f.step(append(1, 2, 2, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 2) }));
    rd = drain(f);
    assert.deepEqual(logTerms(f), [1, 2], 'the conflict at 2 removes 2 and everything after it');
    assert.deepEqual(rd.entries, { from: 2, entries: run(2, 2) });
  });

  void it('a stale, shorter AppendEntries arriving after a longer one does not truncate', () => {
    const f = makeNode(2, THREE);
    const long = append(1, 2, 1, { entries: run(1, 1, 1, 1) });
    const short = append(1, 2, 1, { entries: run(1, 1) });
    f.step(long);
    drain(f);
    f.step(short);
    const rd = drain(f);
    assert.deepEqual(logTerms(f), [1, 1, 1]);
    assert.equal(rd.entries, null);
    assert.equal(
      only(rd.messages, 'AppendEntriesReply', 1).matchIndex,
      1,
      'it acknowledges only what it carried',
    );
    f.step(long); // Duplicated.
    assert.deepEqual(logTerms(f), [1, 1, 1]);
    assert.equal(drain(f).entries, null);
  });

  void it('commitIndex = min(leaderCommit, index of the last new entry)', () => {
    const f = makeNode(2, THREE, {}, persisted(1, null, 1, 1, 1, 1, 1));
    // The follower holds 5 entries, but this message only vouches for 1..2.
    f.step(append(1, 2, 1, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 1), leaderCommit: 5 }));
    assert.equal(f.status().commitIndex, 2);
    f.step(append(1, 2, 1, { prevLogIndex: 3, prevLogTerm: 1, leaderCommit: 2 }));
    assert.equal(f.status().commitIndex, 2, 'leaderCommit bounds it');
    f.step(append(1, 2, 1, { prevLogIndex: 4, prevLogTerm: 1, leaderCommit: 9 }));
    assert.equal(f.status().commitIndex, 4);
    assert.deepEqual(
      drain(f).committed.map((e) => e.index),
      [1, 2, 3, 4],
    );
  });

  void it('commitIndex never decreases, whatever a late message says', () => {
    const f = makeNode(2, THREE);
    f.step(append(1, 2, 1, { entries: run(1, 1, 1, 1), leaderCommit: 3 }));
    assert.equal(f.status().commitIndex, 3);
    f.step(append(1, 2, 1, { entries: run(1, 1), leaderCommit: 1 }));
    assert.equal(f.status().commitIndex, 3);
    // A stale batch that vouches only for entry 1, but carries a later leaderCommit.
    f.step(append(1, 2, 1, { entries: run(1, 1), leaderCommit: 9 }));
    assert.equal(f.status().commitIndex, 3);
    f.step(append(1, 2, 1, { leaderCommit: 0 }));
    assert.equal(f.status().commitIndex, 3);
  });

  void it('a refused append does not advance commitIndex', () => {
    const f = makeNode(2, THREE, {}, persisted(1, null, 1, 1));
    f.step(append(1, 2, 2, { prevLogIndex: 2, prevLogTerm: 2, leaderCommit: 2 }));
    assert.equal(f.status().commitIndex, 0);
    assert.equal(only(drain(f).messages, 'AppendEntriesReply', 1).success, false);
  });

  // Issue 8: no correct leader sends a conflict at or below a follower's commit index; one that arrives means a
  // broken invariant (or a corrupt message), and the follower must not destroy a committed entry to obey it.
  void it('a conflict at or below the commit index throws RAFT_INVARIANT and leaves the log unchanged', () => {
    const f = makeNode(2, THREE, {}, persisted(2, null, 1, 1, 2));
    f.step(append(1, 2, 2, { prevLogIndex: 3, prevLogTerm: 2, leaderCommit: 3 }));
    drain(f);
    assert.equal(f.status().commitIndex, 3);
    const before = { status: f.status(), state: f.persistentState() };
    assert.throws(
      () => {
        f.step(append(1, 2, 3, { prevLogIndex: 1, prevLogTerm: 1, entries: run(2, 3, 3) }));
      },
      (e: unknown) => e instanceof RaftError && e.code === 'RAFT_INVARIANT',
    );
    assert.deepEqual(f.persistentState().entries, before.state.entries, 'no committed entry was dropped');
    assert.equal(f.status().commitIndex, 3);
    f.step(append(1, 2, 3, { prevLogIndex: 3, prevLogTerm: 2, entries: run(4, 3) }));
    assert.deepEqual(logTerms(f), [1, 1, 2, 3], 'a conflict-free append above the commit index still works');
  });

  void it('an AppendEntries resets the follower election timer', () => {
    const f = makeNode(2, THREE);
    tick(f, MIN - 1);
    f.step(append(1, 2, 1));
    tick(f, MIN - 1);
    assert.equal(f.status().role, 'follower');
    f.tick();
    assert.equal(f.status().role, 'candidate');
  });
});

// ---------------------------------------------------------------- leader side

void describe('fast backup (leader side, spec section 7)', () => {
  /** A leader whose log is 4 6 6 6 (it led term 6 before), now leading term 7, its first probes at index 4. */
  const leader = (): RaftNode => {
    const l = elect(1, THREE, {}, persisted(6, null, 4, 6, 6, 6));
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 4);
    return l;
  };

  void it('case 3: a follower log too short moves nextIndex to XLen', () => {
    const l = leader();
    l.step(nack(2, 1, 7, 4, { xTerm: -1, xIndex: -1, xLen: 2 }));
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, m.prevLogTerm], [1, 4]);
    assert.deepEqual(
      m.entries.map((e) => e.index),
      [2, 3, 4],
    );
  });

  void it('case 1: a leader without XTerm moves nextIndex to XIndex', () => {
    const l = leader();
    l.step(nack(2, 1, 7, 4, { xTerm: 5, xIndex: 2, xLen: 4 }));
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 1);
  });

  void it('case 2: a leader with XTerm moves nextIndex just past its last entry of XTerm', () => {
    const l = elect(1, THREE, {}, persisted(6, null, 4, 4, 6, 6, 6));
    drain(l);
    l.step(nack(2, 1, 7, 5, { xTerm: 4, xIndex: 1, xLen: 6 }));
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 2);
  });

  void it('nextIndex never drops to or below matchIndex, whatever the hint says', () => {
    const l = leader();
    l.step(ack(2, 1, 7, 3)); // A late success: the follower matches through 3. nextIndex stays at 5.
    drain(l);
    l.step(nack(2, 1, 7, 4, { xTerm: -1, xIndex: -1, xLen: 1 }));
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.equal(m.prevLogIndex, 3, 'it resumes at match + 1 = 4, not at XLen = 1');
  });

  void it('nextIndex moves back at least one index per refusal, even on a hint that points forward', () => {
    const l = leader();
    l.step(nack(2, 1, 7, 4, { xTerm: -1, xIndex: -1, xLen: 9 }));
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 3);
  });

  void it('a refusal of an older probe than the current one is ignored', () => {
    const l = leader();
    l.step(nack(2, 1, 7, 4, { xTerm: -1, xIndex: -1, xLen: 4 })); // next 5 -> 4
    assert.equal(only(drain(l).messages, 'AppendEntries', 2).prevLogIndex, 3);
    l.step(nack(2, 1, 7, 4, { xTerm: -1, xIndex: -1, xLen: 1 })); // The same refusal, duplicated.
    assert.equal(l.hasReady(), false);
  });

  void it('converges with real followers in one round trip per conflicting term (lecture example)', () => {
    for (const [log, probes] of [
      [
        [4, 5, 5],
        [4, 3, 1],
      ],
      [
        [4, 4, 4],
        [4, 3, 1],
      ],
      [[4], [4, 1]],
    ] as const) {
      const l = elect(1, THREE, {}, persisted(6, null, 4, 6, 6, 6));
      const f = makeNode(2, THREE, {}, persisted(6, null, ...log));
      const seen: number[] = [];
      let out = drain(l).messages; // The election probe starts the backup.
      for (let i = 0; i < 10 && out.length > 0; i++) {
        const next: Message[] = [];
        for (const m of out) {
          if (m.to !== 2) continue;
          if (m.type === 'AppendEntries') seen.push(m.prevLogIndex);
          f.step(m);
          for (const r of drain(f).messages) {
            l.step(r);
            next.push(...drain(l).messages);
          }
        }
        out = next;
      }
      assert.deepEqual(seen.slice(0, probes.length), probes, `follower ${log.join(' ')}`);
      assert.deepEqual(logTerms(f), [4, 6, 6, 6], `follower ${log.join(' ')} ends with the leader log`);
    }
  });

  void it('a success acknowledging beyond the leader last index is ignored', () => {
    const l = makeLeader(1, THREE);
    l.propose('x');
    drain(l);
    l.step(ack(2, 1, 1, 5));
    assert.equal(l.status().commitIndex, 0, 'an unbelievable ack does not count toward the commit');
    assert.equal(l.hasReady(), false);
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1);
  });
});

void describe('commit rule (Rules for Leaders, section 5.4.2)', () => {
  void it('a leader commits an entry of its term once a majority holds it, and tells the followers', () => {
    const l = makeLeader(1, [1, 2, 3, 4, 5]);
    l.propose('x');
    drain(l);
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 0, 'two of five');
    l.step(ack(3, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1, 'three of five');
    const rd = drain(l);
    assert.deepEqual(
      rd.committed.map((e) => e.command),
      ['x'],
    );
    for (const to of [2, 3]) assert.equal(only(rd.messages, 'AppendEntries', to).leaderCommit, 1);
  });

  void it('a single-node cluster commits on its own, once its vote and then its entry are durable', () => {
    const n = makeNode(1, [1]);
    expire(n);
    assert.equal(n.status().role, 'candidate', 'its own vote is not durable yet');
    drain(n);
    assert.equal(n.status().role, 'leader');
    assert.deepEqual(n.propose('solo'), { index: 1, term: 1 });
    assert.equal(n.status().commitIndex, 0);
    assert.deepEqual(drain(n).committed, [], 'the entry was being written');
    assert.equal(n.status().commitIndex, 1);
    assert.deepEqual(
      drain(n).committed.map((e) => e.command),
      ['solo'],
    );
  });

  void it('a leader never commits a previous-term entry by counting replicas, even on every follower', () => {
    const l = elect(1, THREE, {}, persisted(1, null, 1, 1));
    drain(l);
    assert.equal(l.status().term, 2);
    // The election heartbeat probed at index 2; every follower holds the term-1 entries.
    l.step(ack(2, 1, 2, 2));
    l.step(ack(3, 1, 2, 2));
    assert.equal(l.status().commitIndex, 0);
    assert.deepEqual(drain(l).committed, []);
    l.propose('now');
    drain(l);
    l.step(ack(2, 1, 2, 3));
    assert.equal(l.status().commitIndex, 3, 'they commit together with an entry of the current term');
    assert.deepEqual(
      drain(l).committed.map((e) => e.index),
      [1, 2, 3],
    );
  });

  void it('propose returns null on a non-leader and appends nothing', () => {
    const f = makeNode(2, THREE);
    assert.equal(f.propose('x'), null);
    assert.equal(f.status().lastIndex, 0);
    assert.equal(f.hasReady(), false);
  });
});

void describe('Figure 8: a leader cannot commit an old-term entry by counting replicas', () => {
  /** Builds Figure 8 (a)-(c) with S1..S5: entry 2 of term 2 ends up on a majority, uncommitted. */
  function figure8(): Net {
    const net = new Net([1, 2, 3, 4, 5]);
    // Entry 1 (term 1) everywhere, committed.
    net.campaign(2);
    assert.equal(net.get(2).status().role, 'leader');
    net.get(2).propose('x1');
    net.flush();
    for (const id of net.ids) assert.equal(net.get(id).status().commitIndex, 1);

    // (a) S1 leads term 2 and replicates entry 2 to S2 only, then crashes.
    net.campaign(1);
    assert.deepEqual([net.get(1).status().role, net.get(1).status().term], ['leader', 2]);
    net.isolate(1, [2]);
    assert.deepEqual(net.get(1).propose('x2'), { index: 2, term: 2 });
    net.flush();
    assert.deepEqual(logTerms(net.get(2)), [1, 2]);
    net.crash(1);
    net.heal();

    // (b) S5 leads term 3 with the votes of S3, S4 (S2's log is more up to date and refuses), writes entry 2 of
    // term 3 that no one else receives, and crashes.
    net.campaign(5);
    assert.deepEqual([net.get(5).status().role, net.get(5).status().term], ['leader', 3]);
    net.isolate(5);
    assert.deepEqual(net.get(5).propose('x3'), { index: 2, term: 3 });
    net.flush();
    net.crash(5);
    net.heal();

    // (c) S1 restarts and leads term 4 (S3 and S4 already voted in term 3, so it takes two elections); it
    // brings S3 and S4 up to date: entry 2 of term 2 now sits on a majority.
    net.restart(1);
    net.campaign(1);
    assert.equal(net.get(1).status().role, 'candidate', 'term 3: S3 and S4 had voted for S5');
    net.campaign(1);
    assert.deepEqual([net.get(1).status().role, net.get(1).status().term], ['leader', 4]);
    for (const id of [1, 2, 3, 4]) assert.deepEqual(logTerms(net.get(id)), [1, 2], `S${id}`);
    return net;
  }

  void it('(c) entry 2 of term 2 on four of five servers is not committed by the term-4 leader', () => {
    const net = figure8();
    // The restarted S1 knows no commit index at all until an entry of its own term commits.
    assert.equal(net.get(1).status().commitIndex, 0);
    for (const id of [2, 3, 4]) assert.equal(net.get(id).status().commitIndex, 1, `S${id}`);
    for (const id of net.ids)
      assert.ok(
        net.appliedBy(id).every((e) => e.index === 1),
        `S${id} applied only 1`,
      );
  });

  void it('(d) which is what makes it safe: S5 can still win and overwrite entry 2 on every server', () => {
    const net = figure8();
    net.crash(1);
    net.restart(5);
    net.campaign(5); // Term 4: everyone voted for S1 already.
    assert.notEqual(net.get(5).status().role, 'leader');
    net.campaign(5); // Term 5: its last term 3 beats their last term 2.
    assert.deepEqual([net.get(5).status().role, net.get(5).status().term], ['leader', 5]);
    for (const id of [2, 3, 4, 5]) assert.deepEqual(logTerms(net.get(id)), [1, 3], `S${id}`);
    net.get(5).propose('x5');
    net.flush();
    for (const id of [2, 3, 4, 5]) {
      assert.deepEqual(
        net.appliedBy(id).map((e) => e.command),
        ['x1', 'x3', 'x5'],
        `S${id}`,
      );
    }
    assertAppliedAgree(net);
  });

  void it('(e) entry 2 commits together with S1 first entry of term 4, once that is on a majority', () => {
    const net = figure8();
    const s1 = net.get(1);
    s1.propose('x4');
    const out = drain(s1).messages;
    for (const to of [2, 3]) {
      const m = only(out, 'AppendEntries', to);
      assert.deepEqual(
        m.entries.map((e) => [e.index, e.term]),
        [[3, 4]],
      );
      net.get(to).step(m);
      for (const r of drain(net.get(to)).messages) s1.step(r);
      assert.equal(s1.status().commitIndex, to === 2 ? 0 : 3, `after S${to} answered`);
    }
    const committed = drain(s1).committed;
    assert.deepEqual(
      committed.map((e) => [e.index, e.term, e.command]),
      [
        [1, 1, 'x1'],
        [2, 2, 'x2'],
        [3, 4, 'x4'],
      ],
    );
    // From now on S5 can never be elected: a majority holds a term-4 entry.
    net.crash(1);
    net.restart(5);
    net.flush();
    for (let round = 0; round < 3; round++) net.campaign(5);
    assert.notEqual(net.get(5).status().role, 'leader');
  });
});

void describe('flow control and heartbeats', () => {
  void it('a leader sends a new entry to every follower at once', () => {
    const l = makeLeader(1, THREE);
    assert.deepEqual(l.propose('a'), { index: 1, term: 1 });
    const rd = drain(l);
    assert.deepEqual(rd.entries, { from: 1, entries: [{ index: 1, term: 1, command: 'a' }] });
    for (const to of [2, 3]) {
      const m = only(rd.messages, 'AppendEntries', to);
      assert.deepEqual([m.prevLogIndex, m.prevLogTerm, m.entries.length], [0, 0, 1]);
    }
  });

  // Flow control (etcd's progress states): a follower whose position is unknown is probed one message at a time;
  // once a probe is answered, entries stream without waiting for replies.
  void it('while a probe is unanswered, further proposals wait and go out batched after its answer', () => {
    const l = elect(1, THREE);
    drain(l); // The election probes: unanswered.
    l.propose('a');
    l.propose('b');
    assert.deepEqual(sent(drain(l).messages, 'AppendEntries'), [], 'nothing new while the probe is out');
    l.step(ack(2, 1, 1, 0));
    const rd = drain(l);
    const m = only(rd.messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, m.entries.map((e) => e.command)], [0, ['a', 'b']]);
    assert.deepEqual(sent(rd.messages, 'AppendEntries', 3), [], 'follower 3 still has its probe out');
    assert.equal(l.followerStatus(2)?.state, 'replicate');
    assert.equal(l.followerStatus(3)?.state, 'probe');
  });

  void it('a replicating follower gets new entries at once, without waiting for the previous reply', () => {
    const l = makeLeader(1, THREE);
    l.propose('a');
    const first = only(drain(l).messages, 'AppendEntries', 2);
    l.propose('b');
    l.propose('c');
    const second = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([first.prevLogIndex, first.entries.map((e) => e.command)], [0, ['a']]);
    assert.deepEqual([second.prevLogIndex, second.entries.map((e) => e.command)], [1, ['b', 'c']]);
    assert.deepEqual(l.followerStatus(2), { match: 0, next: 4, state: 'replicate', inflight: 2 });
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1);
    const rd = drain(l);
    assert.equal(only(rd.messages, 'AppendEntries', 2).leaderCommit, 1, 'an empty append carries the commit');
    assert.equal(only(rd.messages, 'AppendEntries', 2).entries.length, 0);
  });

  void it('a batch carries at most maxEntriesPerAppend entries', () => {
    const l = makeLeader(1, THREE, { maxEntriesPerAppend: 2 });
    for (const c of ['a', 'b', 'c', 'd', 'e']) l.propose(c);
    const out = sent(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual(
      out.map((m) => [m.prevLogIndex, m.entries.map((e) => e.command)]),
      [
        [0, ['a', 'b']],
        [2, ['c', 'd']],
        [4, ['e']],
      ],
    );
  });

  void it('heartbeats are small (no entries, the commit index) and go out every heartbeatTicks while idle', () => {
    const l = makeLeader(1, THREE);
    l.propose('a');
    drain(l);
    l.step(ack(2, 1, 1, 1));
    assert.equal(l.status().commitIndex, 1);
    drain(l); // The commit news to 2: an AppendEntries, which stands in for a heartbeat.
    for (let round = 0; round < 3; round++) {
      tick(l, HEARTBEAT - 1);
      assert.deepEqual(sent(drain(l).messages, 'Heartbeat', 2), [], 'no heartbeat before heartbeatTicks');
      l.tick();
      const beat = only(drain(l).messages, 'Heartbeat', 2);
      assert.deepEqual([beat.term, beat.commit], [1, 1]);
      l.step(heartbeatReply(2, 1, 1));
    }
  });

  void it("a heartbeat's commit index is capped at what the follower is known to hold", () => {
    const l = makeLeader(1, THREE);
    l.propose('a');
    drain(l); // The append to 3 is lost: 3 holds nothing the leader knows of.
    l.step(ack(2, 1, 1, 1));
    drain(l);
    assert.ok(l.requestRead('r')); // A read's round of heartbeats goes to every follower at once.
    const beats = sent(drain(l).messages, 'Heartbeat');
    assert.deepEqual(
      beats.map((m) => [m.to, m.commit]),
      [
        [2, 1],
        [3, 0],
      ],
    );
  });

  void it("an AppendEntries sent within the heartbeat interval takes the heartbeat's place (Figure 2: heartbeats in idle periods)", () => {
    const l = makeLeader(1, THREE);
    tick(l, HEARTBEAT - 1);
    l.propose('a');
    drain(l);
    l.tick();
    assert.deepEqual(sent(drain(l).messages, 'Heartbeat'), [], 'the appends just sent serve as heartbeats');
    l.step(ack(2, 1, 1, 1));
    l.step(ack(3, 1, 1, 1));
    assert.equal(
      sent(drain(l).messages, 'AppendEntries').length,
      2,
      'the commit news, also in place of beats',
    );
    tick(l, HEARTBEAT - 1);
    assert.deepEqual(sent(drain(l).messages, 'Heartbeat'), []);
    l.tick();
    assert.equal(
      sent(drain(l).messages, 'Heartbeat').length,
      2,
      'a heartbeat interval after the last append',
    );
  });

  void it('reportUnreachable sends a replicating follower back to probing from match + 1', () => {
    const l = makeLeader(1, THREE);
    l.propose('a');
    drain(l);
    l.propose('b');
    assert.equal(sent(drain(l).messages, 'AppendEntries', 2).length, 1, 'streamed');
    l.reportUnreachable(2);
    assert.deepEqual(l.followerStatus(2), { match: 0, next: 1, state: 'probe', inflight: 0 });
    l.propose('c');
    const m = only(drain(l).messages, 'AppendEntries', 2);
    assert.deepEqual([m.prevLogIndex, m.entries.map((e) => e.command)], [0, ['a', 'b', 'c']]);
    l.propose('d');
    const rd = drain(l);
    assert.deepEqual(sent(rd.messages, 'AppendEntries', 2), [], 'one probe at a time');
    assert.deepEqual(
      only(rd.messages, 'AppendEntries', 3).entries.map((e) => e.command),
      ['d'],
    );
  });

  void it('reportUnreachable on a follower, or for a stranger, changes nothing', () => {
    const f = makeNode(2, THREE);
    f.reportUnreachable(1);
    f.reportUnreachable(9);
    assert.equal(f.hasReady(), false);
    const l = makeLeader(1, THREE);
    l.reportUnreachable(9);
    assert.equal(l.hasReady(), false);
  });

  void it('committed entries come out of takeReady exactly once, in order', () => {
    const net = new Net([...THREE]);
    net.campaign(1);
    const l = net.get(1);
    for (const c of ['a', 'b', 'c']) l.propose(c);
    net.flush();
    l.propose('d');
    net.flush();
    tick(l, HEARTBEAT);
    net.flush();
    for (const id of THREE) {
      assert.deepEqual(
        net.appliedBy(id).map((e) => [e.index, e.command]),
        [
          [1, 'a'],
          [2, 'b'],
          [3, 'c'],
          [4, 'd'],
        ],
        `S${id}`,
      );
      assert.equal(net.get(id).status().appliedIndex, 4);
      assert.deepEqual(drain(net.get(id)).committed, []);
      assert.equal(net.get(id).hasReady(), false);
    }
  });
});
