// The checker's benchmark (`npm run bench:check`): the time to check c50-ok.txt (goal < 0.2 s) and all 102 Jepsen
// etcd histories (goal < 3.5 s in all), with the conditions they ran under. The machine may be shared, so each
// figure is given as wall time and as this process's CPU time, first run (cold: the JIT has not warmed up) and
// best of the following runs.
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
const RUNS = 5;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function time(work: () => void): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function measure(name: string, goalMs: number, work: () => void): boolean {
  const cold = time(work);
  const warm: Timing[] = [];
  for (let i = 1; i < RUNS; i++) warm.push(time(work));
  const best = warm.reduce((a, b) => (b.wallMs < a.wallMs ? b : a), cold);
  const fmt = (t: Timing): string =>
    `${(t.wallMs / 1000).toFixed(3)} s wall, ${(t.cpuMs / 1000).toFixed(3)} s CPU`;
  const met = best.wallMs < goalMs;
  console.log(name);
  console.log(`  first run:             ${fmt(cold)}`);
  console.log(
    `  best of next ${RUNS - 1}:        ${fmt(best)}   goal < ${goalMs / 1000} s: ${met ? 'met' : 'NOT met'}`,
  );
  return met;
}

function expect(result: CheckResult, verdict: string, what: string): void {
  if (result.verdict !== verdict) throw new Error(`${what}: verdict ${result.verdict}, expected ${verdict}`);
}

const cpuList = cpus();
console.log('Conditions');
console.log(`  node ${process.version} on ${process.platform}/${process.arch}`);
console.log(
  `  ${cpuList.length} logical cores (${availableParallelism()} available): ${cpuList[0]?.model ?? 'unknown CPU'}`,
);
console.log(
  `  load average (1, 5, 15 min) before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
console.log('  single-threaded; histories parsed once, outside the timings');
console.log();

const c50 = parseKvHistory(readFileSync(`${data}kv-histories/c50-ok.txt`, 'utf8'));
const c50Met = measure(`c50-ok.txt (${c50.length} operations, kv model, 10 keys)`, 200, () => {
  expect(checkOperations(kvModel, c50), 'ok', 'c50-ok.txt');
});

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
const operations = jepsen.reduce((sum, h) => sum + h.history.length, 0);
console.log();
const jepsenMet = measure(
  `${jepsen.length} Jepsen etcd histories (${operations} operations, cas register model)`,
  3500,
  () => {
    for (const { name, history, verdict } of jepsen)
      expect(checkOperations(casRegisterModel, history), verdict, name);
  },
);
console.log();
console.log(`load average (1 min) after: ${loadavg()[0]?.toFixed(2) ?? '?'}`);
process.exitCode = c50Met && jepsenMet ? 0 : 1;
