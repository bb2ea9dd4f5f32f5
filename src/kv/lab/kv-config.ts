import {
  type ClientEnd,
  type LabRaftTuning,
  type LabT,
  type Network,
  Persister,
  Server,
  Service,
  SimHarness,
  type TestStats,
} from '../../lab/index.js';
import type { Prng, Simulator } from '../../sim/index.js';
import { type Clerk, makeClerk } from './clerk.js';
import { DEFAULT_READ_STRATEGY, type KVServer, type KvServerOptions, startKVServer } from './kv-server.js';

/**
 * Every request takes 5-10 ms to arrive (labrpc itself adds no latency). In virtual time nothing else costs
 * anything, and the kvraft tests' clients call in a loop for seconds: without it an operation would complete in
 * no time at all and a client would never stop. At 5-10 ms an operation takes about 15 ms (the request, then one
 * AppendEntries round), which is what the lab's handouts show: about 900 operations for one client in 15 s, and
 * 1000 sequential appends in about 15.7 s.
 */
export const KV_LATENCY = { minMs: 5, maxMs: 10 } as const;

/** Options of the kvraft config (make_config(t, n, unreliable, maxraftstate)). */
export interface KvConfigOptions {
  readonly servers: number;
  readonly unreliable?: boolean;
  /** Snapshot when the persisted Raft state reaches this many bytes; -1 never to snapshot. */
  readonly maxraftstate: number;
  /** Options for every server this config starts (a read strategy, another Raft). */
  readonly server?: KvServerOptions;
}

/**
 * The kvraft lab's test harness (kvraft/config.go), on the simulator: n key/value servers, each with its Raft,
 * their persisters, clerks with their own ends, partitions of the server-to-server links, crash and restart, and
 * begin/end with the lab's figures (time, peers, RPCs, ops). Every method that waits advances virtual time only.
 */
export class KvConfig {
  readonly n: number;
  readonly net: Network;
  /** The tester's own random stream (Go's `rand` in the tests). */
  readonly rand: Prng;
  readonly sim: Simulator;
  readonly maxraftstate: number;
  private readonly harness: SimHarness;
  private readonly serverOptions: KvServerOptions;
  private readonly raftTuning: LabRaftTuning;
  private readonly log: (line: string) => void;

  private readonly kvservers: (KVServer | undefined)[];
  private readonly saved: (Persister | undefined)[];
  /** endnames[i][j]: the end server i uses to reach server j. */
  private readonly endnames: string[][];
  /** Each clerk's end names, by server. */
  private readonly clerks = new Map<Clerk, string[]>();
  private nextEndId = 0;

  private t0 = 0;
  private rpcs0 = 0;
  private bytes0 = 0;
  private ops = 0;
  private finished = false;
  /** Set by a passing `end()`. */
  stats: TestStats | undefined;

  constructor(t: LabT, options: KvConfigOptions) {
    this.n = options.servers;
    this.harness = new SimHarness(t.seed);
    this.sim = this.harness.sim;
    this.net = this.harness.net;
    this.rand = this.harness.rand;
    this.maxraftstate = options.maxraftstate;
    this.serverOptions = options.server ?? {};
    // Reads through ReadIndex wait until a new leader has committed an entry of its term; its election no-op
    // makes that at once instead of at the first write. The log strategy needs no such entry, so it goes without.
    const readStrategy = this.serverOptions.readStrategy ?? DEFAULT_READ_STRATEGY;
    // A service's leader cut off from the majority must step down (check-quorum), or the requests waiting on it
    // wait for ever instead of being answered ErrWrongLeader and retried elsewhere.
    this.raftTuning = { noopOnElection: readStrategy.noopOnElection ?? false, checkQuorum: true };
    this.log = t.log;
    this.kvservers = new Array<KVServer | undefined>(this.n).fill(undefined);
    this.saved = new Array<Persister | undefined>(this.n).fill(undefined);
    this.endnames = Array.from({ length: this.n }, () => []);
    t.onConfig(this);

    // Long delays stay off: a call to a cut-off or dead server fails within 100 ms, as the kvraft tests expect.
    this.net.latency(KV_LATENCY);
    for (let i = 0; i < this.n; i++) this.startServer(i);
    this.connectAll();
    this.net.reliable(!(options.unreliable ?? false));
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
    return this.harness.fatal(message);
  }

