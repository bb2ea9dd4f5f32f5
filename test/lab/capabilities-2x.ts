/**
 * Part 2X: the project's own lab tests, for what the core does beyond the lab's Raft: flow control that recovers
 * at once from a flapping link, pipelined bursts, ReadIndex, leadership transfer and chunked snapshots. Written in
 * the lab's style, on the same tester and simulated network; every wait is in virtual time.
 */
import { isDeepStrictEqual } from 'node:util';
import type { LabRaft } from '../../src/lab/lab-raft.js';
import { type Config, type LabTest, labTest, makeConfig } from '../../src/lab/tester/index.js';

function raftOf(cfg: Config, i: number): LabRaft {
  const rf = cfg.raft(i);
  if (rf === undefined) return cfg.fatal(`server ${i} has no Raft instance`);
  return rf;
}

/** The leader of the highest term among all live servers, connected or not; -1 if none claims it. */
function currentLeader(cfg: Config): number {
  let leader = -1;
  let bestTerm = -1;
  for (let i = 0; i < cfg.n; i++) {
    const state = cfg.raft(i)?.getState();
    if (state?.isLeader === true && state.term > bestTerm) {
      leader = i;
      bestTerm = state.term;
    }
  }
  return leader;
}

/** Asks server `i` for a ReadIndex and waits (up to `limitMs`) for its answer: an index, null, or 'none'. */
async function readIndexAt(cfg: Config, i: number, limitMs: number): Promise<number | null | 'none'> {
  const read: { answer: number | null | 'none' } = { answer: 'none' };
  const rf = raftOf(cfg, i);
  if (rf.readIndex === undefined) return cfg.fatal('this Raft has no readIndex');
  if (!rf.readIndex((index) => (read.answer = index))) return null;
  const t0 = cfg.sim.now();
  while (read.answer === 'none' && cfg.sim.now() - t0 < limitMs) await cfg.sleep(5);
  return read.answer;
}

