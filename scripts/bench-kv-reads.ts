// The kvraft read-path benchmark (`npm run bench:kv-reads -- [--seeds K] [--run REGEX]`): every kvraft test under
// seeds 1..K, once with Gets through the log and once through ReadIndex, interleaved so that a shared machine's load
// falls on both alike. Per test and strategy it prints the Passed line's figures (RPCs, clerk ops; the mean over
// the seeds) and the wall time (mean ms per run), and it fails if any run fails.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readThroughLog, readThroughReadIndex, type ReadStrategy } from '../src/kv/lab/index.js';
import { runLabTest } from '../src/lab/runner/index.js';
import { suiteWith } from '../test/kv/suite.js';

const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '5' }, run: { type: 'string', default: '' } },
});
const seeds = Number(values.seeds);
const pattern = new RegExp(values.run);
const strategies: readonly ReadStrategy[] = [readThroughLog, readThroughReadIndex];
const suites = strategies.map((readStrategy) =>
  suiteWith({ readStrategy }).filter((t) => pattern.test(t.name)),
);

interface Sums {
  rpcs: number;
  ops: number;
  virtualS: number;
  wallMs: number;
  runs: number;
}

const sums = strategies.map(() => new Map<string, Sums>());
let failures = 0;
for (let i = 0; i < (suites[0]?.length ?? 0); i++) {
  for (let seed = 1; seed <= seeds; seed++) {
    for (const [s, suite] of suites.entries()) {
      const test = suite[i];
      if (test === undefined) continue;
      const start = performance.now();
      const result = await runLabTest(test, seed);
      const wallMs = performance.now() - start;
      if (!result.passed || result.stats === null) {
        failures++;
        console.error(`${strategies[s]?.name}: ${test.name} seed ${seed} FAILED: ${result.message}`);
        continue;
      }
      const table = sums[s] as Map<string, Sums>;
      const sum = table.get(test.name) ?? { rpcs: 0, ops: 0, virtualS: 0, wallMs: 0, runs: 0 };
      sum.rpcs += result.stats.rpcs;
      sum.ops += result.stats.commands;
      sum.virtualS += result.stats.seconds;
      sum.wallMs += wallMs;
      sum.runs++;
      table.set(test.name, sum);
    }
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `seeds 1..${seeds}, one process, strategies interleaved; ${availableParallelism()} cores (${cpu}), ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end; Node ${process.version}`,
);
console.log('');
console.log(
  '| test | RPCs log | RPCs read-index | ops log | ops read-index | wall ms log | wall ms read-index |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const mean = (sum: Sums | undefined, field: 'rpcs' | 'ops' | 'wallMs'): string =>
  sum === undefined || sum.runs === 0 ? '-' : String(Math.round(sum[field] / sum.runs));
const total = strategies.map(() => ({ rpcs: 0, ops: 0, wallMs: 0 }));
for (const test of suites[0] ?? []) {
  const [log, ri] = sums.map((table) => table.get(test.name));
  for (const [s, sum] of [log, ri].entries()) {
    if (sum === undefined) continue;
    const t = total[s] as { rpcs: number; ops: number; wallMs: number };
    t.rpcs += sum.rpcs / sum.runs;
    t.ops += sum.ops / sum.runs;
    t.wallMs += sum.wallMs / sum.runs;
  }
  console.log(
    `| ${test.name} | ${mean(log, 'rpcs')} | ${mean(ri, 'rpcs')} | ${mean(log, 'ops')} | ${mean(ri, 'ops')} | ` +
      `${mean(log, 'wallMs')} | ${mean(ri, 'wallMs')} |`,
  );
}
const [tl, tr] = total.map((t) => ({
  rpcs: Math.round(t.rpcs),
  ops: Math.round(t.ops),
  wallMs: Math.round(t.wallMs),
}));
console.log(
  `| total | ${tl?.rpcs} | ${tr?.rpcs} | ${tl?.ops} | ${tr?.ops} | ${tl?.wallMs} | ${tr?.wallMs} |`,
);
if (failures > 0) {
  console.error(`${failures} run(s) failed`);
  process.exitCode = 1;
}
