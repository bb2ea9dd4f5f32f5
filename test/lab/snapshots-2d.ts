/**
 * Part 2D of the lab's test_test.go (snapshots), ported line by line, plus the 2025 tester's unreliable variants
 * of the last two tests. Every config here uses the snapshotting applier (applierSnap). Every wait is in virtual
 * time.
 */
import {
  type Config,
  type LabT,
  type LabTest,
  labTest,
  makeConfig,
  MAX_LOG_SIZE,
  SNAPSHOT_INTERVAL,
} from '../../src/lab/tester/index.js';

/** The lab's "crash all" then "revive all": every server crashes, then all restart from their persisted state. */
function crashAndReviveAll(cfg: Config): void {
  for (let i = 0; i < cfg.n; i++) cfg.crash1(i);
  for (let i = 0; i < cfg.n; i++) {
    cfg.start1(i);
    cfg.connect(i);
  }
}

/** The lab's snapcommon: 30 rounds of agreement, each enough to make a snapshot, with optional faults. */
async function snapcommon(
  t: LabT,
  name: string,
  disconnect: boolean,
  reliable: boolean,
  crash: boolean,
): Promise<void> {
  const iters = 30;
  const servers = 3;
  const cfg = makeConfig(t, { servers, unreliable: !reliable, snapshot: true });

  cfg.begin(name);

  await cfg.one(cfg.rand.bigInt(), servers, true);
  let leader1 = await cfg.checkOneLeader();

  for (let i = 0; i < iters; i++) {
    let victim = (leader1 + 1) % servers;
    let sender = leader1;
    if (i % 3 === 1) {
      sender = (leader1 + 1) % servers;
      victim = leader1;
    }

    if (disconnect) {
      cfg.disconnect(victim);
      await cfg.one(cfg.rand.bigInt(), servers - 1, true);
    }
    if (crash) {
      cfg.crash1(victim);
      await cfg.one(cfg.rand.bigInt(), servers - 1, true);
    }

    // perhaps send enough to get a snapshot
    const nn = SNAPSHOT_INTERVAL / 2 + cfg.rand.int(SNAPSHOT_INTERVAL);
    // The sender is never the victim, so it is running (the lab calls Start on it unguarded).
    const rf = cfg.raft(sender);
    for (let k = 0; k < nn; k++) {
      const cmd = cfg.rand.bigInt();
      rf?.start(cmd);
    }

    // let applier threads catch up with the Start()'s
    if (!disconnect && !crash) {
      // make sure all followers have caught up, so that
      // an InstallSnapshot RPC isn't required for
      // TestSnapshotBasic2D().
      await cfg.one(cfg.rand.bigInt(), servers, true);
    } else {
      await cfg.one(cfg.rand.bigInt(), servers - 1, true);
    }

    if (cfg.logSize() >= MAX_LOG_SIZE) {
      cfg.fatal('Log size too large');
    }
    if (disconnect) {
      // reconnect a follower, who maybe behind and
      // needs to rceive a snapshot to catch up.
      cfg.connect(victim);
      await cfg.one(cfg.rand.bigInt(), servers, true);
      leader1 = await cfg.checkOneLeader();
    }
    if (crash) {
      cfg.start1(victim);
      cfg.connect(victim);
      await cfg.one(cfg.rand.bigInt(), servers, true);
      leader1 = await cfg.checkOneLeader();
    }
  }
  cfg.end();
}

/**
 * TestSnapshotAllCrash: crash and restart all servers, 5 times, checking that the log index never goes
 * backwards. The 2023 lab runs it on a reliable network, the 2025 tester on an unreliable one.
 */
async function snapshotAllCrash(t: LabT, label: string, unreliable: boolean): Promise<void> {
  const servers = 3;
  const iters = 5;
  const cfg = makeConfig(t, { servers, unreliable, snapshot: true });

  cfg.begin(label);

  await cfg.one(cfg.rand.bigInt(), servers, true);

  for (let i = 0; i < iters; i++) {
    // perhaps enough to get a snapshot
    const nn = SNAPSHOT_INTERVAL / 2 + cfg.rand.int(SNAPSHOT_INTERVAL);
    for (let k = 0; k < nn; k++) {
      await cfg.one(cfg.rand.bigInt(), servers, true);
    }

    const index1 = await cfg.one(cfg.rand.bigInt(), servers, true);

    crashAndReviveAll(cfg);

    const index2 = await cfg.one(cfg.rand.bigInt(), servers, true);
    if (index2 < index1 + 1) {
      cfg.fatal(`index decreased from ${index1} to ${index2}`);
    }
  }
  cfg.end();
}

/**
 * TestSnapshotInit: do servers correctly initialize their in-memory copy of the snapshot, making sure that
 * future writes to persistent state don't lose state? Reliable in the 2023 lab, unreliable in the 2025 tester.
 */
async function snapshotInit(t: LabT, label: string, unreliable: boolean): Promise<void> {
  const servers = 3;
  const cfg = makeConfig(t, { servers, unreliable, snapshot: true });

  cfg.begin(label);
  await cfg.one(cfg.rand.bigInt(), servers, true);

  // enough ops to make a snapshot
  const nn = SNAPSHOT_INTERVAL + 1;
  for (let i = 0; i < nn; i++) {
    await cfg.one(cfg.rand.bigInt(), servers, true);
  }

  crashAndReviveAll(cfg);

  // a single op, to get something to be written back to persistent storage.
  await cfg.one(cfg.rand.bigInt(), servers, true);

  crashAndReviveAll(cfg);

  // do another op to trigger potential bug
  await cfg.one(cfg.rand.bigInt(), servers, true);
  cfg.end();
}

export const tests: readonly LabTest[] = [
  labTest('TestSnapshotBasic2D', async (t) => {
    await snapcommon(t, 'Test (2D): snapshots basic', false, true, false);
  }),

  labTest('TestSnapshotInstall2D', async (t) => {
    await snapcommon(t, 'Test (2D): install snapshots (disconnect)', true, true, false);
  }),

  labTest('TestSnapshotInstallUnreliable2D', async (t) => {
    await snapcommon(t, 'Test (2D): install snapshots (disconnect+unreliable)', true, false, false);
  }),

  labTest('TestSnapshotInstallCrash2D', async (t) => {
    await snapcommon(t, 'Test (2D): install snapshots (crash)', false, true, true);
  }),

  labTest('TestSnapshotInstallUnCrash2D', async (t) => {
    await snapcommon(t, 'Test (2D): install snapshots (unreliable+crash)', false, false, true);
  }),

  // crash and restart all servers.
  labTest('TestSnapshotAllCrash2D', async (t) => {
    await snapshotAllCrash(t, 'Test (2D): crash and restart all servers', false);
  }),

  // do servers correctly initialize their in-memory copy of the snapshot, making
  // sure that future writes to persistent state don't lose state?
  labTest('TestSnapshotInit2D', async (t) => {
    await snapshotInit(t, 'Test (2D): snapshot initialization after crash', false);
  }),

  // The 2025 tester (raft1) runs the last two tests on an unreliable network.
  labTest('TestSnapshotAllCrashUnreliable2D', async (t) => {
    await snapshotAllCrash(t, 'Test (2D): crash and restart all servers (unreliable)', true);
  }),

  labTest('TestSnapshotInitUnreliable2D', async (t) => {
    await snapshotInit(t, 'Test (2D): snapshot initialization after crash (unreliable)', true);
  }),
];
