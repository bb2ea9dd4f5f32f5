/**
 * Part 2X (beyond the lab): the nemesis. Five servers with the snapshotting applier run for minutes of virtual
 * time while partitions, crashes and restarts, message loss and long reordering come and go at random, and
 * clients propose all along, to whoever accepts (stale leaders in a minority included). The tester's invariant
 * checker reads every server after every event, so a safety breach fails the run at the event that caused it,
 * with its seed; at the end everything heals and one() must succeed.
 */
import { type Config, type LabTest, labTest, makeConfig } from '../../src/lab/tester/index.js';

const SERVERS = 5;
/** How long faults come and go (virtual ms). */
const CHAOS_MS = 150_000;
/**
 * The chaos, then the heal: the last long-reordered replies land within about 2.2 s and one() may retry for
 * 10 s. Longer than the lab's 120 s, since the nemesis is meant to run for minutes.
 */
const TIME_LIMIT_MS = CHAOS_MS + 30_000;
const CLIENTS = 3;

/** The clients' commands are distinct numbers, so that any two entries that should differ do. */
function command(client: number, seq: number): number {
  return client * 1_000_000_000 + seq;
}

/** Every live server, in index order. */
function live(cfg: Config): number[] {
  return Array.from({ length: cfg.n }, (_, i) => i).filter((i) => cfg.raft(i) !== undefined);
}

/** The live servers that claim to lead, of any term. */
function claimedLeaders(cfg: Config): number[] {
  return live(cfg).filter((i) => cfg.raft(i)?.getState().isLeader === true);
}

function pick<T>(cfg: Config, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[cfg.rand.int(items.length)];
}

/**
 * Splits the servers: a minority of one or two, which half the time holds a server that claims to lead, so that
 * a stale leader keeps accepting proposals it can never commit while the majority elects another.
 */
function randomPartition(cfg: Config): void {
  const sides = new Array<number>(cfg.n).fill(0);
  const size = 1 + cfg.rand.int(2);
  const leader = cfg.rand.int(2) === 0 ? pick(cfg, claimedLeaders(cfg)) : undefined;
  if (leader !== undefined) sides[leader] = 1;
  while (sides.filter((s) => s === 1).length < size) sides[cfg.rand.int(cfg.n)] = 1;
  cfg.partition(sides);
}

/** What the nemesis has switched on. */
interface NemesisState {
  unreliable: boolean;
  reordering: boolean;
  /** The clients pause: a leader elected now has no entry of its own term for a while. */
  quiet: boolean;
}

/**
 * A Figure 8 storm (the lab's Figure 8 test, for a few seconds): offer a command to every live server, wait a
 * moment (usually 0-12 ms), crash whoever accepted, and restart a dead server while fewer than three run. Leaders
 * die with entries only they hold, and new leaders inherit old-term entries that they must not commit by counting
 * replicas.
 */
async function figure8Storm(cfg: Config, seq: { n: number }): Promise<void> {
  const t0 = cfg.sim.now();
  const lengthMs = 2000 + cfg.rand.int(4000);
  while (cfg.sim.now() - t0 < lengthMs) {
    let leader: number | undefined;
    for (const i of live(cfg)) {
      if (cfg.raft(i)?.start(command(0, ++seq.n)).isLeader === true) leader = i;
    }
    await cfg.sleep(cfg.rand.int(1000) < 100 ? cfg.rand.int(500) : cfg.rand.int(13));
    if (leader !== undefined && cfg.raft(leader) !== undefined) cfg.crash1(leader);
    if (live(cfg).length < 3) {
      const dead = Array.from({ length: cfg.n }, (_, i) => i).filter((i) => cfg.raft(i) === undefined);
      const revived = pick(cfg, dead);
      if (revived !== undefined) {
        cfg.start1(revived);
        cfg.connect(revived);
      }
    }
  }
}

