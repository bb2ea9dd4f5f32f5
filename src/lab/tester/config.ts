import { isDeepStrictEqual } from 'node:util';
import type { Prng, Simulator } from '../../sim/index.js';
import type { ApplyMsg } from '../apply-msg.js';
import type { LabRaft, LabRaftTuning, MakeRaft } from '../lab-raft.js';
import { decode, encode } from '../labgob.js';
import { type ClientEnd, type Network, Server, Service } from '../labrpc/index.js';
import { Persister } from '../persister.js';
import { make as makeLabRaft } from '../raft.js';
import { NetworkTracer, RaftTracer, TracedPersister, type TraceRecorder } from '../trace/index.js';
import { formatValue } from './format-value.js';
import { InvariantChecker } from './invariant-checker.js';
import type { LabT, TestStats } from './lab-test.js';
import { SimHarness } from './sim-harness.js';

/** The lab's generous allowance for one election (ms). */
export const RAFT_ELECTION_TIMEOUT = 1000;
/** applierSnap snapshots after every SNAPSHOT_INTERVAL commands (at indices 9, 19, 29, ...). */
export const SNAPSHOT_INTERVAL = 10;
/** The 2D tests' bound on persisted Raft state, in bytes. */
export const MAX_LOG_SIZE = 2000;
/**
 * A run that processes this many simulator events without virtual time moving is livelocked (say, a
 * reject-and-resend loop with no delay): the virtual time limit would never be reached, so it is failed here.
 * The lab suite's busiest instant is a few hundred events; this leaves two orders of magnitude to spare.
 */
export const LIVELOCK_EVENTS = 100_000;

export interface ConfigOptions {
  readonly servers: number;
  readonly unreliable?: boolean;
  /** Use the snapshotting applier (2D). */
  readonly snapshot?: boolean;
  /** The Raft under test; the project's own by default. Tester self-tests pass deliberately broken ones. */
  readonly makeRaft?: MakeRaft;
  /** Settings for the project's Raft, for tests of capabilities beyond the lab's (part 2X). */
  readonly tuning?: LabRaftTuning;
  /** The test's limit in virtual time (default TEST_TIME_LIMIT_MS); only a test that needs longer sets it. */
  readonly timeLimitMs?: number;
}

/**
 * The lab's test harness (config.go), on the simulator: a labrpc network of `servers` Raft peers, their
 * persisters, what each has applied, and the helpers the tests use. Every method that waits advances virtual
 * time only.
 */
export class Config {
  readonly n: number;
  readonly net: Network;
  /** The tester's own random stream (Go's `rand` in the tests). */
  readonly rand: Prng;
  readonly sim: Simulator;
  private readonly harness: SimHarness;
  private readonly makeRaft: MakeRaft;
  private readonly snapshotMode: boolean;
  private readonly tuning: LabRaftTuning | undefined;
  private readonly log: (line: string) => void;
  private readonly invariants: InvariantChecker;
  /** The virtual time of the last event, and how many events ran at it (livelock detection). */
  private instantMs = -1;
  private eventsAtInstant = 0;
  /** The most events seen at one virtual instant so far in this run. */
  maxEventsAtInstant = 0;
  /** The run's trace, or null: every call on it is `trace?.`, so an untraced run builds no event. */
  private readonly trace: TraceRecorder | null;
  private readonly netTrace: NetworkTracer | null;

  private readonly rafts: (LabRaft | undefined)[];
  private readonly connected: boolean[];
  /** Each server's side of the current partition: links exist only within one side. */
  private readonly side: number[];
  private readonly saved: (Persister | undefined)[];
  private readonly endnames: string[][];
  /** Per server: the commands it has applied, by index. */
  private readonly logs: Map<number, unknown>[];
  private readonly lastApplied: number[];
  private readonly applyErr: string[];
  private endGeneration = 0;
  // The network's settings, as the trace reports them.
  private unreliable = false;
  private longReordering = false;
  private maxIndex = 0;

  private t0 = 0;
  private rpcs0 = 0;
  private bytes0 = 0;
  private maxIndex0 = 0;
  private finished = false;
  /** Set by a passing `end()`. */
  stats: TestStats | undefined;

