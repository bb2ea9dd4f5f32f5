/**
 * Part 2B of the lab's test_test.go (log replication), ported line by line. Every wait is in virtual time.
 */
import type { LabRaft } from '../../src/lab/lab-raft.js';
import {
  type Config,
  formatValue,
  type LabTest,
  labTest,
  makeConfig,
  RAFT_ELECTION_TIMEOUT,
} from '../../src/lab/tester/index.js';

/**
 * The lab's `cfg.rafts[i]`. No test in this file crashes a server, so every one is running; where Go would
 * dereference a nil Raft (and panic), the test fails instead.
 */
function raftOf(cfg: Config, i: number): LabRaft {
  const rf = cfg.raft(i);
  if (rf === undefined) return cfg.fatal(`server ${i} has no Raft instance`);
  return rf;
}

/** Go's %v for a []int: "[1 2 3]". */
function formatInts(xs: readonly number[]): string {
  return `[${xs.join(' ')}]`;
}

export const tests: readonly LabTest[] = [
  labTest('TestBasicAgree2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): basic agreement');

    const iters = 3;
    for (let index = 1; index < iters + 1; index++) {
      const nd = cfg.nCommitted(index).count;
      if (nd > 0) cfg.fatal('some have committed before Start()');

      const xindex = await cfg.one(index * 100, servers, false);
      if (xindex !== index) cfg.fatal(`got index ${xindex} but expected ${index}`);
    }

    cfg.end();
  }),

  // check, based on counting bytes of RPCs, that
  // each command is sent to each peer just once.
  labTest('TestRPCBytes2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): RPC byte count');

    await cfg.one(99, servers, false);
    const bytes0 = cfg.bytesTotal();

    const iters = 10;
    let sent = 0;
    for (let index = 2; index < iters + 2; index++) {
      const cmd = cfg.randString(5000);
      const xindex = await cfg.one(cmd, servers, false);
      if (xindex !== index) cfg.fatal(`got index ${xindex} but expected ${index}`);
      sent += cmd.length;
    }

    const bytes1 = cfg.bytesTotal();
    const got = bytes1 - bytes0;
    const expected = servers * sent;
    if (got > expected + 50000) cfg.fatal(`too many RPC bytes; got ${got}, expected ${expected}`);

    cfg.end();
  }),

  // test just failure of followers.
  labTest('TestFollowerFailure2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): test progressive failure of followers');

    await cfg.one(101, servers, false);

    // disconnect one follower from the network.
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect((leader1 + 1) % servers);

    // the leader and remaining follower should be
    // able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT);
    await cfg.one(103, servers - 1, false);

    // disconnect the remaining follower
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect((leader2 + 1) % servers);
    cfg.disconnect((leader2 + 2) % servers);

    // submit a command.
    const { index, isLeader } = raftOf(cfg, leader2).start(104);
    if (!isLeader) cfg.fatal('leader rejected Start()');
    if (index !== 4) cfg.fatal(`expected index 4, got ${index}`);

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT);

    // check that command 104 did not commit.
    const n = cfg.nCommitted(index).count;
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    cfg.end();
  }),

  // test just failure of leaders.
  labTest('TestLeaderFailure2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): test failure of leaders');

    await cfg.one(101, servers, false);

    // disconnect the first leader.
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);

    // the remaining followers should elect
    // a new leader.
    await cfg.one(102, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT);
    await cfg.one(103, servers - 1, false);

    // disconnect the new leader.
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);

    // submit a command to each server.
    for (let i = 0; i < servers; i++) {
      raftOf(cfg, i).start(104);
    }

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT);

    // check that command 104 did not commit.
    const n = cfg.nCommitted(4).count;
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    cfg.end();
  }),

  // test that a follower participates after
  // disconnect and re-connect.
  labTest('TestFailAgree2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): agreement after follower reconnects');

    await cfg.one(101, servers, false);

    // disconnect one follower from the network.
    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 1) % servers);

    // the leader and remaining follower should be
    // able to agree despite the disconnected follower.
    await cfg.one(102, servers - 1, false);
    await cfg.one(103, servers - 1, false);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT);
    await cfg.one(104, servers - 1, false);
    await cfg.one(105, servers - 1, false);

    // re-connect
    cfg.connect((leader + 1) % servers);

    // the full set of servers should preserve
    // previous agreements, and be able to agree
    // on new commands.
    await cfg.one(106, servers, true);
    await cfg.sleep(RAFT_ELECTION_TIMEOUT);
    await cfg.one(107, servers, true);

    cfg.end();
  }),

  labTest('TestFailNoAgree2B', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): no agreement if too many followers disconnect');

    await cfg.one(10, servers, false);

    // 3 of 5 followers disconnect
    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 1) % servers);
    cfg.disconnect((leader + 2) % servers);
    cfg.disconnect((leader + 3) % servers);

    const { index, isLeader: ok } = raftOf(cfg, leader).start(20);
    if (!ok) cfg.fatal('leader rejected Start()');
    if (index !== 2) cfg.fatal(`expected index 2, got ${index}`);

    await cfg.sleep(2 * RAFT_ELECTION_TIMEOUT);

    const n = cfg.nCommitted(index).count;
    if (n > 0) cfg.fatal(`${n} committed but no majority`);

    // repair
    cfg.connect((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.connect((leader + 3) % servers);

    // the disconnected majority may have chosen a leader from
    // among their own ranks, forgetting index 2.
    const leader2 = await cfg.checkOneLeader();
    const { index: index2, isLeader: ok2 } = raftOf(cfg, leader2).start(30);
    if (!ok2) cfg.fatal('leader2 rejected Start()');
    if (index2 < 2 || index2 > 3) cfg.fatal(`unexpected index ${index2}`);

    await cfg.one(1000, servers, true);

    cfg.end();
  }),

  labTest('TestConcurrentStarts2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): concurrent Start()s');

    let success = false;
    loop: for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        // give solution some time to settle
        await cfg.sleep(3000);
      }

      const leader = await cfg.checkOneLeader();
      const { term, isLeader: ok } = raftOf(cfg, leader).start(1);
      if (!ok) {
        // leader moved on really quickly
        continue;
      }

      const iters = 5;
      // The lab's goroutines, joined as its WaitGroup is; each yields the index its Start() got, if it counts.
      // (Start() returns at once, so a goroutine body never awaits: each runs as a promise job.)
      const started = await Promise.all(
        Array.from({ length: iters }, (_, ii) =>
          Promise.resolve().then((): number | undefined => {
            const { index: i, term: term1, isLeader: ok1 } = raftOf(cfg, leader).start(100 + ii);
            if (term1 !== term) return undefined;
            if (!ok1) return undefined;
            return i;
          }),
        ),
      );
      const is = started.filter((i) => i !== undefined);

      for (let j = 0; j < servers; j++) {
        if (raftOf(cfg, j).getState().term !== term) {
          // term changed -- can't expect low RPC counts
          continue loop;
        }
      }

      let failed = false;
      const cmds: number[] = [];
      for (const index of is) {
        const cmd = await cfg.wait(index, servers, term);
        if (typeof cmd === 'number' && Number.isInteger(cmd)) {
          if (cmd === -1) {
            // peers have moved on to later terms
            // so we can't expect all Start()s to
            // have succeeded
            failed = true;
            break;
          }
          cmds.push(cmd);
        } else {
          cfg.fatal(`value ${formatValue(cmd)} is not an int`);
        }
      }

      if (failed) continue;

      for (let ii = 0; ii < iters; ii++) {
        const x = 100 + ii;
        let found = false;
        for (const cmd of cmds) {
          if (cmd === x) found = true;
        }
        if (!found) cfg.fatal(`cmd ${x} missing in ${formatInts(cmds)}`);
      }

      success = true;
      break;
    }

    if (!success) cfg.fatal('term changed too often');

    cfg.end();
  }),

  labTest('TestRejoin2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): rejoin of partitioned leader');

    await cfg.one(101, servers, true);

    // leader network failure
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);

    // make old leader try to agree on some entries
    raftOf(cfg, leader1).start(102);
    raftOf(cfg, leader1).start(103);
    raftOf(cfg, leader1).start(104);

    // new leader commits, also for index=2
    await cfg.one(103, 2, true);

    // new leader network failure
    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);

    // old leader connected again
    cfg.connect(leader1);

    await cfg.one(104, 2, true);

    // all together now
    cfg.connect(leader2);

    await cfg.one(105, servers, true);

    cfg.end();
  }),

  labTest('TestBackup2B', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2B): leader backs up quickly over incorrect follower logs');

    await cfg.one(cfg.rand.bigInt(), servers, true);

    // put leader and one follower in a partition
    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect((leader1 + 2) % servers);
    cfg.disconnect((leader1 + 3) % servers);
    cfg.disconnect((leader1 + 4) % servers);

    // submit lots of commands that won't commit
    for (let i = 0; i < 50; i++) {
      raftOf(cfg, leader1).start(cfg.rand.bigInt());
    }

    await cfg.sleep(RAFT_ELECTION_TIMEOUT / 2);

    cfg.disconnect((leader1 + 0) % servers);
    cfg.disconnect((leader1 + 1) % servers);

    // allow other partition to recover
    cfg.connect((leader1 + 2) % servers);
    cfg.connect((leader1 + 3) % servers);
    cfg.connect((leader1 + 4) % servers);

    // lots of successful commands to new group.
    for (let i = 0; i < 50; i++) {
      await cfg.one(cfg.rand.bigInt(), 3, true);
    }

    // now another partitioned leader and one follower
    const leader2 = await cfg.checkOneLeader();
    let other = (leader1 + 2) % servers;
    if (leader2 === other) {
      other = (leader2 + 1) % servers;
    }
    cfg.disconnect(other);

    // lots more commands that won't commit
    for (let i = 0; i < 50; i++) {
      raftOf(cfg, leader2).start(cfg.rand.bigInt());
    }

    await cfg.sleep(RAFT_ELECTION_TIMEOUT / 2);

    // bring original leader back to life,
    for (let i = 0; i < servers; i++) {
      cfg.disconnect(i);
    }
    cfg.connect((leader1 + 0) % servers);
    cfg.connect((leader1 + 1) % servers);
    cfg.connect(other);

    // lots of successful commands to new group.
    for (let i = 0; i < 50; i++) {
      await cfg.one(cfg.rand.bigInt(), 3, true);
    }

    // now everyone
    for (let i = 0; i < servers; i++) {
      cfg.connect(i);
    }
    await cfg.one(cfg.rand.bigInt(), servers, true);

    cfg.end();
  }),

  labTest('TestCount2B', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin("Test (2B): RPC counts aren't too high");

    const rpcs = (): number => {
      let n = 0;
      for (let j = 0; j < servers; j++) n += cfg.rpcCount(j);
      return n;
    };

    // (Go assigns this leader to a variable that the loop below overwrites before any use.)
    await cfg.checkOneLeader();

    let total1 = rpcs();

    if (total1 > 30 || total1 < 1) cfg.fatal(`too many or few RPCs (${total1}) to elect initial leader`);

    let total2 = 0;
    let success = false;
    loop: for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        // give solution some time to settle
        await cfg.sleep(3000);
      }

      const leader = await cfg.checkOneLeader();
      total1 = rpcs();

      const iters = 10;
      const { index: starti, term, isLeader: ok } = raftOf(cfg, leader).start(1);
      if (!ok) {
        // leader moved on really quickly
        continue;
      }
      const cmds: number[] = [];
      for (let i = 1; i < iters + 2; i++) {
        const x = cfg.rand.int(2 ** 31); // Go's rand.Int31()
        cmds.push(x);
        const { index: index1, term: term1, isLeader: ok1 } = raftOf(cfg, leader).start(x);
        if (term1 !== term) {
          // Term changed while starting
          continue loop;
        }
        if (!ok1) {
          // No longer the leader, so term has changed
          continue loop;
        }
        if (starti + i !== index1) cfg.fatal('Start() failed');
      }

      for (let i = 1; i < iters + 1; i++) {
        const cmd = await cfg.wait(starti + i, servers, term);
        if (cmd !== cmds[i - 1]) {
          if (cmd === -1) {
            // term changed -- try again
            continue loop;
          }
          cfg.fatal(
            `wrong value ${formatValue(cmd)} committed for index ${starti + i}; expected ${formatInts(cmds)}`,
          );
        }
      }

      let failed = false;
      total2 = 0;
      for (let j = 0; j < servers; j++) {
        if (raftOf(cfg, j).getState().term !== term) {
          // term changed -- can't expect low RPC counts
          // need to keep going to update total2
          failed = true;
        }
        total2 += cfg.rpcCount(j);
      }

      if (failed) continue;

      if (total2 - total1 > (iters + 1 + 3) * 3)
        cfg.fatal(`too many RPCs (${total2 - total1}) for ${iters} entries`);

      success = true;
      break;
    }

    if (!success) cfg.fatal('term changed too often');

    await cfg.sleep(RAFT_ELECTION_TIMEOUT);

    let total3 = 0;
    for (let j = 0; j < servers; j++) {
      total3 += cfg.rpcCount(j);
    }

    if (total3 - total2 > 3 * 20) cfg.fatal(`too many RPCs (${total3 - total2}) for 1 second of idleness`);

    cfg.end();
  }),
];