export const tests: readonly LabTest[] = [
  labTest('TestFlappingLeaderLink2X', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });
    cfg.begin('Test (2X): leader link flapping at the heartbeat interval');
    await cfg.one(1, servers, true);

    // Whoever leads loses its link for 150 ms, gets it back for 150 ms, and so on.
    const durationMs = 60_000;
    let done = false;
    const flapper = cfg.go(async () => {
      while (!done) {
        const leader = currentLeader(cfg);
        if (leader !== -1) cfg.disconnect(leader);
        await cfg.sleep(150);
        if (leader !== -1) cfg.connect(leader);
        await cfg.sleep(150);
      }
    });

    // One client, one command at a time: offer it to the leader, wait until a majority has applied it.
    let committed = 0;
    const t0 = cfg.sim.now();
    let cmd = 1000;
    while (cfg.sim.now() - t0 < durationMs) {
      const leader = currentLeader(cfg);
      const proposed = leader === -1 ? undefined : raftOf(cfg, leader).start(cmd);
      if (proposed?.isLeader !== true) {
        await cfg.sleep(5);
        continue;
      }
      const t1 = cfg.sim.now();
      for (;;) {
        const { count, command } = cfg.nCommitted(proposed.index);
        if (count >= 3 && isDeepStrictEqual(command, cmd)) {
          committed++;
          cmd++;
          break;
        }
        if (cfg.sim.now() - t1 > 1000 || raftOf(cfg, leader).getState().term !== proposed.term) break;
        await cfg.sleep(5);
      }
    }
    done = true;
    await flapper;
    const perSecond = committed / (durationMs / 1000);
    t.log(`  ... ${perSecond.toFixed(1)} commands per second with the leader's link up half the time`);
    if (perSecond < 90) {
      cfg.fatal(
        `only ${perSecond.toFixed(1)} commands per second committed under a flapping link; want >= 90`,
      );
    }
    cfg.end();
  }),

  labTest('TestManyConcurrentStarts2X', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });
    cfg.begin('Test (2X): a burst of 10,000 concurrent Start()s');
    const burst = 10_000;
    let success = false;
    for (let attempt = 0; attempt < 5 && !success; attempt++) {
      if (attempt > 0) await cfg.sleep(3000);
      const leader = await cfg.checkOneLeader();
      const rf = raftOf(cfg, leader);
      const first = rf.start(-1);
      if (!first.isLeader) continue;
      const rpcs0 = cfg.rpcTotal();
      const indices: number[] = [];
      for (let k = 0; k < burst; k++) {
        const r = rf.start(k);
        if (!r.isLeader || r.term !== first.term) break;
        indices.push(r.index);
      }
      if (indices.length < burst) continue;
      for (let k = 0; k < burst; k++) {
        if (indices[k] !== first.index + 1 + k) cfg.fatal(`Start() ${k} got index ${indices[k]}`);
      }
      const last = first.index + burst;
      if ((await cfg.wait(last, servers, first.term)) === -1) continue; // The term changed: try again.
      for (let k = 0; k < burst; k += 997) {
        const { command } = cfg.nCommitted(first.index + 1 + k);
        if (command !== k) cfg.fatal(`index ${first.index + 1 + k} holds ${String(command)}, want ${k}`);
      }
      // 10,000 entries in batches of 256 to each of 2 followers, and their commit news: a few hundred RPCs.
      const used = cfg.rpcTotal() - rpcs0;
      if (used > 400) cfg.fatal(`too many RPCs (${used}) for a burst of ${burst} Start()s`);
      success = true;
    }
    if (!success) cfg.fatal('term changed too often');
    cfg.end();
  }),

  labTest('TestReadIndexPartition2X', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });
    cfg.begin('Test (2X): ReadIndex under partitions');
    let acknowledged = await cfg.one(cfg.rand.int(10_000), servers, true);
    for (let round = 0; round < 6; round++) {
      const leader1 = await cfg.checkOneLeader();
      // A read at the leader must reflect every write acknowledged before it was asked.
      const fresh = await readIndexAt(cfg, leader1, 2000);
      if (fresh === 'none' || fresh === null) cfg.fatal(`leader ${leader1} never confirmed a read`);
      if (fresh < acknowledged)
        cfg.fatal(`stale read: index ${fresh} below acknowledged write ${acknowledged}`);

      // Cut the leader off. The others elect a new leader and commit more.
      cfg.disconnect(leader1);
      acknowledged = await cfg.one(cfg.rand.int(10_000), servers - 1, true);
      // The deposed leader must never confirm a read: it could only serve data older than `acknowledged`.
      const stale = await readIndexAt(cfg, leader1, 1500);
      if (typeof stale === 'number') {
        cfg.fatal(
          `deposed leader ${leader1} confirmed a read at index ${stale} (acknowledged ${acknowledged})`,
        );
      }
      const leader2 = await cfg.checkOneLeader();
      const after = await readIndexAt(cfg, leader2, 2000);
      if (after === 'none' || after === null) cfg.fatal(`new leader ${leader2} never confirmed a read`);
      if (after < acknowledged)
        cfg.fatal(`stale read: index ${after} below acknowledged write ${acknowledged}`);
      cfg.connect(leader1);
      acknowledged = await cfg.one(cfg.rand.int(10_000), servers, true);
    }
    cfg.end();
  }),

  labTest('TestLeadershipTransferUnreliable2X', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: true });
    cfg.begin('Test (2X): leadership transfer on an unreliable network');
    await cfg.one(cfg.rand.int(10_000), servers, true);
    let transferred = 0;
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      const leader = await cfg.checkOneLeader();
      const target = (leader + 1 + cfg.rand.int(servers - 1)) % servers;
      raftOf(cfg, leader).transferLeadership?.(target);
      const t0 = cfg.sim.now();
      while (cfg.sim.now() - t0 < 1000 && !raftOf(cfg, target).getState().isLeader) await cfg.sleep(10);
      if (raftOf(cfg, target).getState().isLeader) transferred++;
      await cfg.one(cfg.rand.int(10_000), servers, true);
    }
    t.log(`  ... ${transferred} of ${rounds} transfers completed within 1 s`);
    // A transfer is abandoned when its TimeoutNow or the target's votes are lost; most must get through.
    if (transferred < rounds / 2)
      cfg.fatal(`only ${transferred} of ${rounds} leadership transfers completed`);
    cfg.end();
  }),

  labTest('TestSnapshotChunksCrash2X', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, {
      servers,
      unreliable: true,
      snapshot: true,
      tuning: { snapshotChunkBytes: 64 },
    });
    cfg.begin('Test (2X): a snapshot in many chunks, under loss, with a crash mid-transfer');
    await cfg.one(cfg.rand.int(10_000), servers, true);
    for (let round = 0; round < 3; round++) {
      const leader = await cfg.checkOneLeader();
      const victim = (leader + 1) % servers;
      cfg.disconnect(victim);
      // Enough commands for the leader to snapshot well past the victim's log, into a snapshot of many chunks.
      for (let k = 0; k < 60; k++) await cfg.one(cfg.rand.int(10_000), servers - 1, true);
      cfg.connect(victim);
      // Let the transfer start, then crash the victim in the middle of it and bring it back.
      await cfg.sleep(200 + cfg.rand.int(300));
      cfg.start1(victim);
      cfg.connect(victim);
      await cfg.one(cfg.rand.int(10_000), servers, true);
    }
    cfg.end();
  }),
];