  constructor(t: LabT, options: ConfigOptions) {
    this.n = options.servers;
    this.harness = new SimHarness(t.seed, options.timeLimitMs);
    this.sim = this.harness.sim;
    this.net = this.harness.net;
    this.rand = this.harness.rand;
    this.makeRaft = options.makeRaft ?? makeLabRaft;
    this.snapshotMode = options.snapshot ?? false;
    this.tuning = options.tuning;
    this.log = t.log;
    this.trace = t.trace ?? null;
    this.netTrace = this.trace === null ? null : new NetworkTracer(this.trace);
    this.net.observe(this.netTrace);
    this.trace?.attach(() => this.sim.now(), {
      servers: this.n,
      unreliable: options.unreliable ?? false,
      snapshot: options.snapshot ?? false,
    });
    this.rafts = new Array<LabRaft | undefined>(this.n).fill(undefined);
    this.connected = new Array<boolean>(this.n).fill(false);
    this.side = new Array<number>(this.n).fill(0);
    this.invariants = new InvariantChecker(this.n);
    this.saved = new Array<Persister | undefined>(this.n).fill(undefined);
    this.endnames = Array.from({ length: this.n }, () => []);
    this.logs = Array.from({ length: this.n }, () => new Map<number, unknown>());
    this.lastApplied = new Array<number>(this.n).fill(0);
    this.applyErr = new Array<string>(this.n).fill('');
    t.onConfig(this);
    this.sim.setObserver(() => {
      this.afterEvent();
    });

    this.setUnreliable(options.unreliable ?? false);
    this.net.longDelays(true);
    for (let i = 0; i < this.n; i++) this.start1(i);
    for (let i = 0; i < this.n; i++) this.connect(i);
  }

  // ---- time and failure ----

  /** Lets `ms` of virtual time pass. */
  sleep(ms: number): Promise<void> {
    return this.harness.sleep(ms);
  }

  /** Runs `task` concurrently (a goroutine); if it throws, the test fails. Returns its promise. */
  go<T>(task: () => Promise<T>): Promise<T> {
    return this.harness.go(task);
  }

  /** Fails the test with `message` (Go's t.Fatalf). */
  fatal(message: string): never {
    this.trace?.fail(message);
    return this.harness.fatal(message);
  }

  /** Kills every peer and ends the test's virtual world. */
  cleanup(): void {
    if (this.finished) return;
    this.finished = true;
    for (const rf of this.rafts) rf?.kill();
    this.harness.stop();
  }

  /**
   * Runs after every simulator event: fails a livelocked run, then reads every live server and fails the run at
   * the first breach of Raft's safety properties, at the event that caused it.
   */
  private afterEvent(): void {
    const now = this.sim.now();
    if (now === this.instantMs) {
      this.eventsAtInstant++;
      if (this.eventsAtInstant > this.maxEventsAtInstant) this.maxEventsAtInstant = this.eventsAtInstant;
      if (this.eventsAtInstant >= LIVELOCK_EVENTS) {
        this.fatal(`livelock: ${this.eventsAtInstant} events at virtual time ${now} ms`);
      }
    } else {
      this.instantMs = now;
      this.eventsAtInstant = 1;
    }
    for (let i = 0; i < this.n; i++) this.checkServer(i);
    const breach = this.invariants.checkElectable();
    if (breach !== null) this.fatal(`invariant violated at ${now} ms: ${breach}`);
  }

  /** Feeds server i's current state (if it runs and can be inspected) to the invariant checker. */
  private checkServer(i: number): void {
    const rf = this.rafts[i];
    const view = rf?.inspect?.();
    if (rf === undefined || view === undefined) return;
    const breach = this.invariants.observe(i, rf, view);
    if (breach !== null) this.fatal(`invariant violated at ${this.sim.now()} ms: ${breach}`);
  }

  // ---- servers ----

  /** The Raft instance of server i (undefined while crashed). */
  raft(i: number): LabRaft | undefined {
    return this.rafts[i];
  }

  isConnected(i: number): boolean {
    return this.connected[i] ?? false;
  }