  /** Kills every server and ends the test's virtual world. */
  cleanup(): void {
    if (this.finished) return;
    this.finished = true;
    for (const kv of this.kvservers) kv?.kill();
    this.harness.stop();
  }

  // ---- sizes ----

  /** The largest persisted Raft state (bytes) over all servers. */
  logSize(): number {
    return Math.max(0, ...this.saved.map((p) => p?.raftStateSize() ?? 0));
  }

  /** The largest snapshot (bytes) over all servers. */
  snapshotSize(): number {
    return Math.max(0, ...this.saved.map((p) => p?.snapshotSize() ?? 0));
  }

  // ---- the server network ----

  /** Every server: 0..n-1. */
  all(): number[] {
    return Array.from({ length: this.n }, (_, i) => i);
  }

  /** Attaches server i to the servers in `to`, in both directions. */
  connect(i: number, to: readonly number[]): void {
    for (const j of to) {
      this.enable(this.endnames[i]?.[j], true);
      this.enable(this.endnames[j]?.[i], true);
    }
  }

  /** Detaches server i from the servers in `from`, in both directions. */
  disconnect(i: number, from: readonly number[]): void {
    for (const j of from) {
      this.enable(this.endnames[i]?.[j], false);
      this.enable(this.endnames[j]?.[i], false);
    }
  }

  /** Connects every server to every other. */
  connectAll(): void {
    for (let i = 0; i < this.n; i++) this.connect(i, this.all());
  }

  /** Splits the servers in two groups that reach each other only within a group. Clerks keep their links. */
  partition(p1: readonly number[], p2: readonly number[]): void {
    for (const i of p1) {
      this.disconnect(i, p2);
      this.connect(i, p1);
    }
    for (const i of p2) {
      this.disconnect(i, p1);
      this.connect(i, p2);
    }
  }

  /** Whether some server believes it is leader, and the first such. */
  leader(): { ok: boolean; leader: number } {
    for (let i = 0; i < this.n; i++) {
      if (this.kvservers[i]?.raft.getState().isLeader === true) return { ok: true, leader: i };
    }
    return { ok: false, leader: 0 };
  }

  /** Two groups for partition(): p1 = n/2+1 servers without the leader, p2 = the rest, the leader among them. */
  makePartition(): [number[], number[]] {
    const { leader } = this.leader();
    const others = this.all().filter((i) => i !== leader);
    const p1 = others.slice(0, Math.floor(this.n / 2) + 1);
    const p2 = [...others.slice(p1.length), leader];
    return [p1, p2];
  }

  private enable(endname: string | undefined, yes: boolean): void {
    if (endname !== undefined) this.net.enable(endname, yes);
  }

  // ---- clerks ----

  /**
   * A new clerk with ends of its own to every server, in a shuffled order (so clerk k does not start at server
   * k), of which only those to the servers in `to` are enabled.
   */
  makeClient(to: readonly number[]): Clerk {
    const ends: ClientEnd[] = [];
    const endnames = this.all().map((j) => {
      const name = `clerk-end-${this.nextEndId++}`;
      ends.push(this.net.makeEnd(name));
      this.net.connect(name, String(j));
      return name;
    });
    const ck = makeClerk(this.shuffled(ends), {
      rand: this.rand.fork(),
      sleep: (ms) => this.harness.sleep(ms),
      until: (start) => this.harness.until(start),
    });
    this.clerks.set(ck, endnames);
    this.connectClient(ck, to);
    return ck;
  }

  /** Forgets a clerk (its ends stay as they are, as in the lab). */
  deleteClient(ck: Clerk): void {
    this.clerks.delete(ck);
  }

