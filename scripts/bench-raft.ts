// npm run bench:raft -- [--nodes 3] [--clients 1,64] [--duration 5] [--size 256] [--protocol binary|http]
//                        [--connections 1] [--profile dir]
//
// Starts a local cluster of `raft-ts node` processes (fsync on, data in a temporary directory), then C concurrent
// closed-loop proposers, each sending one proposal at a time to the leader and awaiting its commit before the
// next. With `--protocol binary` (the default) the proposers share min(C, --connections) ProposalClient
// connections to the leader's proposal port, pipelined (one by default, as etcd's benchmark tool shares one gRPC
// connection among its clients); with `--protocol http` each sends HTTP/1.1 POST /propose over keep-alive to the
// client port. `--profile dir` runs the members with `node --cpu-prof` and leaves one .cpuprofile per member in
// dir (open them in Chrome DevTools).
//
// Prints committed entries per second, the p50/p99/p999 latency of a proposal (from the request to the leader's
// answer that it committed), fsyncs per second on the leader and a follower (the proof of group commit), the
// conditions, and under the table the CPU time per committed entry of the leader, a follower and this process.
// A progress line shows on a terminal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProposalClient } from '../src/node/index.js';

const USAGE =
  'usage: npm run bench:raft -- [--nodes 3] [--clients 1,64] [--duration seconds] [--size bytes] ' +
  '[--protocol binary|http] [--connections n] [--profile dir]';

/** Bad flags get the usage line and exit 2, not a stack trace; --help gets it and exits 0. */
function parseFlags(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (error) {
    console.error(`bench:raft: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function parse() {
  return parseArgs({
    options: {
      nodes: { type: 'string', default: '3' },
      clients: { type: 'string', default: '1,64' },
      duration: { type: 'string', default: '5' },
      size: { type: 'string', default: '256' },
      protocol: { type: 'string', default: 'binary' },
      connections: { type: 'string', default: '1' },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
}

const { values } = parseFlags();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const nodes = Number(values.nodes);
const clientCounts = values.clients.split(',').map(Number);
const durationMs = Number(values.duration) * 1000;
const size = Number(values.size);
const protocol = values.protocol;
const maxConnections = Number(values.connections);
if (
  (protocol !== 'binary' && protocol !== 'http') ||
  !Number.isInteger(maxConnections) ||
  maxConnections < 1 ||
  !Number.isInteger(nodes) ||
  nodes < 1 ||
  clientCounts.some((c) => !Number.isInteger(c) || c < 1) ||
  !(durationMs > 0) ||
  !(size >= 1)
) {
  console.error(USAGE);
  process.exit(2);
}

const BIN = fileURLToPath(new URL('../bin/raft-ts.mjs', import.meta.url));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => {
            resolve(s);
          });
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

function http(
  port: number,
  method: string,
  path: string,
  body?: Uint8Array,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          json: JSON.parse(Buffer.concat(chunks).toString()) as unknown,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * CPU seconds a process has used (user + system), from /proc on Linux; null elsewhere. On a machine shared with
 * other work, CPU per entry is a steadier figure than entries per second.
 */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields =
      readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface Status {
  id: number;
  role: string;
  leader: number | null;
  commit: number;
  fsyncs: number;
  writes: number;
}

const status = async (port: number): Promise<Status> => (await http(port, 'GET', '/status')).json as Status;

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'raft-ts-bench-raft-'));
  const ports = await freePorts(nodes * 3);
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  const peers = ids.map((id) => `${id}=127.0.0.1:${ports[3 * (id - 1)] ?? 0}`).join(',');
  const clientPort = (id: number): number => ports[3 * (id - 1) + 1] ?? 0;
  const proposePort = (id: number): number => ports[3 * (id - 1) + 2] ?? 0;
  for (const id of ids) {
    const args = [
      BIN,
      'node',
      '--id',
      String(id),
      '--peers',
      peers,
      '--client',
      `127.0.0.1:${clientPort(id)}`,
      '--propose',
      `127.0.0.1:${proposePort(id)}`,
    ];
    const profile =
      values.profile === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`, `--cpu-prof-name=member-${id}.cpuprofile`];
    const child = spawn(
      process.execPath,
      [...profile, ...args, '--data-dir', join(root, String(id)), '--log-level', 'warn'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
  }
  try {
    const deadline = Date.now() + 30_000;
    let leader: number | null = null;
    while (leader === null) {
      if (Date.now() > deadline) throw new Error('no leader within 30 s');
      await new Promise((r) => setTimeout(r, 100));
      const all = await Promise.all(ids.map((id) => status(clientPort(id)).catch(() => null)));
      leader = all.find((s) => s?.role === 'leader')?.id ?? null;
    }
    const follower = ids.find((id) => id !== leader) ?? leader;
    console.log(
      `raft-ts bench: ${nodes} members (processes), fsync on, ${size}-byte entries, ${durationMs / 1000} s per run, ` +
        (protocol === 'binary'
          ? `binary proposal protocol to the leader (proposers share min(C, ${maxConnections}) connections)`
          : 'HTTP/1.1 keep-alive POST /propose to the leader'),
    );
    console.log(
      `conditions: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at start, data in ${tmpdir()}`,
    );
    console.log(
      '| clients | entries/s | p50 ms | p99 ms | p999 ms | leader fsyncs/s | follower fsyncs/s | entries/fsync |',
    );
    console.log(
      '| ------: | --------: | -----: | -----: | ------: | --------------: | ----------------: | ------------: |',
    );
    const notes: string[] = [];
    for (const clients of clientCounts) {
      const { row, note } = await run(leader, follower, clients, clientPort, proposePort(leader));
      console.log(row);
      notes.push(note);
    }
    for (const note of notes) console.log(note);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) =>
          new Promise((r) => {
            if (c.exitCode !== null || c.signalCode !== null) r(null);
            else c.once('exit', r);
          }),
      ),
    );
    await rm(root, { recursive: true, force: true });
    agent.destroy();
  }
}