  /**
   * Shuts server i down without losing its persisted state: cut it off, delete it from the network, kill it,
   * and keep a fresh copy of what it had persisted (so a late write by the dead instance goes nowhere).
   */
  crash1(i: number): void {
    if (this.rafts[i] !== undefined) this.trace?.emit({ k: 'crash', s: i });
    this.disconnect(i);
    this.net.deleteServer(String(i));
    const saved = this.saved[i];
    if (saved !== undefined) this.saved[i] = saved.copy();
    const rf = this.rafts[i];
    if (rf !== undefined) {
      // What it is now is what it persisted (writes are synchronous), and what it restarts from: the checker
      // must know it, even if test code changed it (start()) since the last event.
      this.checkServer(i);
      rf.kill();
      this.rafts[i] = undefined;
    }
    const persisted = this.saved[i];
    if (persisted !== undefined) {
      const fresh = new Persister();
      fresh.save(persisted.readRaftState(), persisted.readSnapshot());
      this.saved[i] = fresh;
    }
  }

  /**
   * Starts (or restarts) server i from its persisted state, with fresh client ends so that the old instance
   * can no longer send. Like the lab, it does not connect the server: call `connect(i)`.
   */
  start1(i: number): void {
    this.crash1(i);
    const generation = ++this.endGeneration;
    const names = Array.from({ length: this.n }, (_, j) => `end-${i}-${j}-g${generation}`);
    this.endnames[i] = names;
    const ends: ClientEnd[] = names.map((name, j) => {
      const end = this.net.makeEnd(name);
      this.net.connect(name, String(j));
      this.netTrace?.nameEnd(name, i, j);
      return end;
    });
    this.trace?.emit({ k: 'start', s: i, restart: this.saved[i] !== undefined });

    this.lastApplied[i] = 0;
    const saved = this.saved[i];
    let persister: Persister;
    if (saved !== undefined) {
      persister = saved.copy();
      const snapshot = persister.readSnapshot();
      if (snapshot.byteLength > 0) {
        // Mimic a key/value server, which restores its state from the snapshot before Raft starts.
        const err = this.ingestSnap(i, snapshot, -1);
        if (err !== '') this.fatal(err);
      }
    } else {
      persister = new Persister();
    }
    if (this.trace !== null) persister = TracedPersister.of(persister, this.trace, i);
    this.saved[i] = persister;

    const applyCh = this.snapshotMode
      ? (m: ApplyMsg): void => {
          this.applierSnap(i, m);
        }
      : (m: ApplyMsg): void => {
          this.applier(i, m);
        };
    const world = { sim: this.sim, rand: this.sim.rand.fork(), tuning: this.tuning };
    const rf = this.makeRaft(
      ends,
      i,
      persister,
      applyCh,
      this.trace === null ? world : { ...world, observer: new RaftTracer(this.trace, i) },
    );
    this.rafts[i] = rf;
    const server = new Server();
    server.addService(new Service('Raft', rf.rpcHandlers()));
    this.net.addServer(String(i), server);
  }

  /** Attaches server i to the network, in both directions, toward every connected server on its side. */
  connect(i: number): void {
    this.trace?.emit({ k: 'connect', s: i });
    this.connected[i] = true;
    for (let j = 0; j < this.n; j++) {
      if (this.connected[j] && this.side[i] === this.side[j]) {
        this.enable(this.endnames[i]?.[j], true);
        this.enable(this.endnames[j]?.[i], true);
      }
    }
  }

  /**
   * Splits the network (not part of the lab's config): server i can reach server j only if `sides[i] ===
   * sides[j]` and both are connected. All on one side heals the split. Connecting and disconnecting keep working
   * within each side.
   */
  partition(sides: readonly number[]): void {
    for (let i = 0; i < this.n; i++) this.side[i] = sides[i] ?? 0;
    for (let i = 0; i < this.n; i++) {
      for (let j = 0; j < this.n; j++) {
        const up =
          (this.connected[i] ?? false) && (this.connected[j] ?? false) && this.side[i] === this.side[j];
        this.enable(this.endnames[i]?.[j], up);
      }
    }
  }

  /** Detaches server i from the network, in both directions. */
  disconnect(i: number): void {
    this.trace?.emit({ k: 'disconnect', s: i });
    this.connected[i] = false;
    for (let j = 0; j < this.n; j++) {
      this.enable(this.endnames[i]?.[j], false);
      this.enable(this.endnames[j]?.[i], false);
    }
  }

