import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallResult, LabT, TestWorld } from '../../lab/index.js';
import { KvConfig } from './kv-config.js';
import { readThroughReadIndex } from './read-index-strategy.js';
import { readThroughLog, type ReadStrategy } from './read-strategy.js';
import type { GetReply, PutAppendReply } from './rpc.js';

/** A kvraft world of n servers, outside the runner: tests drive it through its tasks, and clean it up. */
async function withWorld(
  options: {
    servers: number;
    maxraftstate?: number;
    unreliable?: boolean;
    seed?: number;
    readStrategy?: ReadStrategy;
  },
  body: (cfg: KvConfig) => Promise<void>,
): Promise<void> {
  const worlds: TestWorld[] = [];
  const t: LabT = { seed: options.seed ?? 1, log: () => undefined, onConfig: (w) => worlds.push(w) };
  const cfg = new KvConfig(t, {
    servers: options.servers,
    maxraftstate: options.maxraftstate ?? -1,
    unreliable: options.unreliable ?? false,
    server: { readStrategy: options.readStrategy ?? readThroughReadIndex },
  });
  try {
    await body(cfg);
  } finally {
    for (const w of worlds) w.cleanup();
  }
}

/** A raw end from the tester to server i, for RPCs the clerk would never send. */
function rawCaller(cfg: KvConfig, i: number) {
  const name = `raw-${i}-${cfg.sim.now()}-${cfg.rand.int(1e9)}`;
  const end = cfg.net.makeEnd(name);
  cfg.net.connect(name, String(i));
  cfg.net.enable(name, true);
  return (method: string, args: unknown): Promise<CallResult> =>
    new Promise((resolve) => {
      end.call(`KVServer.${method}`, args, resolve);
    });
}

/** Runs the simulator until `promise` settles (a raw call does not wake virtual-time tasks). */
async function settle<T>(cfg: KvConfig, promise: Promise<T>): Promise<T> {
  const outcome: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    outcome.done = true;
    outcome.value = value;
  });
  for (let k = 0; k < 10_000 && !outcome.done; k++) {
    cfg.sim.runFor(5);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(outcome.done, 'the call never completed');
  return outcome.value as T;
}

/** Waits (virtual time) until some server is leader; returns it. */
function electLeader(cfg: KvConfig): number {
  assert.ok(
    cfg.sim.runUntil(() => cfg.leader().ok, 5000),
    'no leader elected',
  );
  return cfg.leader().leader;
}

