/**
 * Part 2C of the lab's test_test.go (persistence), ported line by line. Every wait is in virtual time; the lab's
 * goroutines are tasks on the config's virtual clock.
 */
import {
  type Config,
  type LabT,
  type LabTest,
  labTest,
  makeConfig,
  RAFT_ELECTION_TIMEOUT,
} from '../../src/lab/tester/index.js';

/** Sleeps like the Figure 8 tests: 10% of the time up to half an election timeout, otherwise 0-12 ms. */
async function figure8Sleep(cfg: Config): Promise<void> {
  if (cfg.rand.int(1000) < 100) {
    const ms = cfg.rand.int(RAFT_ELECTION_TIMEOUT / 2);
    await cfg.sleep(ms);
  } else {
    const ms = cfg.rand.int(13);
    await cfg.sleep(ms);
  }
}

/** The lab's internalChurn: clients Start() commands while servers are disconnected, crashed and restarted. */
async function internalChurn(t: LabT, unreliable: boolean): Promise<void> {
  const servers = 5;
  const cfg = makeConfig(t, { servers, unreliable });

  if (unreliable) {
    cfg.begin('Test (2C): unreliable churn');
  } else {
    cfg.begin('Test (2C): churn');
  }

  let stop = false;

  // create concurrent clients
  const cfn = async (me: number): Promise<number[]> => {
    const values: number[] = [];
    while (!stop) {
      const x = cfg.rand.bigInt();
      let index = -1;
      let ok = false;
      for (let i = 0; i < servers; i++) {
        // try them all, maybe one of them is a leader
        const rf = cfg.raft(i);
        if (rf !== undefined) {
          const result = rf.start(x);
          if (result.isLeader) {
            ok = result.isLeader;
            index = result.index;
          }
        }
      }
      if (ok) {
        // maybe leader will commit our value, maybe not.
        // but don't wait forever.
        for (const to of [10, 20, 50, 100, 200]) {
          const { count: nd, command: cmd } = cfg.nCommitted(index);
          if (nd > 0) {
            if (typeof cmd === 'number') {
              if (cmd === x) values.push(x);
            } else {
              cfg.fatal('wrong command type');
            }
            break;
          }
          await cfg.sleep(to);
        }
      } else {
        await cfg.sleep(79 + me * 17);
      }
    }
    return values;
  };

  const ncli = 3;
  const cha: Promise<number[]>[] = [];
  for (let i = 0; i < ncli; i++) {
    cha.push(cfg.go(() => cfn(i)));
  }

  for (let iters = 0; iters < 20; iters++) {
    if (cfg.rand.int(1000) < 200) {
      const i = cfg.rand.int(servers);
      cfg.disconnect(i);
    }

    if (cfg.rand.int(1000) < 500) {
      const i = cfg.rand.int(servers);
      if (cfg.raft(i) === undefined) {
        cfg.start1(i);
      }
      cfg.connect(i);
    }

    if (cfg.rand.int(1000) < 200) {
      const i = cfg.rand.int(servers);
      if (cfg.raft(i) !== undefined) {
        cfg.crash1(i);
      }
    }

    // Make crash/restart infrequent enough that the peers can often
    // keep up, but not so infrequent that everything has settled
    // down from one change to the next. Pick a value smaller than
    // the election timeout, but not hugely smaller.
    await cfg.sleep((RAFT_ELECTION_TIMEOUT * 7) / 10);
  }

  await cfg.sleep(RAFT_ELECTION_TIMEOUT);
  cfg.setUnreliable(false);
  for (let i = 0; i < servers; i++) {
    if (cfg.raft(i) === undefined) {
      cfg.start1(i);
    }
    cfg.connect(i);
  }

  stop = true;

  // A client that failed has already failed the test (cfg.go), so each result here is a client's full list
  // (Go's "client failed" check on a nil result has nothing left to catch).
  const values: number[] = [];
  for (const vv of await Promise.all(cha)) {
    values.push(...vv);
  }

  await cfg.sleep(RAFT_ELECTION_TIMEOUT);

  const lastIndex = await cfg.one(cfg.rand.bigInt(), servers, true);

  const really = new Set<number>();
  for (let index = 1; index <= lastIndex; index++) {
    const v = await cfg.wait(index, servers, -1);
    if (typeof v === 'number') {
      really.add(v);
    } else {
      cfg.fatal('not an int');
    }
  }

  for (const v1 of values) {
    if (!really.has(v1)) {
      cfg.fatal("didn't find a value");
    }
  }

  cfg.end();
}