  private enable(endname: string | undefined, yes: boolean): void {
    if (endname !== undefined) this.net.enable(endname, yes);
  }

  setUnreliable(unreliable: boolean): void {
    this.net.reliable(!unreliable);
    this.unreliable = unreliable;
    this.trace?.emit({ k: 'net', reliable: !unreliable, longReordering: this.longReordering });
  }

  setLongReordering(longRel: boolean): void {
    this.net.longReordering(longRel);
    this.longReordering = longRel;
    this.trace?.emit({ k: 'net', reliable: !this.unreliable, longReordering: longRel });
  }

  /** RPCs that reached server i's handlers. */
  rpcCount(server: number): number {
    return this.net.getCount(String(server));
  }

  rpcTotal(): number {
    return this.net.getTotalCount();
  }

  bytesTotal(): number {
    return this.net.getTotalBytes();
  }

  /** The largest persisted Raft state (bytes) over all servers. */
  logSize(): number {
    let size = 0;
    for (const persister of this.saved) size = Math.max(size, persister?.raftStateSize() ?? 0);
    return size;
  }

  // ---- appliers ----

  /** The lab's checkLogs: records m at server i; returns an error message ('' if none) and whether i had m-1. */
  private checkLogs(i: number, m: ApplyMsg): { err: string; prevOk: boolean } {
    let err = '';
    const v = m.command;
    for (let j = 0; j < this.logs.length; j++) {
      const logJ = this.logs[j] as Map<number, unknown>;
      if (logJ.has(m.commandIndex) && !isDeepStrictEqual(logJ.get(m.commandIndex), v)) {
        // Some server has already committed a different value for this entry.
        err =
          `commit index=${m.commandIndex} server=${i} ${formatValue(m.command)} != ` +
          `server=${j} ${formatValue(logJ.get(m.commandIndex))}`;
      }
    }
    const logI = this.logs[i] as Map<number, unknown>;
    const prevOk = logI.has(m.commandIndex - 1);
    logI.set(m.commandIndex, v);
    if (m.commandIndex > this.maxIndex) this.maxIndex = m.commandIndex;
    return { err, prevOk };
  }

  /** The plain applier: checks every committed command against the other servers and for order. */
  private applier(i: number, m: ApplyMsg): void {
    if (!m.commandValid) return; // Other kinds of ApplyMsg are ignored.
    const { err, prevOk } = this.checkLogs(i, m);
    let message = err;
    if (m.commandIndex > 1 && !prevOk) message = `server ${i} apply out of order ${m.commandIndex}`;
    if (message !== '') this.applyFailure(i, message);
  }

  /** The snapshotting applier (applierSnap): ingests snapshots, and snapshots every SNAPSHOT_INTERVAL commands. */
  private applierSnap(i: number, m: ApplyMsg): void {
    const rf = this.rafts[i];
    let message = '';
    if (m.snapshotValid) {
      message = this.ingestSnap(i, m.snapshot, m.snapshotIndex);
    } else if (m.commandValid) {
      if (m.commandIndex !== (this.lastApplied[i] ?? 0) + 1) {
        message = `server ${i} apply out of order, expected index ${(this.lastApplied[i] ?? 0) + 1}, got ${m.commandIndex}`;
      }
      if (message === '') {
        const { err, prevOk } = this.checkLogs(i, m);
        message = err;
        if (m.commandIndex > 1 && !prevOk) message = `server ${i} apply out of order ${m.commandIndex}`;
      }
      this.lastApplied[i] = m.commandIndex;
      if ((m.commandIndex + 1) % SNAPSHOT_INTERVAL === 0 && message === '') {
        const logI = this.logs[i] as Map<number, unknown>;
        const xlog: unknown[] = [];
        for (let j = 0; j <= m.commandIndex; j++) xlog.push(logI.get(j) ?? null);
        rf?.snapshot(m.commandIndex, encode({ lastIncludedIndex: m.commandIndex, xlog }));
      }
    }
    if (message !== '') this.applyFailure(i, message);
  }