async function run(
  leader: number,
  follower: number,
  clients: number,
  port: (id: number) => number,
  leaderProposePort: number,
): Promise<{ row: string; note: string }> {
  const payload = new Uint8Array(size).fill(97);
  const connections =
    protocol === 'binary'
      ? await Promise.all(
          Array.from({ length: Math.min(clients, maxConnections) }, () =>
            ProposalClient.connect({ host: '127.0.0.1', port: leaderProposePort }),
          ),
        )
      : [];
  // One proposal, to its commit: true if it committed.
  const proposeOnce = async (proposer: number): Promise<boolean> => {
    const connection = connections[proposer % connections.length];
    if (connection === undefined) {
      return (await http(port(leader), 'POST', '/propose', payload)).status === 200;
    }
    try {
      await connection.propose(payload);
      return true;
    } catch {
      return false;
    }
  };
  const latencies: number[] = [];
  let failures = 0;
  const before = [await status(port(leader)), await status(port(follower))];
  const pids = [children[leader - 1]?.pid, children[follower - 1]?.pid, process.pid];
  const cpuBefore = pids.map(cpuSeconds);
  const start = performance.now();
  const end = start + durationMs;
  const tty = process.stdout.isTTY;
  const progress = tty
    ? setInterval(() => {
        const s = (performance.now() - start) / 1000;
        process.stdout.write(
          `\r  ${clients} clients: ${s.toFixed(1)} s, ${Math.round(latencies.length / s)} entries/s`,
        );
      }, 250)
    : null;
  await Promise.all(
    Array.from({ length: clients }, async (_, proposer) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (await proposeOnce(proposer)) latencies.push(performance.now() - t0);
        else {
          failures++;
          // A refused proposal (an election, a broken connection) fails at once: do not spin on it.
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }),
  );
  await Promise.all(connections.map((c) => c.close()));
  const seconds = (performance.now() - start) / 1000;
  if (progress !== null) {
    clearInterval(progress);
    process.stdout.write('\r\x1b[K');
  }
  const after = [await status(port(leader)), await status(port(follower))];
  const cpuAfter = pids.map(cpuSeconds);
  if (failures > 0) console.error(`  ${failures} proposals failed (not committed) during the run`);
  latencies.sort((a, b) => a - b);
  const q = (p: number): string =>
    (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(3);
  const fsyncRate = (i: number): number => ((after[i]?.fsyncs ?? 0) - (before[i]?.fsyncs ?? 0)) / seconds;
  const rate = latencies.length / seconds;
  const cpuPerEntry = (i: number): string => {
    const a = cpuAfter[i];
    const b = cpuBefore[i];
    return a === null || b === null || a === undefined || b === undefined
      ? '?'
      : ((1e6 * (a - b)) / Math.max(1, latencies.length)).toFixed(0);
  };
  const perFsync = (i: number): string =>
    (
      ((after[i]?.writes ?? 0) - (before[i]?.writes ?? 0)) /
      Math.max(1, (after[i]?.fsyncs ?? 0) - (before[i]?.fsyncs ?? 0))
    ).toFixed(1);
  const note =
    `${clients} clients: CPU per committed entry (us): leader ${cpuPerEntry(0)}, follower ${cpuPerEntry(1)}, ` +
    `bench client ${cpuPerEntry(2)}; storage writes (Readies) per fsync: leader ` +
    `${perFsync(0)}, follower ${perFsync(1)}`;
  const row = `| ${clients} | ${Math.round(rate).toLocaleString('en-US')} | ${q(0.5)} | ${q(0.99)} | ${q(0.999)} | ${Math.round(fsyncRate(0)).toLocaleString('en-US')} | ${Math.round(fsyncRate(1)).toLocaleString('en-US')} | ${(rate / fsyncRate(0)).toFixed(1)} |`;
  return { row, note };
}

await main();
