import {
  labTest,
  make,
  makeConfig,
  type LabTest,
  type MakeRaft,
  type RpcHandler,
} from '../../src/lab/index.js';

/**
 * A deliberately broken Raft: the project's own, except that a follower silently ignores every AppendEntries
 * that carries entries (heartbeats still get through, so the leader keeps its place). Nothing replicates, so
 * nothing commits: the tester's one() fails, and the trace shows why.
 */
export const followersIgnoreEntries: MakeRaft = (peers, me, persister, applyCh, world) => {
  const rf = make(peers, me, persister, applyCh, world);
  const handlers = rf.rpcHandlers();
  const appendEntries = handlers.AppendEntries;
  const broken: RpcHandler = (args) => {
    const entries = (args as { entries?: unknown }).entries;
    if (Array.isArray(entries) && entries.length > 0) return null;
    return appendEntries?.(args) ?? null;
  };
  return {
    start: (command) => rf.start(command),
    getState: () => rf.getState(),
    snapshot: (index, snapshot) => {
      rf.snapshot(index, snapshot);
    },
    kill: () => {
      rf.kill();
    },
    rpcHandlers: () => ({ ...handlers, AppendEntries: broken }),
  };
};

/** A lab test that fails on the broken Raft: a leader is elected, then one() cannot reach agreement. */
export const brokenAgreementTest: LabTest = labTest('TestBrokenAgreement', async (t) => {
  const cfg = makeConfig(t, { servers: 3, makeRaft: followersIgnoreEntries });
  cfg.begin('Test: agreement on a Raft whose followers ignore entries');
  await cfg.checkOneLeader();
  await cfg.one(100, 3, false);
  cfg.end();
});

/** The same steps on the project's Raft: it passes. */
export const basicAgreementTest: LabTest = labTest('TestBasicAgreement', async (t) => {
  const cfg = makeConfig(t, { servers: 3 });
  cfg.begin('Test: agreement on a healthy Raft');
  await cfg.checkOneLeader();
  for (let cmd = 100; cmd < 105; cmd++) await cfg.one(cmd, 3, false);
  cfg.end();
});
