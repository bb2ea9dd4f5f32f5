// The checker's benchmark (`npm run bench:check`): the time to check c50-ok.txt (goal < 0.2 s) and all 102 Jepsen
// etcd histories (goal < 3.5 s in all), with the conditions they ran under.
//
// Two figures for each, because V8 compiles the search's loop only once it has run for a while:
// - cold: the first check in a fresh process, the JIT not yet warmed up: what a test or a command pays. The goals
//   are judged on this one, as the median of COLD_PROCESSES fresh processes (each loads the checker and parses
//   the histories before its clock starts, so tsx's compiling and the parse are not counted).
// - warm: the median and best of WARM_RUNS further checks in one process, the JIT warmed up.
// Each is given as wall time and as CPU time (of this process's main thread, where the checker runs, and of the
// whole process, V8's compiler and garbage collector threads included): the machine may be shared, and on a
// loaded machine wall time also counts the time the process waited for a core.
//
// Options: --cold N (fresh processes, default 7), --warm N (runs, default 5).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  casRegisterModel,
  checkOperations,
  kvModel,
  parseJepsenHistory,
  parseKvHistory,
  type CheckResult,
} from '../src/check/index.js';

const data = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const CHILD_FLAG = '--cold-child';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive integer`);
  return value;
}

interface Timing {
  wallMs: number;
  /** CPU time of the main thread, where the checker runs (Linux only; else NaN). */
  mainCpuMs: number;
  /** CPU time of the whole process: the main thread, V8's compiler threads and the GC's helpers. */
  cpuMs: number;
}

/** The main thread's CPU time in ms, from Linux's schedstat (ns); NaN where there is none. */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

function time(work: () => void): Timing {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuMs();
  const start = performance.now();
  work();
  const wallMs = performance.now() - start;
  const mainCpuMs = mainThreadCpuMs() - main;
  const used = process.cpuUsage(cpu);
  return { wallMs, mainCpuMs, cpuMs: (used.user + used.system) / 1000 };
}

function expect(result: CheckResult, verdict: string, what: string): void {
  if (result.verdict !== verdict) throw new Error(`${what}: verdict ${result.verdict}, expected ${verdict}`);
}

const c50 = parseKvHistory(readFileSync(`${data}kv-histories/c50-ok.txt`, 'utf8'));
const checkC50 = (): void => {
  expect(checkOperations(kvModel, c50), 'ok', 'c50-ok.txt');
};

const linearizable = new Set(
  '002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102'.split(' '),
);
const jepsen = readdirSync(`${data}jepsen-etcd/`)
  .filter((name) => /^etcd_\d{3}\.log$/.test(name))
  .sort()
  .map((name) => ({ name, text: readFileSync(`${data}jepsen-etcd/${name}`, 'utf8') }))
  .filter(({ text }) => text.trim() !== '')
  .map(({ name, text }) => ({
    name,
    history: parseJepsenHistory(text),
    verdict: linearizable.has(name.slice(5, 8)) ? 'ok' : 'illegal',
  }));
const checkJepsen = (): void => {
  for (const { name, history, verdict } of jepsen)
    expect(checkOperations(casRegisterModel, history), verdict, name);
};

if (process.argv.includes(CHILD_FLAG)) {
  // A fresh process: the first check of each, in the order the parent reports them.
  const c50Cold = time(checkC50);
  const jepsenCold = time(checkJepsen);
  process.stdout.write(JSON.stringify({ c50Cold, jepsenCold }));
} else {
  main();
}

function main(): void {
  const coldProcesses = option('--cold', 7);
  const warmRuns = option('--warm', 5);
  const cpuList = cpus();
  console.log('Conditions');
  console.log(`  node ${process.version} (V8 ${process.versions.v8}) on ${process.platform}/${process.arch}`);
  console.log(
    `  ${cpuList.length} logical cores (${availableParallelism()} available): ${cpuList[0]?.model ?? 'unknown CPU'}`,
  );
  console.log(
    `  load average (1, 5, 15 min) before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  console.log('  single-threaded checker; histories parsed and code loaded outside the timings');
  console.log(
    `  cold: the first check in each of ${coldProcesses} fresh processes (median; the goal is judged on it)`,
  );
  console.log(`  warm: ${warmRuns} further checks in this process after a first one (median and best)`);
  console.log();

  const colds: { c50Cold: Timing; jepsenCold: Timing }[] = [];
  for (let i = 0; i < coldProcesses; i++) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), CHILD_FLAG],
      {
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`a cold run failed: ${child.stderr}`);
    colds.push(JSON.parse(child.stdout) as { c50Cold: Timing; jepsenCold: Timing });
  }

  const c50Met = report(
    `c50-ok.txt (${c50.length} operations, kv model, 10 keys)`,
    200,
    colds.map((c) => c.c50Cold),
    warm(checkC50, warmRuns),
  );
  console.log();
  const operations = jepsen.reduce((sum, h) => sum + h.history.length, 0);
  const jepsenMet = report(
    `${jepsen.length} Jepsen etcd histories (${operations} operations, cas register model)`,
    3500,
    colds.map((c) => c.jepsenCold),
    warm(checkJepsen, warmRuns),
  );
  console.log();
  console.log(`load average (1 min) after: ${loadavg()[0]?.toFixed(2) ?? '?'}`);
  process.exitCode = c50Met && jepsenMet ? 0 : 1;
}

/** Runs `work` once to warm up, then `runs` timed times. */
function warm(work: () => void, runs: number): Timing[] {
  work();
  return Array.from({ length: runs }, () => time(work));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function report(name: string, goalMs: number, cold: Timing[], warmRuns: Timing[]): boolean {
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const summary = (ts: Timing[], pick: (values: number[]) => number): string =>
    `${seconds(pick(ts.map((t) => t.wallMs)))} s wall, CPU ${seconds(pick(ts.map((t) => t.mainCpuMs)))} s main thread / ` +
    `${seconds(pick(ts.map((t) => t.cpuMs)))} s process`;
  const coldWall = median(cold.map((t) => t.wallMs));
  const met = coldWall < goalMs;
  console.log(name);
  console.log(
    `  cold, median of ${cold.length}: ${summary(cold, median)}   goal < ${goalMs / 1000} s wall: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(`    each (wall): ${cold.map((t) => seconds(t.wallMs)).join(' ')}`);
  console.log(`  warm, median of ${warmRuns.length}: ${summary(warmRuns, median)}`);
  console.log(`  warm, best of ${warmRuns.length}:   ${summary(warmRuns, (v) => Math.min(...v))}`);
  return met;
}