  /** Replaces server i's applied state by a snapshot's; returns an error message or ''. */
  private ingestSnap(i: number, snapshot: Uint8Array | null, index: number): string {
    if (snapshot === null) return 'nil snapshot';
    let lastIncludedIndex: number;
    let xlog: unknown[];
    try {
      const decoded = decode(snapshot) as { lastIncludedIndex: unknown; xlog: unknown };
      if (typeof decoded.lastIncludedIndex !== 'number' || !Array.isArray(decoded.xlog)) throw new Error();
      lastIncludedIndex = decoded.lastIncludedIndex;
      xlog = decoded.xlog;
    } catch {
      return 'snapshot Decode() error';
    }
    if (index !== -1 && index !== lastIncludedIndex) {
      return `server ${i} snapshot doesn't match m.SnapshotIndex`;
    }
    const logI = new Map<number, unknown>();
    xlog.forEach((command, j) => logI.set(j, command));
    this.logs[i] = logI;
    this.lastApplied[i] = lastIncludedIndex;
    return '';
  }

  /** An apply error is fatal at once, as log.Fatalf is in the lab. */
  private applyFailure(i: number, message: string): never {
    this.applyErr[i] = message;
    return this.fatal(`apply error: ${message}`);
  }

  // ---- checks ----

  /**
   * Waits for exactly one leader among the connected servers: up to 10 rounds of 450-549 ms. Fails if a term
   * has two leaders, or if no leader appears. Returns the leader of the highest term.
   */
  async checkOneLeader(): Promise<number> {
    const step = this.trace?.beginStep('checkOneLeader', '');
    for (let iters = 0; iters < 10; iters++) {
      await this.sleep(450 + this.rand.int(100));
      const leaders = new Map<number, number[]>();
      for (let i = 0; i < this.n; i++) {
        const rf = this.rafts[i];
        if (this.connected[i] && rf !== undefined) {
          const { term, isLeader } = rf.getState();
          if (isLeader) leaders.set(term, [...(leaders.get(term) ?? []), i]);
        }
      }
      let lastTermWithLeader = -1;
      for (const [term, ids] of leaders) {
        if (ids.length > 1) this.fatal(`term ${term} has ${ids.length} (>1) leaders`);
        if (term > lastTermWithLeader) lastTermWithLeader = term;
      }
      const leader = leaders.get(lastTermWithLeader)?.[0];
      if (leader !== undefined) {
        this.trace?.endStep(step, `leader ${leader} (term ${lastTermWithLeader})`);
        return leader;
      }
    }
    return this.fatal('expected one leader, got none');
  }

  /** Checks that every connected server reports the same term, and returns it. */
  checkTerms(): number {
    const step = this.trace?.beginStep('checkTerms', '');
    let term = -1;
    for (let i = 0; i < this.n; i++) {
      const rf = this.rafts[i];
      if (this.connected[i] && rf !== undefined) {
        const xterm = rf.getState().term;
        if (term === -1) term = xterm;
        else if (term !== xterm) this.fatal('servers disagree on term');
      }
    }
    this.trace?.endStep(step, `term ${term}`);
    return term;
  }

  /** Checks that no connected server claims to be leader. */
  checkNoLeader(): void {
    const step = this.trace?.beginStep('checkNoLeader', '');
    for (let i = 0; i < this.n; i++) {
      if (this.connected[i] && this.rafts[i]?.getState().isLeader === true) {
        this.fatal(`expected no leader among connected servers, but ${i} claims to be leader`);
      }
    }
    this.trace?.endStep(step, 'no leader');
  }

  /** How many servers have applied an entry at `index`, and its command. Fails on an apply error or mismatch. */
  nCommitted(index: number): { count: number; command: unknown } {
    let count = 0;
    let command: unknown = undefined;
    for (let i = 0; i < this.n; i++) {
      const err = this.applyErr[i];
      if (err !== undefined && err !== '') this.fatal(err);
      const logI = this.logs[i] as Map<number, unknown>;
      if (logI.has(index)) {
        const cmd1 = logI.get(index);
        if (count > 0 && !isDeepStrictEqual(command, cmd1)) {
          this.fatal(
            `committed values do not match: index ${index}, ${formatValue(command)}, ${formatValue(cmd1)}`,
          );
        }
        count++;
        command = cmd1;
      }
    }
    return { count, command };
  }