/** One random fault, or the repair of one. */
async function nemesisStep(cfg: Config, state: NemesisState, seq: { n: number }): Promise<void> {
  const r = cfg.rand.int(100);
  if (r < 8) {
    await figure8Storm(cfg, seq);
  } else if (r < 14) {
    state.quiet = !state.quiet;
  } else if (r < 28) {
    randomPartition(cfg);
  } else if (r < 36) {
    cfg.partition(new Array<number>(cfg.n).fill(0));
  } else if (r < 48) {
    // Crash a live server, the leader more often than the rest: a leader that dies mid-replication leaves the
    // partly replicated entries that Figure 8 is about.
    const victim = cfg.rand.int(2) === 0 ? pick(cfg, claimedLeaders(cfg)) : pick(cfg, live(cfg));
    if (victim !== undefined) cfg.crash1(victim);
  } else if (r < 66) {
    const dead = Array.from({ length: cfg.n }, (_, i) => i).filter((i) => cfg.raft(i) === undefined);
    const revived = pick(cfg, dead);
    if (revived !== undefined) {
      cfg.start1(revived);
      cfg.connect(revived);
    }
  } else if (r < 76) {
    cfg.disconnect(cfg.rand.int(cfg.n));
  } else if (r < 86) {
    const i = cfg.rand.int(cfg.n);
    if (cfg.raft(i) !== undefined) cfg.connect(i);
  } else if (r < 93) {
    state.unreliable = !state.unreliable;
    cfg.setUnreliable(state.unreliable);
  } else {
    state.reordering = !state.reordering;
    cfg.setLongReordering(state.reordering);
  }
}

/** Ends every fault: one side, every server running and connected, a reliable network without reordering. */
function healAll(cfg: Config): void {
  cfg.partition(new Array<number>(cfg.n).fill(0));
  cfg.setUnreliable(false);
  cfg.setLongReordering(false);
  for (let i = 0; i < cfg.n; i++) {
    if (cfg.raft(i) === undefined) cfg.start1(i);
    cfg.connect(i);
  }
}

/**
 * A client: offers each new command to every live server (as the lab's churn clients do), so that stale leaders
 * take commands too, then pauses 10-150 ms.
 */
async function client(cfg: Config, id: number, stop: { now: boolean }, state: NemesisState): Promise<number> {
  let seq = 0;
  while (!stop.now) {
    if (state.quiet) {
      await cfg.sleep(50);
      continue;
    }
    const cmd = command(id, ++seq);
    for (const i of live(cfg)) cfg.raft(i)?.start(cmd);
    await cfg.sleep(10 + cfg.rand.int(140));
  }
  return seq;
}

async function nemesis(cfg: Config): Promise<void> {
  cfg.begin(`Test (2X): nemesis (${CHAOS_MS / 1000} s of partitions, crashes, loss and reordering)`);
  const t0 = cfg.sim.now();
  const stop = { now: false };
  const state: NemesisState = { unreliable: false, reordering: false, quiet: false };
  const seq = { n: 0 };
  const clients = Array.from({ length: CLIENTS }, (_, id) => cfg.go(() => client(cfg, id + 1, stop, state)));
  while (cfg.sim.now() - t0 < CHAOS_MS) {
    // Faults come in bursts and calms: usually a few hundred ms apart, sometimes seconds.
    await cfg.sleep(cfg.rand.int(10) === 0 ? 1000 + cfg.rand.int(3000) : 50 + cfg.rand.int(500));
    await nemesisStep(cfg, state, seq);
  }
  healAll(cfg);
  stop.now = true;
  await Promise.all(clients);
  await cfg.one(command(4, 0), SERVERS, true);
  cfg.end();
}

export const tests: readonly LabTest[] = [
  labTest('TestNemesis2X', async (t) => {
    await nemesis(
      makeConfig(t, {
        servers: SERVERS,
        snapshot: true,
        timeLimitMs: TIME_LIMIT_MS,
        // The lab leaves check-quorum off; here it is on, so that its step-downs and leases meet the chaos too.
        // Odd seeds stream as over TCP (no entries carried again, commit news at once), so that the follower's
        // reorder buffer and the leader's handling of refusals meet it as well.
        tuning: {
          checkQuorum: true,
          resendUnacknowledged: t.seed % 2 === 0,
          deferCommitNews: t.seed % 2 === 0,
        },
      }),
    );
  }),
];