void describe('KVServer', () => {
  void it('the leader applies a write and answers OK; a follower answers ErrWrongLeader at once', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      const follower = (leader + 1) % 3;
      const put = { key: 'k', value: 'v', op: 'Put', clientId: 7, seq: 1 };
      const t0 = cfg.sim.now();
      const fromFollower = await settle(cfg, rawCaller(cfg, follower)('PutAppend', put));
      assert.deepEqual(fromFollower, { ok: true, reply: { err: 'ErrWrongLeader' } satisfies PutAppendReply });
      assert.ok(cfg.sim.now() - t0 <= 20, 'a follower does not make the clerk wait');
      const fromLeader = await settle(cfg, rawCaller(cfg, leader)('PutAppend', put));
      assert.deepEqual(fromLeader, { ok: true, reply: { err: 'OK' } });
      const get = await settle(cfg, rawCaller(cfg, leader)('Get', { key: 'k', clientId: 7, seq: 2 }));
      assert.deepEqual(get, { ok: true, reply: { err: 'OK', value: 'v' } satisfies GetReply });
      const missing = await settle(cfg, rawCaller(cfg, leader)('Get', { key: 'nope', clientId: 7, seq: 3 }));
      assert.deepEqual(missing, { ok: true, reply: { err: 'ErrNoKey', value: '' } });
    });
  });

  void it('runs a request sent twice only once, and answers both', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      const call = rawCaller(cfg, leader);
      const append = { key: 'k', value: 'x', op: 'Append', clientId: 9, seq: 1 };
      const [a, b] = await settle(cfg, Promise.all([call('PutAppend', append), call('PutAppend', append)]));
      assert.deepEqual(
        [a, b],
        [
          { ok: true, reply: { err: 'OK' } },
          { ok: true, reply: { err: 'OK' } },
        ],
      );
      const again = await settle(cfg, call('PutAppend', append)); // and once more, later
      assert.deepEqual(again, { ok: true, reply: { err: 'OK' } });
      const get = await settle(cfg, call('Get', { key: 'k', clientId: 9, seq: 2 }));
      assert.deepEqual(get, { ok: true, reply: { err: 'OK', value: 'x' } });
    });
  });

  void it('answers a malformed request ErrBadRequest and proposes nothing', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      const call = rawCaller(cfg, leader);
      cfg.sim.runFor(500); // Let the new leader's election no-op (ReadIndex's default) commit first.
      const before = cfg.server(leader)?.appliedIndex ?? -1;
      for (const [method, args] of [
        ['Get', { key: 1, clientId: 1, seq: 1 }],
        ['Get', null],
        ['PutAppend', { key: 'k', value: 'v', op: 'Delete', clientId: 1, seq: 1 }],
        ['PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: -1, seq: 1 }],
        ['PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: 1, seq: 0.5 }],
      ] as const) {
        const result = await settle(cfg, call(method, args));
        assert.ok(result.ok);
        assert.equal((result.reply as { err: string }).err, 'ErrBadRequest');
      }
      cfg.sim.runFor(500);
      assert.equal(cfg.server(leader)?.appliedIndex, before);
    });
  });

  void it('a leader cut off from its followers answers a waiting request ErrWrongLeader once it steps down', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      const others = cfg.all().filter((i) => i !== leader);
      cfg.partition([leader], others);
      const t0 = cfg.sim.now();
      const reply = await settle(
        cfg,
        rawCaller(cfg, leader)('PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: 1, seq: 1 }),
      );
      assert.deepEqual(reply, { ok: true, reply: { err: 'ErrWrongLeader' } });
      // Check-quorum deposes it within an election timeout or two; the request must not wait for the heal.
      assert.ok(cfg.sim.now() - t0 < 2000, `answered after ${cfg.sim.now() - t0} ms`);
    });
  });

  void it('snapshots near maxraftstate, and a restarted server restores its store and duplicate table', async () => {
    await withWorld({ servers: 3, maxraftstate: 500 }, async (cfg) => {
      let leader = electLeader(cfg);
      let seq = 0;
      for (let k = 0; k < 40; k++) {
        const reply = await settle(
          cfg,
          rawCaller(cfg, leader)('PutAppend', {
            key: 'k',
            value: `${k},`,
            op: 'Append',
            clientId: 5,
            seq: ++seq,
          }),
        );
        assert.deepEqual(reply, { ok: true, reply: { err: 'OK' } });
      }
      cfg.sim.runFor(300);
      assert.ok(cfg.snapshotSize() > 0, 'no snapshot was taken');
      assert.ok(cfg.logSize() < 8 * 500, `log not trimmed: ${cfg.logSize()}`);
      for (const i of cfg.all()) cfg.shutdownServer(i);
      for (const i of cfg.all()) cfg.startServer(i);
      cfg.connectAll();
      leader = electLeader(cfg);
      // The last append again (a retry after the crash): the restored duplicate table must catch it.
      const retry = await settle(
        cfg,
        rawCaller(cfg, leader)('PutAppend', { key: 'k', value: '39,', op: 'Append', clientId: 5, seq }),
      );
      assert.deepEqual(retry, { ok: true, reply: { err: 'OK' } });
      const get = await settle(cfg, rawCaller(cfg, leader)('Get', { key: 'k', clientId: 5, seq: seq + 1 }));
      const expected = Array.from({ length: 40 }, (_, k) => `${k},`).join('');
      assert.deepEqual(get, { ok: true, reply: { err: 'OK', value: expected } });
    });
  });

  void it('a killed server answers nothing more (its calls fail) and proposes nothing', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      const call = rawCaller(cfg, leader);
      cfg.shutdownServer(leader);
      const result = await settle(
        cfg,
        call('PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: 1, seq: 1 }),
      );
      assert.deepEqual(result, { ok: false });
    });
  });

  void it('whenApplied runs at once for an applied index, on the apply for a later one, and fails on kill', async () => {
    await withWorld({ servers: 3 }, async (cfg) => {
      const leader = electLeader(cfg);
      cfg.sim.runFor(500);
      const server = cfg.server(leader);
      assert.ok(server !== undefined);
      const applied = server.appliedIndex;
      const calls: string[] = [];
      server.whenApplied(applied, (ok) => calls.push(`now ${ok}`));
      assert.deepEqual(calls, ['now true']);
      server.whenApplied(applied + 1, (ok) => calls.push(`next ${ok}`));
      server.whenApplied(applied + 2, (ok) => calls.push(`never ${ok}`));
      assert.equal(calls.length, 1);
      await settle(
        cfg,
        rawCaller(cfg, leader)('PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: 1, seq: 1 }),
      );
      assert.equal(server.appliedIndex, applied + 1);
      assert.deepEqual(calls, ['now true', 'next true']);
      cfg.shutdownServer(leader);
      assert.deepEqual(calls, ['now true', 'next true', 'never false']);
      server.whenApplied(0, (ok) => calls.push(`dead ${ok}`));
      assert.equal(calls.at(-1), 'dead false');
    });
  });

  void it('reads through ReadIndex write nothing to the log; reads through the log do', async () => {
    for (const readStrategy of [readThroughReadIndex, readThroughLog]) {
      await withWorld({ servers: 3, readStrategy }, async (cfg) => {
        const leader = electLeader(cfg);
        const call = rawCaller(cfg, leader);
        await settle(cfg, call('PutAppend', { key: 'k', value: 'v', op: 'Put', clientId: 1, seq: 1 }));
        const before = cfg.server(leader)?.appliedIndex ?? -1;
        for (let seq = 2; seq <= 4; seq++) {
          const get = await settle(cfg, call('Get', { key: 'k', clientId: 1, seq }));
          assert.deepEqual(get, { ok: true, reply: { err: 'OK', value: 'v' } });
        }
        cfg.sim.runFor(300);
        const written = (cfg.server(leader)?.appliedIndex ?? -1) - before;
        assert.equal(written, readStrategy === readThroughLog ? 3 : 0, readStrategy.name);
      });
    }
  });

  void it('the kv config turns the election no-op on for ReadIndex, and leaves it off for the log', async () => {
    for (const readStrategy of [readThroughReadIndex, readThroughLog]) {
      await withWorld({ servers: 3, readStrategy }, (cfg) => {
        const leader = electLeader(cfg);
        cfg.sim.runFor(500);
        const first = cfg.server(leader)?.raft.inspect?.().entry(1);
        if (readStrategy === readThroughReadIndex) assert.deepEqual(first?.command, null);
        else assert.equal(first, undefined, 'a leader under the log strategy appends nothing of its own');
        return Promise.resolve();
      });
    }
  });
});
