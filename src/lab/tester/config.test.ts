import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApplyCh, commandMsg, snapshotMsg } from '../apply-msg.js';
import type { LabRaft, LabWorld, MakeRaft, RaftInspection, RaftState, StartResult } from '../lab-raft.js';
import { decode, encode } from '../labgob.js';
import type { CallResult, ClientEnd, RpcHandler } from '../labrpc/index.js';
import type { Persister } from '../persister.js';
import { runLabTest } from '../runner/run-test.js';
import { type Config, LIVELOCK_EVENTS, makeConfig } from './config.js';
import { labTest, type LabT, TestFailure, type TestWorld } from './lab-test.js';

/** A fake Raft peer that does only what each test tells it to: the tester's own behaviour is under test. */
class FakeRaft implements LabRaft {
  term = 0;
  isLeader = false;
  killed = false;
  readonly snapshots: { index: number; snapshot: Uint8Array }[] = [];
  handlers: Record<string, RpcHandler> = {};
  onStart: (command: unknown) => StartResult = () => ({ index: -1, term: this.term, isLeader: false });
  /** Set by a test that wants the tester's invariant checker to read this fake. */
  inspect?: () => RaftInspection;

  constructor(
    readonly peers: readonly ClientEnd[],
    readonly me: number,
    readonly persister: Persister,
    readonly applyCh: ApplyCh,
    readonly world: LabWorld,
  ) {}

  start(command: unknown): StartResult {
    return this.onStart(command);
  }

  getState(): RaftState {
    return { term: this.term, isLeader: this.isLeader };
  }

  snapshot(index: number, snapshot: Uint8Array): void {
    this.snapshots.push({ index, snapshot });
  }

  kill(): void {
    this.killed = true;
  }

  rpcHandlers(): Readonly<Record<string, RpcHandler>> {
    return this.handlers;
  }

  /** Delivers a committed command to the tester `delayMs` from now, from a simulator event. */
  applyAt(delayMs: number, index: number, command: unknown): void {
    this.world.sim.schedule(delayMs, () => {
      this.applyCh(commandMsg(index, command));
    });
  }
}

interface Fakes {
  readonly makeRaft: MakeRaft;
  /** The current instance of each server (replaced on restart). */
  readonly rafts: FakeRaft[];
  /** Every instance ever made, in order. */
  readonly all: FakeRaft[];
}

function fakes(setup: (rf: FakeRaft) => void = () => undefined): Fakes {
  const rafts: FakeRaft[] = [];
  const all: FakeRaft[] = [];
  const makeRaft: MakeRaft = (peers, me, persister, applyCh, world) => {
    const rf = new FakeRaft(peers, me, persister, applyCh, world);
    setup(rf);
    rafts[me] = rf;
    all.push(rf);
    return rf;
  };
  return { makeRaft, rafts, all };
}

function raft(f: Fakes, i: number): FakeRaft {
  const rf = f.rafts[i];
  assert.ok(rf !== undefined, `no fake for server ${i}`);
  return rf;
}

interface Run {
  readonly lines: string[];
  readonly worlds: TestWorld[];
}

/** Makes a 3-server config over fakes, runs `body`, and always cleans up, as the lab runner does. */
async function withConfig(
  f: Fakes,
  body: (cfg: Config) => Promise<void> | void,
  options: { snapshot?: boolean; unreliable?: boolean } = {},
): Promise<Run> {
  const lines: string[] = [];
  const worlds: TestWorld[] = [];
  const t: LabT = {
    seed: 1,
    log: (line) => lines.push(line),
    onConfig: (w) => worlds.push(w),
  };
  try {
    const cfg = makeConfig(t, { servers: 3, makeRaft: f.makeRaft, ...options });
    assert.equal(worlds.length, 1);
    assert.equal(worlds[0], cfg);
    await body(cfg);
  } finally {
    for (const w of worlds) w.cleanup();
  }
  return { lines, worlds };
}

