// Test support: real `raft-ts node` processes on 127.0.0.1, their ports and data directories, and an HTTP client
// for their client ports. Every process spawned here is killed by `killAll()` (call it from an after() hook) and,
// as a last resort, when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry } from '../../src/core/index.js';
import { FileStorage } from '../../src/storage/index.js';
import { until as pollUntil } from '../support/until.js';

/** The launcher `npx raft-ts` runs: testing through it tests the bin too. */
export const RAFT_TS_BIN = fileURLToPath(new URL('../../bin/raft-ts.mjs', import.meta.url));

const spawned = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of spawned) child.kill('SIGKILL');
});

/**
 * Ports that were free a moment ago. Peers must know each other's ports before they start, so port 0 will not do:
 * bind them all at once (so they differ), then release them for the members.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            resolve(server);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Runs `raft-ts` with `args` (not waiting for it); its output goes to `logFile`. */
export function spawnRaftTs(args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [RAFT_TS_BIN, ...args], { stdio: ['ignore', fd, fd] });
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  return child;
}

/** Resolves with the exit code (or signal) of `child`, or rejects after `timeoutMs`. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`pid ${child.pid ?? '?'} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}

/** `until` of test/support with the argument order these tests use: what, the time limit, then the probe. */
export function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  everyMs = 25,
): Promise<T> {
  return pollUntil(what, probe, { timeoutMs, everyMs });
}

/** What GET /status answers. */
export interface Status {
  id: number;
  role: string;
  term: number;
  leader: number | null;
  commit: number;
  applied: number;
  lastIndex: number;
  fsyncs: number;
  writes: number;
}

/** One member of a test cluster: its ports, directory, and process (null while down). */
export interface Member {
  readonly id: number;
  readonly peerPort: number;
  readonly clientPort: number;
  readonly dataDir: string;
  process: ChildProcess | null;
}

/** A cluster of `raft-ts node` processes in a temporary directory. */
export class TestCluster {
  private constructor(
    readonly root: string,
    readonly members: Member[],
  ) {}

  /** Picks ports and directories for `size` members; starts none. */
  static async create(size: number): Promise<TestCluster> {
    const root = await mkdtemp(join(tmpdir(), 'raft-ts-runtime-'));
    const ports = await freePorts(size * 2);
    const members = Array.from({ length: size }, (_, i) => ({
      id: i + 1,
      peerPort: ports[2 * i] as number,
      clientPort: ports[2 * i + 1] as number,
      dataDir: join(root, String(i + 1)),
      process: null,
    }));
    return new TestCluster(root, members);
  }

  /** The --peers list every member is given. */
  peersFlag(): string {
    return this.members.map((m) => `${m.id}=127.0.0.1:${m.peerPort}`).join(',');
  }

  member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /** Starts member `id`'s process (again, after a kill: same data directory). */
  start(id: number, extra: readonly string[] = []): ChildProcess {
    const m = this.member(id);
    const args = [
      'node',
      '--id',
      String(id),
      '--peers',
      this.peersFlag(),
      '--client',
      `127.0.0.1:${m.clientPort}`,
      '--data-dir',
      m.dataDir,
      '--log-level',
      'warn',
      ...extra,
    ];
    m.process = spawnRaftTs(args, join(this.root, `member-${id}.log`));
    return m.process;
  }

  startAll(): void {
    for (const m of this.members) this.start(m.id);
  }

  /** kill -9, and waits for the process to be gone. */
  async kill9(id: number): Promise<void> {
    const m = this.member(id);
    const child = m.process;
    if (child === null) return;
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
    m.process = null;
  }

  /** SIGTERM (a clean stop), and waits for the exit code. */
  async stop(id: number): Promise<number | string> {
    const m = this.member(id);
    const child = m.process;
    if (child === null) return 0;
    child.kill('SIGTERM');
    const code = await waitExit(child, 10_000);
    m.process = null;
    return code;
  }

  /** Kills every process still running and removes the directory. For after() hooks. */
  async destroy(): Promise<void> {
    await Promise.all(this.members.map((m) => this.kill9(m.id).catch(() => undefined)));
    await rm(this.root, { recursive: true, force: true });
  }

  async status(id: number): Promise<Status> {
    const res = await fetch(`http://127.0.0.1:${this.member(id).clientPort}/status`, {
      signal: AbortSignal.timeout(1_000),
    });
    return (await res.json()) as Status;
  }

  /** The statuses of the members that answer. */
  async statuses(ids = this.members.map((m) => m.id)): Promise<Status[]> {
    const all = await Promise.all(ids.map((id) => this.status(id).catch(() => null)));
    return all.filter((s): s is Status => s !== null);
  }

