import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabT, TestWorld } from '../../lab/index.js';
import { ClerkBusyError } from './clerk.js';
import { KvConfig } from './kv-config.js';

/** A kvraft world run by the test's own task: the body runs as a goroutine of the world's virtual time. */
async function inWorld(
  options: { servers: number; unreliable?: boolean; seed?: number },
  body: (cfg: KvConfig) => Promise<void>,
): Promise<void> {
  const worlds: TestWorld[] = [];
  const t: LabT = { seed: options.seed ?? 1, log: () => undefined, onConfig: (w) => worlds.push(w) };
  const cfg = new KvConfig(t, {
    servers: options.servers,
    maxraftstate: -1,
    unreliable: options.unreliable ?? false,
  });
  try {
    await cfg.go(() => body(cfg));
  } finally {
    for (const w of worlds) w.cleanup();
  }
}

/** Incoming RPCs per server. */
function counts(cfg: KvConfig): number[] {
  return cfg.all().map((i) => cfg.net.getCount(String(i)));
}

void describe('Clerk', () => {
  void it('puts, appends and gets; a missing key reads ""', async () => {
    await inWorld({ servers: 3 }, async (cfg) => {
      const ck = cfg.makeClient(cfg.all());
      assert.equal(await ck.get('k'), '');
      await ck.put('k', 'a');
      await ck.append('k', 'b');
      await ck.append('new', 'c');
      assert.equal(await ck.get('k'), 'ab');
      assert.equal(await ck.get('new'), 'c');
    });
  });

  void it('finds the leader, then remembers it: later calls go straight to it', async () => {
    await inWorld({ servers: 5 }, async (cfg) => {
      await cfg.sleep(2000); // an election, then quiet
      const ck = cfg.makeClient(cfg.all());
      await ck.put('k', 'v');
      const leader = cfg.leader().leader;
      const before = counts(cfg);
      for (let k = 0; k < 10; k++) await ck.append('k', String(k));
      const after = counts(cfg);
      // In a quiet term the leader receives no Raft requests, only the clerk's: exactly one per call.
      assert.equal((after[leader] ?? 0) - (before[leader] ?? 0), 10);
      // Followers receive the leader's AppendEntries (about two per append), and no clerk requests: a clerk
      // that tried them first would add ten to some of them.
      for (const i of cfg.all()) {
        if (i === leader) continue;
        const grew = (after[i] ?? 0) - (before[i] ?? 0);
        assert.ok(grew <= 25, `server ${i} got ${grew} RPCs`);
      }
      assert.equal(await ck.get('k'), 'v0123456789');
    });
  });

  void it('retries through a lossy network and still applies every append exactly once', async () => {
    await inWorld({ servers: 3, unreliable: true, seed: 3 }, async (cfg) => {
      const ck = cfg.makeClient(cfg.all());
      let expected = '';
      for (let k = 0; k < 30; k++) {
        await ck.append('k', `[${k}]`);
        expected += `[${k}]`;
      }
      assert.equal(await ck.get('k'), expected);
    });
  });

  void it('keeps trying while no server can take the request, and completes once one can', async () => {
    await inWorld({ servers: 3 }, async (cfg) => {
      const ck = cfg.makeClient([]); // reaches no server yet
      const done = { put: false };
      const put = cfg.go(async () => {
        await ck.put('k', 'v');
        done.put = true;
      });
      await cfg.sleep(2000);
      assert.equal(done.put, false);
      cfg.connectClient(ck, cfg.all());
      await put;
      assert.equal(await ck.get('k'), 'v');
    });
  });

  void it('allows one call at a time', async () => {
    await inWorld({ servers: 3 }, async (cfg) => {
      const ck = cfg.makeClient(cfg.all());
      const first = ck.put('k', 'v');
      await assert.rejects(ck.get('k'), ClerkBusyError);
      await first;
      assert.equal(await ck.get('k'), 'v');
    });
  });
});