/** Asserts that `promise` fails the test with exactly `message`. */
async function failsWith(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TestFailure, `not a TestFailure: ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

/** Asserts that `fn` fails the test at once with exactly `message`. */
function throwsWith(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TestFailure, `not a TestFailure: ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

/**
 * A well-behaved fake: server 0 leads term 1 for ever; start() on it sends each follower an AppendEntries over
 * labrpc and applies locally, and a follower applies what it receives, each from a scheduled event.
 */
function goodFakes(): Fakes {
  return fakes((rf) => {
    rf.term = 1;
    rf.isLeader = rf.me === 0;
    let lastIndex = 0;
    rf.onStart = (command) => {
      if (!rf.isLeader) return { index: -1, term: rf.term, isLeader: false };
      const index = ++lastIndex;
      rf.peers.forEach((peer, j) => {
        if (j !== rf.me) {
          peer.call('Raft.AppendEntries', { index, command }, (_: CallResult) => undefined);
        }
      });
      rf.applyAt(0, index, command);
      return { index, term: rf.term, isLeader: true };
    };
    rf.handlers = {
      AppendEntries: (args) => {
        const { index, command } = args as { index: number; command: unknown };
        rf.applyAt(0, index, command);
        return { success: true };
      },
    };
  });
}

void describe('Config (tester self-tests with fake Rafts)', () => {
  void it('makes every server, connects them, and reports itself to the runner', async () => {
    const f = fakes();
    await withConfig(f, (cfg) => {
      assert.equal(cfg.n, 3);
      assert.equal(f.all.length, 3);
      for (let i = 0; i < 3; i++) {
        assert.equal(cfg.raft(i), raft(f, i));
        assert.equal(raft(f, i).me, i);
        assert.equal(raft(f, i).peers.length, 3);
        assert.equal(cfg.isConnected(i), true);
      }
    });
    // cleanup() killed every peer.
    assert.ok(f.all.every((rf) => rf.killed));
  });

  void describe('checkOneLeader', () => {
    void it("fails with 'term 1 has 2 (>1) leaders' when two peers lead the same term", async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        rf.isLeader = rf.me !== 2;
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.checkOneLeader(), 'term 1 has 2 (>1) leaders');
        // It is found in the first round.
        assert.ok(cfg.sim.now() >= 450 && cfg.sim.now() <= 549, `failed at ${cfg.sim.now()} ms`);
      });
    });

    void it("fails with 'expected one leader, got none' after 10 rounds of 450-549 ms", async () => {
      const f = fakes((rf) => {
        rf.term = 3;
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.checkOneLeader(), 'expected one leader, got none');
        const now = cfg.sim.now();
        assert.ok(now >= 4500 && now <= 5490, `gave up at ${now} ms`);
      });
    });

    void it('returns the leader of the highest term', async () => {
      const f = fakes((rf) => {
        rf.term = rf.me === 2 ? 5 : 4;
        rf.isLeader = rf.me !== 1;
      });
      await withConfig(f, async (cfg) => {
        assert.equal(await cfg.checkOneLeader(), 2);
      });
    });

    void it('ignores a disconnected server claiming leadership', async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        rf.isLeader = rf.me !== 2;
      });
      await withConfig(f, async (cfg) => {
        cfg.disconnect(0);
        assert.equal(await cfg.checkOneLeader(), 1);
      });
    });

    void it('waits for a leader that appears late, and returns at the first round that sees it', async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        if (rf.me === 1) {
          rf.world.sim.schedule(2000, () => {
            rf.isLeader = true;
          });
        }
      });
      await withConfig(f, async (cfg) => {
        assert.equal(await cfg.checkOneLeader(), 1);
        const now = cfg.sim.now();
        assert.ok(now >= 2000 && now < 2549, `returned at ${now} ms`);
      });
    });
  });

  void describe('checkTerms and checkNoLeader', () => {
    void it("checkTerms fails with 'servers disagree on term', and ignores disconnected servers", async () => {
      const f = fakes((rf) => {
        rf.term = rf.me === 2 ? 2 : 1;
      });
      await withConfig(f, (cfg) => {
        throwsWith(() => cfg.checkTerms(), 'servers disagree on term');
      });
      await withConfig(f, (cfg) => {
        cfg.disconnect(2);
        assert.equal(cfg.checkTerms(), 1);
      });
    });

    void it("checkNoLeader fails with 'expected no leader among connected servers, but 1 claims to be leader'", async () => {
      const f = fakes((rf) => {
        rf.isLeader = rf.me === 1;
      });
      await withConfig(f, (cfg) => {
        throwsWith(() => {
          cfg.checkNoLeader();
        }, 'expected no leader among connected servers, but 1 claims to be leader');
      });
      await withConfig(f, (cfg) => {
        cfg.disconnect(1);
        cfg.checkNoLeader(); // A disconnected leader does not count.
      });
    });
  });

  void describe('appliers', () => {
    void it("fails with 'apply error: server 0 apply out of order 2' when index 2 is applied before index 1", async () => {
      const f = fakes((rf) => {
        if (rf.me === 0) {
          rf.applyAt(10, 2, 'second');
          rf.applyAt(20, 1, 'first');
        }
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.sleep(1000), 'apply error: server 0 apply out of order 2');
        assert.equal(cfg.sim.now(), 10, 'the test ran on after the apply error');
        // nCommitted reports the recorded apply error too.
        throwsWith(() => cfg.nCommitted(2), 'server 0 apply out of order 2');
      });
    });

    void it('accepts in-order applies and counts them', async () => {
      const f = fakes((rf) => {
        rf.applyAt(10 + rf.me, 1, 'a');
        if (rf.me !== 2) rf.applyAt(20 + rf.me, 2, { k: 'b' });
      });
      await withConfig(f, async (cfg) => {
        await cfg.sleep(100);
        assert.deepEqual(cfg.nCommitted(1), { count: 3, command: 'a' });
        assert.deepEqual(cfg.nCommitted(2), { count: 2, command: { k: 'b' } });
        assert.deepEqual(cfg.nCommitted(3), { count: 0, command: undefined });
      });
    });

    void it("fails with 'apply error: commit index=1 server=1 b != server=0 a' when two servers apply different values", async () => {
      const f = fakes((rf) => {
        if (rf.me === 0) rf.applyAt(10, 1, 'a');
        if (rf.me === 1) rf.applyAt(20, 1, 'b');
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.sleep(1000), 'apply error: commit index=1 server=1 b != server=0 a');
        assert.equal(cfg.sim.now(), 20);
      });
    });

    void it('formats non-scalar commands in the mismatch message', async () => {
      const f = fakes((rf) => {
        if (rf.me === 2) rf.applyAt(10, 1, 100);
        if (rf.me === 0) rf.applyAt(20, 1, { x: [1, 2] });
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.sleep(1000), 'apply error: commit index=1 server=0 {"x":[1,2]} != server=2 100');
      });
    });

    void it('ignores ApplyMsgs that are not commands (plain applier)', async () => {
      const f = fakes((rf) => {
        if (rf.me === 0) {
          rf.world.sim.schedule(10, () => {
            rf.applyCh(snapshotMsg(5, 1, encode({ lastIncludedIndex: 5, xlog: [] })));
          });
          rf.applyAt(20, 1, 'a');
        }
      });
      await withConfig(f, async (cfg) => {
        await cfg.sleep(100);
        assert.deepEqual(cfg.nCommitted(1), { count: 1, command: 'a' });
        assert.equal(cfg.nCommitted(5).count, 0);
      });
    });

    void it("snapshot applier: fails with 'apply out of order, expected index 1, got 2'", async () => {
      const f = fakes((rf) => {
        if (rf.me === 1) rf.applyAt(10, 2, 'x');
      });
      await withConfig(
        f,
        async (cfg) => {
          await failsWith(
            cfg.sleep(1000),
            'apply error: server 1 apply out of order, expected index 1, got 2',
          );
        },
        { snapshot: true },
      );
    });

    void it('snapshot applier: snapshots at index 9 with every command so far, from inside the apply callback', async () => {
      const f = fakes((rf) => {
        if (rf.me === 0) for (let k = 1; k <= 12; k++) rf.applyAt(k, k, `c${k}`);
      });
      await withConfig(
        f,
        async (cfg) => {
          await cfg.sleep(100);
          const rf = raft(f, 0);
          assert.equal(rf.snapshots.length, 1);
          const taken = rf.snapshots[0];
          assert.ok(taken !== undefined);
          assert.equal(taken.index, 9);
          assert.deepEqual(decode(taken.snapshot), {
            lastIncludedIndex: 9,
            xlog: [null, 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9'],
          });
          assert.equal(cfg.nCommitted(12).count, 1);
        },
        { snapshot: true },
      );
    });

    void it("nCommitted fails with 'committed values do not match: index 1, a, b'", async () => {
      // The appliers catch a mismatch between commands, so make one through a snapshot the tester ingests
      // without comparing (as the lab's applierSnap does).
      const f = fakes((rf) => {
        if (rf.me === 0) rf.applyAt(10, 1, 'a');
        if (rf.me === 1) {
          rf.world.sim.schedule(20, () => {
            rf.applyCh(snapshotMsg(1, 1, encode({ lastIncludedIndex: 1, xlog: [null, 'b'] })));
          });
        }
      });
      await withConfig(
        f,
        async (cfg) => {
          await cfg.sleep(100);
          throwsWith(() => cfg.nCommitted(1), 'committed values do not match: index 1, a, b');
        },
        { snapshot: true },
      );
    });

    void it("snapshot applier: fails with 'snapshot doesn't match m.SnapshotIndex'", async () => {
      const f = fakes((rf) => {
        if (rf.me === 2) {
          rf.world.sim.schedule(10, () => {
            rf.applyCh(snapshotMsg(4, 1, encode({ lastIncludedIndex: 3, xlog: [null, 1, 2, 3] })));
          });
        }
      });
      await withConfig(
        f,
        async (cfg) => {
          await failsWith(cfg.sleep(100), "apply error: server 2 snapshot doesn't match m.SnapshotIndex");
        },
        { snapshot: true },
      );
    });
  });

  void describe('wait and one', () => {
    void it("wait fails with 'only 1 decided for index 1; wanted 3' after about 30 s", async () => {
      const f = fakes((rf) => {
        if (rf.me === 0) rf.applyAt(5, 1, 'a');
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.wait(1, 3, -1), 'only 1 decided for index 1; wanted 3');
        // 10 + 20 + ... + 640 + 23 x 1280 ms of polling.
        assert.equal(cfg.sim.now(), 1270 + 23 * 1280);
      });
    });

    void it('wait returns the command once enough servers applied it, and -1 when a term moved on', async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        rf.applyAt(100 * (rf.me + 1), 1, 'z');
        if (rf.me === 2) {
          rf.world.sim.schedule(1000, () => {
            rf.term = 2;
          });
        }
      });
      await withConfig(f, async (cfg) => {
        assert.equal(await cfg.wait(1, 2, 1), 'z');
        // Polls after 10, 30, 70, 150, 310 ms: server 1 applied at 200, so the 310 ms poll sees two.
        assert.equal(cfg.sim.now(), 310);
        assert.equal(await cfg.wait(5, 3, 1), -1);
        const now = cfg.sim.now();
        assert.ok(now >= 1000 && now < 1000 + 1280, `gave up at ${now} ms`);
      });
    });

    void it('one() returns the index each command committed at, and end() prints the Passed line', async () => {
      const f = goodFakes();
      const run = await withConfig(f, async (cfg) => {
        cfg.begin('Test (fake): agreement');
        assert.equal(await cfg.one(101, 3, false), 1);
        assert.equal(await cfg.one('two', 3, false), 2);
        assert.equal(await cfg.one({ three: 3 }, 3, true), 3);
        assert.deepEqual(cfg.nCommitted(3), { count: 3, command: { three: 3 } });
        // Each command went to two followers.
        assert.equal(cfg.rpcTotal(), 6);
        assert.equal(cfg.rpcCount(0), 0);
        assert.equal(cfg.rpcCount(1), 3);
        assert.equal(cfg.rpcCount(2), 3);
        cfg.end();
        const stats = cfg.stats;
        assert.ok(stats !== undefined);
        assert.equal(stats.peers, 3);
        assert.equal(stats.rpcs, 6);
        assert.equal(stats.commands, 3);
        assert.equal(stats.bytes, cfg.bytesTotal());
        assert.ok(stats.bytes > 0);
        assert.ok(stats.seconds > 0 && stats.seconds < 1);
      });
      assert.equal(run.lines.length, 2);
      assert.equal(run.lines[0], 'Test (fake): agreement ...');
      assert.match(run.lines[1] ?? '', /^ {2}\.\.\. Passed --\s+\d+\.\d {2}3\s+\d+\s+\d+\s+\d+$/);
      assert.match(run.lines[1] ?? '', /\s6\s+\d+\s+3$/);
    });

    void it('end() measures from begin(): earlier RPCs, bytes and commands are not counted', async () => {
      const f = goodFakes();
      await withConfig(f, async (cfg) => {
        await cfg.one('before', 3, false);
        await cfg.sleep(3000);
        const bytesBefore = cfg.bytesTotal();
        cfg.begin('Test (fake): second half');
        await cfg.one('after', 3, false);
        cfg.end();
        const stats = cfg.stats;
        assert.ok(stats !== undefined);
        assert.equal(stats.rpcs, 2);
        assert.equal(stats.commands, 1);
        assert.equal(stats.bytes, cfg.bytesTotal() - bytesBefore);
        assert.ok(stats.seconds < 1);
      });
    });

    void it("one() fails with 'one(x) failed to reach agreement' after 2 s when the leader never commits", async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        rf.isLeader = rf.me === 2;
        rf.onStart = () => ({ index: 1, term: 1, isLeader: rf.isLeader });
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.one('x', 3, false), 'one(x) failed to reach agreement');
        const now = cfg.sim.now();
        assert.ok(now >= 2000 && now <= 2020, `gave up at ${now} ms`);
      });
    });

    void it('one() with retry keeps trying for 10 s, then fails', async () => {
      const f = fakes((rf) => {
        rf.term = 1;
        rf.onStart = () => ({ index: -1, term: 1, isLeader: false });
      });
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.one(7, 3, true), 'one(7) failed to reach agreement');
        const now = cfg.sim.now();
        assert.ok(now >= 10_000 && now <= 10_050, `gave up at ${now} ms`);
      });
    });

    void it('one() does not accept agreement by fewer servers than expected', async () => {
      const f = goodFakes();
      await withConfig(f, async (cfg) => {
        cfg.disconnect(2);
        // Server 0 leads and server 1 follows; server 2 hears nothing.
        await failsWith(cfg.one('c', 3, false), 'one(c) failed to reach agreement');
        assert.equal(cfg.nCommitted(1).count, 2);
      });
    });
  });

  void describe('time and failures', () => {
    void it("fails with 'test took longer than 120 seconds' instead of running past 120 s of virtual time", async () => {
      const f = fakes();
      await withConfig(f, async (cfg) => {
        let ranLate = false;
        cfg.sim.schedule(120_001, () => (ranLate = true));
        await assert.rejects(cfg.sleep(121_000), { message: 'test took longer than 120 seconds' });
        assert.ok(cfg.sim.now() <= 120_000);
        assert.equal(ranLate, false);
      });
    });

    // Regression: the 120 s limit reached while sleeping once failed the test with a plain Error, which the runner
    // reports as a crash with a stack trace instead of the lab's message.
    void it('the 120 s limit reached while sleeping is a TestFailure, like every other tester check', async () => {
      const f = fakes();
      await withConfig(f, async (cfg) => {
        await failsWith(cfg.sleep(121_000), 'test took longer than 120 seconds');
      });
    });

    void it("end() fails with 'test took longer than 120 seconds' when the clock has passed the limit", async () => {
      const f = fakes();
      await withConfig(f, (cfg) => {
        cfg.begin('Test (fake): slow');
        cfg.sim.runFor(120_001);
        throwsWith(() => {
          cfg.end();
        }, 'test took longer than 120 seconds');
        assert.equal(cfg.stats, undefined);
      });
    });

    void it('a test that ends at exactly 120 s passes', async () => {
      const f = fakes();
      await withConfig(f, async (cfg) => {
        cfg.begin('Test (fake): just in time');
        await cfg.sleep(120_000);
        cfg.end();
        assert.equal(cfg.stats?.seconds, 120);
      });
    });

    void it('fails a run whose Rafts livelock at one virtual instant, with the message and the seed', async () => {
      // A broken Raft: server 0 resends an AppendEntries to server 1 the moment each reply arrives. On a reliable
      // network requests and replies take no virtual time, so the clock never moves and the time limit would
      // never be reached: without the livelock cap this test would hang for ever.
      const f = fakes((rf) => {
        rf.handlers = { AppendEntries: () => ({ success: false }) };
        if (rf.me !== 0) return;
        const resend = (): void => {
          rf.peers[1]?.call('Raft.AppendEntries', { term: 1 }, resend);
        };
        rf.world.sim.schedule(5, resend);
      });
      const started = performance.now();
      const result = await runLabTest(
        labTest('TestLivelock', async (t) => {
          const cfg = makeConfig(t, { servers: 3, makeRaft: f.makeRaft });
          cfg.begin('Test (fake): livelock');
          await cfg.sleep(1000);
          cfg.end();
        }),
        42,
      );
      assert.equal(result.passed, false);
      assert.equal(result.message, `livelock: ${LIVELOCK_EVENTS} events at virtual time 5 ms`);
      assert.equal(
        result.lines.at(-1),
        `  ... FAILED -- livelock: ${LIVELOCK_EVENTS} events at virtual time 5 ms (seed 42)`,
      );
      // Quickly: the cap is a few hundred times the busiest instant a real run has, not a timeout.
      assert.ok(performance.now() - started < 20_000);
    });

    void it('an event storm that lets time move is not a livelock', async () => {
      const f = fakes((rf) => {
        if (rf.me !== 0) return;
        // Half the cap's worth of events at each of three instants.
        for (const at of [1, 2, 3]) {
          for (let k = 0; k < LIVELOCK_EVENTS / 2; k++) rf.world.sim.schedule(at, () => undefined);
        }
      });
      await withConfig(f, async (cfg) => {
        await cfg.sleep(10);
        assert.equal(cfg.maxEventsAtInstant, LIVELOCK_EVENTS / 2);
      });
    });

    void it('reads every inspectable server after every event: two leaders of one term fail the run at once', async () => {
      const f = fakes((rf) => {
        rf.inspect = () => ({
          term: rf.term,
          role: rf.isLeader ? 'leader' : 'follower',
          commitIndex: 0,
          appliedIndex: 0,
          snapshotIndex: 0,
          snapshotTerm: 0,
          lastIndex: 0,
          lastTerm: 0,
          entry: () => undefined,
        });
        rf.term = 1;
        rf.isLeader = rf.me === 0;
        if (rf.me === 2) {
          rf.world.sim.schedule(70, () => {
            rf.isLeader = true;
          });
        }
      });
      await withConfig(f, async (cfg) => {
        await failsWith(
          cfg.sleep(1000),
          'invariant violated at 70 ms: Election Safety: servers 0 and 2 both lead term 1',
        );
        assert.equal(cfg.sim.now(), 70);
      });
    });

    void it('partition() splits the network into sides, and one side heals it', async () => {
      const f = fakes((rf) => {
        rf.handlers = { Ping: () => rf.me };
      });
      await withConfig(f, async (cfg) => {
        cfg.net.longDelays(false);
        const reach = async (from: number, to: number): Promise<boolean> => {
          let ok: boolean | undefined;
          raft(f, from).peers[to]?.call('Raft.Ping', null, (r) => (ok = r.ok));
          await cfg.sleep(100);
          return ok === true;
        };
        cfg.partition([0, 0, 1]);
        assert.deepEqual(
          [await reach(0, 1), await reach(1, 0), await reach(0, 2), await reach(2, 1)],
          [true, true, false, false],
        );
        // Within a side, connect and disconnect still work; reconnecting does not cross the split.
        cfg.disconnect(2);
        cfg.connect(2);
        assert.equal(await reach(2, 0), false);
        cfg.partition([0, 0, 0]);
        assert.deepEqual([await reach(0, 2), await reach(2, 1)], [true, true]);
      });
    });

    void it('a failing go() task fails the main task', async () => {
      const f = fakes();
      await withConfig(f, async (cfg) => {
        void cfg.go(async () => {
          await cfg.sleep(30);
          cfg.fatal('background check failed');
        });
        await failsWith(cfg.sleep(1000), 'background check failed');
        assert.equal(cfg.sim.now(), 30);
      });
    });
  });

  void describe('crash1 and start1', () => {
    void it('crash1 kills the peer and keeps what it had persisted; its later writes go nowhere', async () => {
      const f = fakes();
      await withConfig(f, (cfg) => {
        const old = raft(f, 0);
        // start1 ingests a persisted snapshot in either mode, so it must be one the tester can read.
        const snap = encode({ lastIncludedIndex: 1, xlog: [null, 'a'] });
        old.persister.save(Uint8Array.from([1, 2, 3]), snap);
        cfg.crash1(0);
        assert.equal(old.killed, true);
        assert.equal(cfg.raft(0), undefined);
        assert.equal(cfg.isConnected(0), false);
        old.persister.save(Uint8Array.from([9, 9]), null); // The dead instance writes again.
        cfg.start1(0);
        const fresh = raft(f, 0);
        assert.notEqual(fresh, old);
        assert.notEqual(fresh.persister, old.persister);
        assert.deepEqual(fresh.persister.readRaftState(), Uint8Array.from([1, 2, 3]));
        assert.deepEqual(fresh.persister.readSnapshot(), snap);
        assert.deepEqual(cfg.nCommitted(1), { count: 1, command: 'a' });
        assert.equal(cfg.logSize(), 3);
      });
    });

    void it('start1 gives the new instance fresh ends: the old instance can no longer reach anyone', async () => {
      const f = fakes((rf) => {
        rf.handlers = { Ping: () => rf.me };
      });
      await withConfig(f, async (cfg) => {
        const old = raft(f, 0);
        cfg.start1(0);
        cfg.connect(0);
        const fresh = raft(f, 0);
        const results: { who: string; result: CallResult }[] = [];
        const peer1Old = old.peers[1];
        const peer1New = fresh.peers[1];
        assert.ok(peer1Old !== undefined && peer1New !== undefined);
        peer1Old.call('Raft.Ping', null, (result) => results.push({ who: 'old', result }));
        peer1New.call('Raft.Ping', null, (result) => results.push({ who: 'new', result }));
        await cfg.sleep(7000);
        assert.deepEqual(
          results.find((r) => r.who === 'new'),
          { who: 'new', result: { ok: true, reply: 1 } },
        );
        assert.deepEqual(
          results.find((r) => r.who === 'old'),
          { who: 'old', result: { ok: false } },
        );
        // And a call to the restarted server reaches the new instance, not the dead one.
        const toZero = raft(f, 2).peers[0];
        assert.ok(toZero !== undefined);
        let reply: CallResult | undefined;
        toZero.call('Raft.Ping', null, (result) => (reply = result));
        await cfg.sleep(10);
        assert.deepEqual(reply, { ok: true, reply: 0 });
      });
    });

    void it('start1 restores the applied state from a persisted snapshot (snapshot mode)', async () => {
      const f = fakes();
      await withConfig(
        f,
        async (cfg) => {
          raft(f, 1).persister.save(
            Uint8Array.from([1]),
            encode({ lastIncludedIndex: 2, xlog: [null, 'a', 'b'] }),
          );
          cfg.start1(1);
          cfg.connect(1);
          assert.deepEqual(cfg.nCommitted(2), { count: 1, command: 'b' });
          // The restarted server continues from index 3 without an order error.
          raft(f, 1).applyAt(5, 3, 'c');
          await cfg.sleep(50);
          assert.deepEqual(cfg.nCommitted(3), { count: 1, command: 'c' });
        },
        { snapshot: true },
      );
    });

    void it('disconnect and connect toggle reachability in both directions', async () => {
      const f = fakes((rf) => {
        rf.handlers = { Ping: () => rf.me };
      });
      await withConfig(f, async (cfg) => {
        cfg.net.longDelays(false); // Keep failures quick for this test.
        const ping = async (from: number, to: number): Promise<boolean> => {
          const end = raft(f, from).peers[to];
          assert.ok(end !== undefined);
          let result: CallResult | undefined;
          end.call('Raft.Ping', null, (r) => (result = r));
          await cfg.sleep(100);
          assert.ok(result !== undefined);
          return result.ok;
        };
        assert.equal(await ping(0, 1), true);
        cfg.disconnect(1);
        assert.equal(await ping(0, 1), false);
        assert.equal(await ping(1, 0), false);
        assert.equal(await ping(0, 2), true);
        cfg.connect(1);
        assert.equal(await ping(0, 1), true);
        assert.equal(await ping(1, 0), true);
      });
    });
  });
});