  /**
   * Waits until at least `n` servers have applied `index`: polls up to 30 times, sleeping 10 ms doubling to
   * 1.28 s. If `startTerm` > -1 and some server moved past it, gives up and returns -1.
   */
  async wait(index: number, n: number, startTerm: number): Promise<unknown> {
    const step = this.trace?.beginStep('wait', `index ${index}, ${n} servers, term ${startTerm}`);
    let to = 10;
    for (let iters = 0; iters < 30; iters++) {
      if (this.nCommitted(index).count >= n) break;
      await this.sleep(to);
      if (to < 1000) to *= 2;
      if (startTerm > -1) {
        for (const rf of this.rafts) {
          if (rf !== undefined && rf.getState().term > startTerm) {
            this.trace?.endStep(step, 'a term moved on: -1');
            return -1; // Someone has moved on.
          }
        }
      }
    }
    const { count, command } = this.nCommitted(index);
    if (count < n) this.fatal(`only ${count} decided for index ${index}; wanted ${n}`);
    this.trace?.endStep(step, formatValue(command));
    return command;
  }

  /**
   * Does a complete agreement on `cmd`: offers it to connected servers in turn until one leader takes it, then
   * waits up to 2 s for `expectedServers` servers to apply it. Without `retry`, a failed 2 s window fails the
   * test; with it, tries again for up to 10 s. Returns the index the command committed at.
   */
  async one(cmd: unknown, expectedServers: number, retry: boolean): Promise<number> {
    const step = this.trace?.beginStep(
      'one',
      `${formatValue(cmd)}, ${expectedServers} servers, retry ${retry}`,
    );
    const t0 = this.sim.now();
    let starts = 0;
    while (this.sim.now() - t0 < 10_000 && !this.finished) {
      let index = -1;
      for (let si = 0; si < this.n; si++) {
        starts = (starts + 1) % this.n;
        const rf = this.connected[starts] ? this.rafts[starts] : undefined;
        if (rf !== undefined) {
          const result = rf.start(cmd);
          if (result.isLeader) {
            index = result.index;
            break;
          }
        }
      }
      if (index !== -1) {
        // Somebody claimed to be leader and took the command: wait a while for agreement.
        const t1 = this.sim.now();
        while (this.sim.now() - t1 < 2_000) {
          const { count, command } = this.nCommitted(index);
          if (count > 0 && count >= expectedServers && isDeepStrictEqual(command, cmd)) {
            this.trace?.endStep(step, `index ${index}`);
            return index;
          }
          await this.sleep(20);
        }
        if (!retry) this.fatal(`one(${formatValue(cmd)}) failed to reach agreement`);
      } else {
        await this.sleep(50);
      }
    }
    if (!this.finished) this.fatal(`one(${formatValue(cmd)}) failed to reach agreement`);
    this.trace?.endStep(step, 'test over: -1');
    return -1;
  }

  /** A random string of n characters from the base64 alphabet (the lab's randstring). */
  randString(n: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let s = '';
    for (let k = 0; k < n; k++) s += alphabet[this.rand.int(64)] ?? '';
    return s;
  }

  // ---- begin / end ----

  /** Starts a test: prints its label and takes the counters' baseline. */
  begin(description: string): void {
    this.log(`${description} ...`);
    this.trace?.emit({ k: 'label', text: description });
    this.t0 = this.sim.now();
    this.rpcs0 = this.rpcTotal();
    this.bytes0 = this.bytesTotal();
    this.maxIndex0 = this.maxIndex;
  }

  /** Ends a passing test: checks the time limit and prints the lab's Passed line (virtual seconds). */
  end(): void {
    this.harness.checkTimeout();
    const stats: TestStats = {
      seconds: (this.sim.now() - this.t0) / 1000,
      peers: this.n,
      rpcs: this.rpcTotal() - this.rpcs0,
      bytes: this.bytesTotal() - this.bytes0,
      commands: this.maxIndex - this.maxIndex0,
    };
    this.stats = stats;
    this.log(
      `  ... Passed --  ${stats.seconds.toFixed(1).padStart(4)}  ${stats.peers} ${String(stats.rpcs).padStart(4)} ` +
        `${String(stats.bytes).padStart(7)} ${String(stats.commands).padStart(4)}`,
    );
  }
}

/** The lab's make_config(t, n, unreliable, snapshot). */
export function makeConfig(t: LabT, options: ConfigOptions): Config {
  return new Config(t, options);
}
