// A deposed leader must never serve a stale read. The leader is cut off from every other server; the majority
// elects a new leader and overwrites the key; then the old leader, which for a while still believes it leads
// (it steps down only at its next quorum check), is asked for the key, again and again while it believes so. It
// may answer ErrWrongLeader, or the fresh value, never the old one. Reads through ReadIndex pass; a strategy that
// trusts the old leader's belief (one of the injected bugs) is caught, which shows the scenario reaches the window.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type GetReply,
  makeKvConfig,
  parseGetReply,
  readThroughLog,
  readThroughReadIndex,
  type ReadStrategy,
} from '../../src/kv/lab/index.js';
import { type CallResult, labTest, runLabTest } from '../../src/lab/index.js';

const SEEDS = [1, 2, 3, 4, 5];

/** What one run saw: whether a read reached the old leader while it still believed it led. */
interface Outcome {
  readsInWindow: number;
}

/** The scenario as a lab test, for one read strategy; `outcome` learns what it saw. */
function deposedLeaderTest(readStrategy: ReadStrategy, outcome: Outcome) {
  return labTest(`deposed leader, ${readStrategy.name}`, async (t) => {
    const cfg = makeKvConfig(t, { servers: 5, maxraftstate: -1, server: { readStrategy } });
    const ck = cfg.makeClient(cfg.all());
    cfg.begin('Test: a deposed leader serves no stale read');
    await ck.put('k', 'old');
    const { ok, leader } = cfg.leader();
    if (!ok) cfg.fatal('no leader after a completed put');
    const oldLeader = cfg.server(leader);
    if (oldLeader === undefined) return cfg.fatal('the leader has no server');

    const others = cfg.all().filter((i) => i !== leader);
    cfg.partition(others, [leader]);
    await cfg.makeClient(others).put('k', 'fresh');

    // A raw end to the old leader, which the partition leaves up: clerks would retry elsewhere on ErrWrongLeader.
    const name = `deposed-reader-${leader}`;
    const end = cfg.net.makeEnd(name);
    cfg.net.connect(name, String(leader));
    cfg.net.enable(name, true);
    const replies: (GetReply | 'lost')[] = [];
    let sent = 0;
    const ask = (): void => {
      sent++;
      end.call('KVServer.Get', { key: 'k', clientId: 1_000_000, seq: sent }, (result: CallResult) => {
        replies.push((result.ok ? parseGetReply(result.reply) : null) ?? 'lost');
      });
    };
    while (oldLeader.raft.getState().isLeader && sent < 100) {
      ask();
      outcome.readsInWindow++;
      await cfg.sleep(20);
    }
    ask(); // and once more after it stepped down

    for (let waited = 0; replies.length < sent && waited < 3000; waited += 10) await cfg.sleep(10);
    if (replies.length < sent) cfg.fatal(`${sent - replies.length} of ${sent} reads got no answer`);
    for (const reply of replies) {
      if (reply === 'lost') return cfg.fatal('a read to the old leader was lost on a reliable network');
      if (reply.err === 'ErrWrongLeader') continue;
      if (reply.err === 'OK' && reply.value === 'fresh') continue;
      cfg.fatal(`the deposed leader served a stale read: ${JSON.stringify(reply)}`);
    }
    cfg.connectAll();
    if ((await ck.get('k')) !== 'fresh') cfg.fatal('the fresh write was lost');
    cfg.end();
  });
}

/** Bug: serve from local state whenever this server believes it is leader, without confirming it. */
const readAtBelievedLeader: ReadStrategy = {
  name: 'local read at a believed leader (unsafe)',
  noopOnElection: true,
  read(server, command, done) {
    if (!server.raft.getState().isLeader) done({ err: 'ErrWrongLeader', value: '' });
    else done(server.readLocal(command.op.key));
  },
};

describe('a deposed leader', () => {
  for (const readStrategy of [readThroughReadIndex, readThroughLog]) {
    test(`never serves a stale read (${readStrategy.name})`, async () => {
      const outcome: Outcome = { readsInWindow: 0 };
      for (const seed of SEEDS) {
        const result = await runLabTest(deposedLeaderTest(readStrategy, outcome), seed);
        assert.ok(result.passed, `seed ${seed}: ${result.lines.join('\n')}`);
      }
      // The scenario is only a test if reads reached the old leader while it still believed it led.
      assert.ok(outcome.readsInWindow >= SEEDS.length, `only ${outcome.readsInWindow} reads in the window`);
    });
  }

  test('is caught serving a stale read when the strategy trusts its belief (injected bug)', async () => {
    const outcome: Outcome = { readsInWindow: 0 };
    const results = [];
    for (const seed of SEEDS)
      results.push(await runLabTest(deposedLeaderTest(readAtBelievedLeader, outcome), seed));
    assert.ok(results.every((r) => !r.passed));
    for (const r of results) assert.match(r.message, /served a stale read: .*"old"/);
  });
});