  /** Enables the clerk's ends to the servers in `to`. */
  connectClient(ck: Clerk, to: readonly number[]): void {
    const endnames = this.clerks.get(ck) ?? [];
    for (const j of to) this.enable(endnames[j], true);
  }

  /** Disables the clerk's ends to the servers in `from`. */
  disconnectClient(ck: Clerk, from: readonly number[]): void {
    const endnames = this.clerks.get(ck) ?? [];
    for (const j of from) this.enable(endnames[j], false);
  }

  private shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let k = out.length - 1; k > 0; k--) {
      const r = this.rand.int(k + 1);
      [out[k], out[r]] = [out[r] as T, out[k] as T];
    }
    return out;
  }

  // ---- servers ----

  /** Server i (undefined while shut down). */
  server(i: number): KVServer | undefined {
    return this.kvservers[i];
  }

  /**
   * Shuts server i down: cuts its server links, deletes it from the network (calls to it fail, replies of calls
   * in flight are lost) before it can reply to anyone, keeps a copy of its persister (so that the dead instance's
   * later writes go nowhere), and kills it.
   */
  shutdownServer(i: number): void {
    this.disconnect(i, this.all());
    this.net.deleteServer(String(i));
    const saved = this.saved[i];
    if (saved !== undefined) this.saved[i] = saved.copy();
    this.kvservers[i]?.kill();
    this.kvservers[i] = undefined;
  }

  /**
   * Starts server i from its persisted state (after shutdownServer), with fresh ends to the other servers. Like
   * the lab, it does not connect them: call connectAll().
   */
  startServer(i: number): void {
    const names = this.all().map((j) => `kv-end-${i}-${j}-${this.nextEndId++}`);
    this.endnames[i] = names;
    const ends = names.map((name, j) => {
      const end = this.net.makeEnd(name);
      this.net.connect(name, String(j));
      return end;
    });
    const saved = this.saved[i];
    const persister = saved === undefined ? new Persister() : saved.copy();
    this.saved[i] = persister;
    const kv = startKVServer(
      ends,
      i,
      persister,
      this.maxraftstate,
      { sim: this.sim, rand: this.sim.rand.fork(), tuning: this.raftTuning },
      this.serverOptions,
    );
    this.kvservers[i] = kv;
    const server = new Server();
    server.addService(new Service('KVServer', kv.rpcHandlers()));
    server.addService(new Service('Raft', kv.raft.rpcHandlers()));
    this.net.addServer(String(i), server);
  }

  // ---- begin / end ----

  /** Total RPCs sent, clerks' included. */
  rpcTotal(): number {
    return this.net.getTotalCount();
  }

  /** Starts a test: prints its label and takes the counters' baseline. */
  begin(description: string): void {
    this.log(`${description} ...`);
    this.t0 = this.sim.now();
    this.rpcs0 = this.rpcTotal();
    this.bytes0 = this.net.getTotalBytes();
    this.ops = 0;
  }

  /** Prints a line of the test's output (the lab's fmt.Printf, e.g. the checker's info line). */
  print(line: string): void {
    this.log(line);
  }

  /** Counts one clerk operation made through the tests' logging wrappers. */
  op(): void {
    this.ops++;
  }

  /** Ends a passing test: checks the time limit and prints the lab's Passed line (virtual seconds). */
  end(): void {
    this.harness.checkTimeout();
    const stats: TestStats = {
      seconds: (this.sim.now() - this.t0) / 1000,
      peers: this.n,
      rpcs: this.rpcTotal() - this.rpcs0,
      bytes: this.net.getTotalBytes() - this.bytes0,
      commands: this.ops,
    };
    this.stats = stats;
    this.log(
      `  ... Passed --  ${stats.seconds.toFixed(1).padStart(4)}  ${stats.peers} ${String(stats.rpcs).padStart(5)} ` +
        String(stats.commands).padStart(4),
    );
  }
}

/** The kvraft lab's make_config(t, n, unreliable, maxraftstate). */
export function makeKvConfig(t: LabT, options: KvConfigOptions): KvConfig {
  return new KvConfig(t, options);
}