export const tests: readonly LabTest[] = [
  labTest('TestPersist12C', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2C): basic persistence');

    await cfg.one(11, servers, true);

    // crash and re-start all
    for (let i = 0; i < servers; i++) {
      cfg.start1(i);
    }
    for (let i = 0; i < servers; i++) {
      cfg.disconnect(i);
      cfg.connect(i);
    }

    await cfg.one(12, servers, true);

    const leader1 = await cfg.checkOneLeader();
    cfg.disconnect(leader1);
    cfg.start1(leader1);
    cfg.connect(leader1);

    await cfg.one(13, servers, true);

    const leader2 = await cfg.checkOneLeader();
    cfg.disconnect(leader2);
    await cfg.one(14, servers - 1, true);
    cfg.start1(leader2);
    cfg.connect(leader2);

    await cfg.wait(4, servers, -1); // wait for leader2 to join before killing i3

    const i3 = ((await cfg.checkOneLeader()) + 1) % servers;
    cfg.disconnect(i3);
    await cfg.one(15, servers - 1, true);
    cfg.start1(i3);
    cfg.connect(i3);

    await cfg.one(16, servers, true);

    cfg.end();
  }),

  labTest('TestPersist22C', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2C): more persistence');

    let index = 1;
    for (let iters = 0; iters < 5; iters++) {
      await cfg.one(10 + index, servers, true);
      index++;

      const leader1 = await cfg.checkOneLeader();

      cfg.disconnect((leader1 + 1) % servers);
      cfg.disconnect((leader1 + 2) % servers);

      await cfg.one(10 + index, servers - 2, true);
      index++;

      cfg.disconnect((leader1 + 0) % servers);
      cfg.disconnect((leader1 + 3) % servers);
      cfg.disconnect((leader1 + 4) % servers);

      cfg.start1((leader1 + 1) % servers);
      cfg.start1((leader1 + 2) % servers);
      cfg.connect((leader1 + 1) % servers);
      cfg.connect((leader1 + 2) % servers);

      await cfg.sleep(RAFT_ELECTION_TIMEOUT);

      cfg.start1((leader1 + 3) % servers);
      cfg.connect((leader1 + 3) % servers);

      await cfg.one(10 + index, servers - 2, true);
      index++;

      cfg.connect((leader1 + 4) % servers);
      cfg.connect((leader1 + 0) % servers);
    }

    await cfg.one(1000, servers, true);

    cfg.end();
  }),

  labTest('TestPersist32C', async (t) => {
    const servers = 3;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2C): partitioned leader and one follower crash, leader restarts');

    await cfg.one(101, 3, true);

    const leader = await cfg.checkOneLeader();
    cfg.disconnect((leader + 2) % servers);

    await cfg.one(102, 2, true);

    cfg.crash1((leader + 0) % servers);
    cfg.crash1((leader + 1) % servers);
    cfg.connect((leader + 2) % servers);
    cfg.start1((leader + 0) % servers);
    cfg.connect((leader + 0) % servers);

    await cfg.one(103, 2, true);

    cfg.start1((leader + 1) % servers);
    cfg.connect((leader + 1) % servers);

    await cfg.one(104, servers, true);

    cfg.end();
  }),

  // Test the scenarios described in Figure 8 of the extended Raft paper. Each
  // iteration asks a leader, if there is one, to insert a command in the Raft
  // log.  If there is a leader, that leader will fail quickly with a high
  // probability (perhaps without committing the command), or crash after a while
  // with low probability (most likey committing the command).  If the number of
  // alive servers isn't enough to form a majority, perhaps start a new server.
  // The leader in a new term may try to finish replicating log entries that
  // haven't been committed yet.
  labTest('TestFigure82C', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: false });

    cfg.begin('Test (2C): Figure 8');

    await cfg.one(cfg.rand.bigInt(), 1, true);

    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        const rf = cfg.raft(i);
        if (rf !== undefined) {
          const { isLeader: ok } = rf.start(cfg.rand.bigInt());
          if (ok) {
            leader = i;
          }
        }
      }

      await figure8Sleep(cfg);

      if (leader !== -1) {
        cfg.crash1(leader);
        nup -= 1;
      }

      if (nup < 3) {
        const s = cfg.rand.int(servers);
        if (cfg.raft(s) === undefined) {
          cfg.start1(s);
          cfg.connect(s);
          nup += 1;
        }
      }
    }

    for (let i = 0; i < servers; i++) {
      if (cfg.raft(i) === undefined) {
        cfg.start1(i);
        cfg.connect(i);
      }
    }

    await cfg.one(cfg.rand.bigInt(), servers, true);

    cfg.end();
  }),

  labTest('TestUnreliableAgree2C', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: true });

    cfg.begin('Test (2C): unreliable agreement');

    // The WaitGroup: every background one() must finish before the final agreement.
    const wg: Promise<number>[] = [];

    for (let iters = 1; iters < 50; iters++) {
      for (let j = 0; j < 4; j++) {
        wg.push(cfg.go(() => cfg.one(100 * iters + j, 1, true)));
      }
      await cfg.one(iters, 1, true);
    }

    cfg.setUnreliable(false);

    await Promise.all(wg);

    await cfg.one(100, servers, true);

    cfg.end();
  }),

  labTest('TestFigure8Unreliable2C', async (t) => {
    const servers = 5;
    const cfg = makeConfig(t, { servers, unreliable: true });

    cfg.begin('Test (2C): Figure 8 (unreliable)');

    await cfg.one(cfg.rand.int(10000), 1, true);

    let nup = servers;
    for (let iters = 0; iters < 1000; iters++) {
      if (iters === 200) {
        cfg.setLongReordering(true);
      }
      let leader = -1;
      for (let i = 0; i < servers; i++) {
        // Nobody crashes in this test, so every server is running (the lab calls Start on each unguarded).
        const cmd = cfg.rand.int(10000);
        const ok = cfg.raft(i)?.start(cmd).isLeader === true;
        if (ok && cfg.isConnected(i)) {
          leader = i;
        }
      }

      await figure8Sleep(cfg);

      if (leader !== -1 && cfg.rand.int(1000) < RAFT_ELECTION_TIMEOUT / 2) {
        cfg.disconnect(leader);
        nup -= 1;
      }

      if (nup < 3) {
        const s = cfg.rand.int(servers);
        if (!cfg.isConnected(s)) {
          cfg.connect(s);
          nup += 1;
        }
      }
    }

    for (let i = 0; i < servers; i++) {
      if (!cfg.isConnected(i)) {
        cfg.connect(i);
      }
    }

    await cfg.one(cfg.rand.int(10000), servers, true);

    cfg.end();
  }),

  labTest('TestReliableChurn2C', async (t) => {
    await internalChurn(t, false);
  }),

  labTest('TestUnreliableChurn2C', async (t) => {
    await internalChurn(t, true);
  }),
];