  /** Waits until the members `ids` agree on one leader among them; returns its status. */
  async waitLeader(timeoutMs: number, ids = this.members.map((m) => m.id)): Promise<Status> {
    return until('a leader that every member knows', timeoutMs, async () => {
      const all = await this.statuses(ids);
      const leader = all.find((s) => s.role === 'leader');
      if (all.length !== ids.length || leader === undefined) return undefined;
      return all.every((s) => s.leader === leader.id && s.term === leader.term) ? leader : undefined;
    });
  }

  /** Waits until every member has the same last index, committed and applied (nothing left in flight). */
  async waitConverged(timeoutMs: number, atLeast = 0): Promise<Status[]> {
    return until('every member to hold the same committed log', timeoutMs, async () => {
      const all = await this.statuses();
      if (all.length !== this.members.length) return undefined;
      const first = all[0] as Status;
      const same = all.every(
        (s) =>
          s.lastIndex === first.lastIndex && s.commit === first.lastIndex && s.applied === first.lastIndex,
      );
      return same && first.commit >= atLeast ? all : undefined;
    });
  }

  /** Member `id`'s log as its storage holds it (call only while it is down). */
  async readLog(id: number): Promise<readonly Entry[]> {
    const storage = new FileStorage(this.member(id).dataDir);
    try {
      const state = await storage.load();
      return state.entries;
    } finally {
      await storage.close();
    }
  }
}

/** How one proposal ended, for the client's record. */
export type ProposeOutcome =
  | { kind: 'ok'; index: number; term: number }
  | { kind: 'not_leader'; leader: number | null }
  /** Definitely not committed (refused, lost to another leader, nobody listening): safe to retry as is. */
  | { kind: 'retry' }
  /** The request may have been taken (a reset connection, a timeout): never retried, so never duplicated. */
  | { kind: 'unknown' };

/** POSTs one proposal to a member's client port. */
export async function propose(port: number, body: Uint8Array, timeoutMs = 5_000): Promise<ProposeOutcome> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}/propose`, {
      method: 'POST',
      // The cast satisfies the DOM's fetch types too (the dashboard's browser test, under web/, imports this file).
      body: body as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? { kind: 'retry' } : { kind: 'unknown' };
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 200) return { kind: 'ok', index: json.index as number, term: json.term as number };
  if (res.status === 421) return { kind: 'not_leader', leader: json.leader as number | null };
  if (res.status === 503 && json.retry === true) return { kind: 'retry' };
  return { kind: 'unknown' };
}

/** An acknowledged proposal: its payload, and where the leader said it committed. */
export interface Ack {
  readonly payload: string;
  readonly index: number;
  readonly term: number;
}

/**
 * Concurrent clients that propose unique payloads (`prefix-client-seq`) until `total` have been tried, each
 * following the leader hints and retrying only what is definitely not committed.
 */
export async function runClients(
  cluster: TestCluster,
  options: {
    clients: number;
    total: number;
    prefix: string;
    onAck?: (ack: Ack, acked: number) => void;
    stop?: () => boolean;
    deadlineMs: number;
  },
): Promise<{ acks: Ack[]; unknown: string[] }> {
  const acks: Ack[] = [];
  const unknown: string[] = [];
  let next = 0;
  const deadline = Date.now() + options.deadlineMs;
  const ids = cluster.members.map((m) => m.id);
  const client = async (c: number): Promise<void> => {
    let target = ids[c % ids.length] as number;
    for (;;) {
      if (next >= options.total || options.stop?.() === true) return;
      const payload = `${options.prefix}-${c}-${next++}`;
      const body = new TextEncoder().encode(payload);
      for (;;) {
        if (Date.now() > deadline)
          throw new Error(`clients ran past their ${options.deadlineMs} ms deadline`);
        if (options.stop?.() === true) return;
        const outcome = await propose(cluster.member(target).clientPort, body);
        if (outcome.kind === 'ok') {
          const ack = { payload, index: outcome.index, term: outcome.term };
          acks.push(ack);
          options.onAck?.(ack, acks.length);
          break;
        }
        if (outcome.kind === 'unknown') {
          unknown.push(payload);
          break;
        }
        if (outcome.kind === 'not_leader' && outcome.leader !== null) {
          target = outcome.leader;
        } else {
          // No leader known (an election), or nobody there: try the next member after a short pause.
          target = ids[(ids.indexOf(target) + 1) % ids.length] as number;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return { acks, unknown };
}

/** The payload of a log entry (null for a no-op). */
export function payloadOf(entry: Entry): string | null {
  return entry.command instanceof Uint8Array ? new TextDecoder().decode(entry.command) : null;
}
