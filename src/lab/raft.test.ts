import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulator } from '../sim/index.js';
import type { ApplyMsg } from './apply-msg.js';
import type { LabRaft, LabRaftTuning } from './lab-raft.js';
import { Network, Server, Service } from './labrpc/index.js';
import { Persister } from './persister.js';
import { LAB_TIMING, make } from './raft.js';

/** A cluster of `n` lab Rafts on one simulated, reliable network, with what each applied. */
function cluster(n: number, seed = 1, tuning?: LabRaftTuning) {
  const sim = new Simulator(seed);
  const net = new Network(sim, sim.rand.fork());
  const persisters = Array.from({ length: n }, () => new Persister());
  const applied: ApplyMsg[][] = Array.from({ length: n }, () => []);
  const rafts: LabRaft[] = [];
  const boot = (i: number, onApply: (msg: ApplyMsg) => void = () => undefined): LabRaft => {
    const ends = Array.from({ length: n }, (_, j) => {
      const name = `${i}->${j}#${rafts.length}`;
      const end = net.makeEnd(name);
      net.connect(name, String(j));
      net.enable(name, true);
      return end;
    });
    const rf = make(
      ends,
      i,
      persisters[i] as Persister,
      (msg) => {
        (applied[i] as ApplyMsg[]).push(msg);
        onApply(msg);
      },
      { sim, rand: sim.rand.fork(), tuning },
    );
    const server = new Server();
    server.addService(new Service('Raft', rf.rpcHandlers()));
    net.addServer(String(i), server);
    rafts[i] = rf;
    return rf;
  };
  for (let i = 0; i < n; i++) boot(i);
  const leader = (): number => rafts.findIndex((rf) => rf.getState().isLeader);
  return { sim, net, persisters, applied, rafts, boot, leader };
}

void describe('lab Raft (make)', () => {
  void it('elects a leader and commits a command on every peer, in order', () => {
    const c = cluster(3);
    c.sim.runUntil(() => c.leader() >= 0, 2000);
    const leader = c.rafts[c.leader()] as LabRaft;
    const first = leader.start('a');
    const second = leader.start('b');
    assert.deepEqual([first.index, second.index, first.isLeader], [1, 2, true]);
    c.sim.runFor(500);
    for (const applied of c.applied) {
      assert.deepEqual(
        applied.map((m) => [m.commandIndex, m.command]),
        [
          [1, 'a'],
          [2, 'b'],
        ],
      );
    }
  });

  void it('delivers applies from an event of its own, never inside start()', () => {
    const c = cluster(1);
    c.sim.runUntil(() => c.leader() === 0, 2000);
    const rf = c.rafts[0] as LabRaft;
    rf.start('x'); // A cluster of one commits at once.
    assert.equal(c.applied[0]?.length, 0, 'applyCh ran inside start()');
    c.sim.runFor(LAB_TIMING.tickMs);
    assert.equal(c.applied[0].length, 1);
  });

  void it('lets the service call snapshot() from inside applyCh', () => {
    const c = cluster(1);
    const self: { rf?: LabRaft } = {};
    const rf = c.boot(0, (msg) => {
      if (msg.commandIndex === 3) self.rf?.snapshot(3, new Uint8Array([3]));
    });
    self.rf = rf;
    c.sim.runUntil(() => rf.getState().isLeader, 2000);
    for (const cmd of [1, 2, 3, 4]) rf.start(cmd);
    c.sim.runFor(100);
    assert.deepEqual(c.persisters[0]?.readSnapshot(), new Uint8Array([3]));
    assert.equal(c.applied[0]?.at(-1)?.commandIndex, 4);
  });

  void it('with noopOnElection, a new leader commits an empty entry and confirms reads without a proposal', () => {
    const c = cluster(3, 1, { noopOnElection: true });
    c.sim.runUntil(() => c.leader() >= 0, 2000);
    const leader = c.rafts[c.leader()] as LabRaft;
    const confirmed: (number | null)[] = [];
    assert.equal(
      leader.readIndex?.((index) => confirmed.push(index)),
      true,
    );
    c.sim.runFor(100);
    assert.deepEqual(confirmed, [1], 'the read waits for nothing but a heartbeat round');
    for (const applied of c.applied) {
      assert.deepEqual(
        applied.map((m) => [m.commandIndex, m.command]),
        [[1, null]],
      );
    }
  });

  void it('without noopOnElection (the default), a new leader appends nothing and its reads wait', () => {
    const c = cluster(3);
    c.sim.runUntil(() => c.leader() >= 0, 2000);
    const leader = c.rafts[c.leader()] as LabRaft;
    const confirmed: (number | null)[] = [];
    leader.readIndex?.((index) => confirmed.push(index));
    c.sim.runFor(500);
    assert.deepEqual(confirmed, [], 'no entry of its term is committed yet (thesis 6.4)');
    assert.ok(c.applied.every((applied) => applied.length === 0));
    leader.start('x');
    c.sim.runFor(100);
    assert.deepEqual(confirmed, [1]);
  });

  void it('answers a malformed RPC with nothing and changes nothing', () => {
    const c = cluster(3);
    c.sim.runFor(2000);
    const rf = c.rafts[0] as LabRaft;
    const before = rf.getState();
    const stateBefore = c.persisters[0]?.readRaftState();
    const handlers = rf.rpcHandlers();
    const garbage: unknown[] = [
      null,
      42,
      { type: 'AppendEntries', term: 1e9, from: 1, to: 0 }, // missing fields
      { type: 'RequestVote', term: -1, from: 1, to: 0, preVote: false, lastLogIndex: 0, lastLogTerm: 0 },
      {
        type: 'AppendEntries',
        term: 1e9,
        from: 1,
        to: 0,
        prevLogIndex: 0,
        prevLogTerm: 0,
        leaderCommit: 0,
        entries: [{ index: 5, term: 1, command: 1 }],
      }, // not contiguous
    ];
    for (const args of garbage) assert.equal(handlers.AppendEntries?.(args), null);
    assert.deepEqual(rf.getState(), before);
    assert.deepEqual(c.persisters[0]?.readRaftState(), stateBefore);
  });

  void it('a killed peer no longer leads, persists or applies', () => {
    const c = cluster(3);
    c.sim.runUntil(() => c.leader() >= 0, 2000);
    const i = c.leader();
    const rf = c.rafts[i] as LabRaft;
    rf.kill();
    assert.equal(rf.start('late').isLeader, false);
    const saved = c.persisters[i]?.readRaftState();
    const appliedBefore = c.applied[i]?.length;
    c.sim.runFor(3000);
    assert.deepEqual(c.persisters[i]?.readRaftState(), saved);
    assert.equal(c.applied[i]?.length, appliedBefore);
  });

  void it('a restarted peer comes back with its term, vote and log', () => {
    const c = cluster(3);
    c.sim.runUntil(() => c.leader() >= 0, 2000);
    (c.rafts[c.leader()] as LabRaft).start('kept');
    c.sim.runFor(300);
    const victim = (c.leader() + 1) % 3;
    const term = c.rafts[victim]?.getState().term;
    c.rafts[victim]?.kill();
    c.net.deleteServer(String(victim));
    const persisted = (c.persisters[victim] as Persister).copy();
    c.persisters[victim] = persisted;
    c.applied[victim] = [];
    const reborn = c.boot(victim);
    assert.equal(reborn.getState().term, term);
    c.sim.runFor(1000);
    assert.ok(c.applied[victim].some((m) => m.command === 'kept'));
  });
});
