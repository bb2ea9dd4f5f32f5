import type { LabTest } from '../tester/index.js';
import { parseLabOptions, UsageError, type LabOptions } from './options.js';
import { replayCommand, type TestResult } from './run-test.js';
import { isSweepWorker, runSweep, serveSweepJobs, type Job } from './sweep.js';
import {
  DEFAULT_TRACE_DIR,
  runTraced,
  traceLines,
  type TraceOptions,
  type TraceRenderer,
} from './traced-run.js';

/**
 * Tests whose RPC counts grow with the number of commands: those that commit as many as get through (Figure 8,
 * churn, unreliable agreement) and those that draw a random number of commands (the snapshot tests). For them
 * the summary gives RPCs per committed command, the figure worth keeping low and comparing across seeds.
 */
const RPC_PER_COMMAND_TESTS = new Set([
  'TestFigure82C',
  'TestUnreliableAgree2C',
  'TestFigure8Unreliable2C',
  'TestReliableChurn2C',
  'TestUnreliableChurn2C',
  'TestSnapshotBasic2D',
  'TestSnapshotInstall2D',
  'TestSnapshotInstallUnreliable2D',
  'TestSnapshotInstallCrash2D',
  'TestSnapshotInstallUnCrash2D',
  'TestSnapshotAllCrash2D',
  'TestSnapshotAllCrashUnreliable2D',
]);

/**
 * `npm run lab`: runs the selected lab tests and prints the lab's lines for each, then `N passed, M failed`.
 * Exits non-zero if anything failed. `entryScript` is the script to fork for sweep workers; `render` makes the
 * HTML timeline written beside each trace (none: traces only).
 */
export async function labMain(
  suite: readonly LabTest[],
  argv: readonly string[],
  entryScript: string,
  render: TraceRenderer | null = null,
): Promise<number> {
  if (isSweepWorker()) {
    serveSweepJobs(suite, render);
    return 0;
  }
  // A reader that stops early (`npm run lab | head`) is not an error of the suite's.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  let options: LabOptions;
  try {
    options = parseLabOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message.trim());
    return 2;
  }
  const selected = suite.filter((test) => options.run?.test(test.name) ?? true);
  if (selected.length === 0) {
    const what =
      options.run === null ? 'the lab suite is empty' : `no lab test matches /${options.run.source}/`;
    console.log(`${what} (${suite.length} tests known): nothing to run`);
    console.log('0 passed, 0 failed');
    return 0;
  }
  const started = performance.now();
  const trace: TraceOptions = {
    dir: options.trace ?? DEFAULT_TRACE_DIR,
    always: options.trace !== null,
    render,
  };
  const results =
    options.seeds === 1
      ? await runStreaming(selected, options.seed, trace)
      : await runSeeds(suite, selected, options, entryScript, trace);
  const failed = results.filter((r) => !r.passed);
  printRpcPerCommand(results);
  if (options.seeds > 1) printFailureTable(failed);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return failed.length === 0 ? 0 : 1;
}

/** One seed: tests run one after another in this process, their lines printed as they come. */
async function runStreaming(
  selected: readonly LabTest[],
  seed: number,
  trace: TraceOptions,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of selected) {
    const result = await runTraced(test, seed, trace, (line) => {
      console.log(line);
    });
    if (!result.passed) console.log(`      replay: ${replayCommand(result.name, seed)}`);
    for (const line of traceLines(result.trace)) console.log(line);
    results.push(result);
  }
  return results;
}

/** Several seeds: every (test, seed) pair, spread over worker processes, with a progress display. */
async function runSeeds(
  suite: readonly LabTest[],
  selected: readonly LabTest[],
  options: LabOptions,
  entryScript: string,
  trace: TraceOptions,
): Promise<TestResult[]> {
  const jobs: Job[] = [];
  for (let seed = options.seed; seed < options.seed + options.seeds; seed++) {
    for (const test of selected) jobs.push({ name: test.name, seed });
  }
  console.log(
    `running ${selected.length} tests x ${options.seeds} seeds (${options.seed}..${options.seed + options.seeds - 1}) = ` +
      `${jobs.length} runs on ${Math.min(options.jobs, jobs.length)} workers`,
  );
  const progress = makeProgress(jobs.length);
  const results = await runSweep(
    suite,
    jobs,
    options.jobs,
    entryScript,
    (result) => {
      progress(result);
    },
    trace,
  );
  // Results arrive in completion order; report them in job order so that output is the same every time.
  const order = new Map(jobs.map((job, k) => [`${job.name}@${job.seed}`, k]));
  return results.sort(
    (a, b) => (order.get(`${a.name}@${a.seed}`) ?? 0) - (order.get(`${b.name}@${b.seed}`) ?? 0),
  );
}

function makeProgress(total: number): (result: TestResult) => void {
  let done = 0;
  let failures = 0;
  const tty = process.stdout.isTTY;
  const step = Math.max(1, Math.floor(total / 20));
  return (result) => {
    done++;
    if (!result.passed) {
      failures++;
      const line = `FAIL ${result.name} seed ${result.seed}: ${firstLine(result.message)}`;
      console.log(tty ? `\r\x1b[K${line}` : line);
    }
    if (tty) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stdout.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed`,
      );
      if (done === total) process.stdout.write('\n');
    } else if (done % step === 0 || done === total) {
      console.log(`progress: ${done}/${total} runs, ${failures} failed`);
    }
  };
}

function printFailureTable(failed: readonly TestResult[]): void {
  if (failed.length === 0) return;
  console.log('\nfailures:');
  for (const r of failed) {
    console.log(`  ${r.name}  seed ${r.seed}  ${firstLine(r.message)}`);
    console.log(`      replay: ${replayCommand(r.name, r.seed)}`);
    for (const line of traceLines(r.trace)) console.log(line);
  }
  console.log('');
}

function printRpcPerCommand(results: readonly TestResult[]): void {
  const rows = results.filter((r) => r.passed && RPC_PER_COMMAND_TESTS.has(r.name));
  if (rows.length === 0) return;
  console.log(
    'RPCs per committed command and commands per run (tests whose RPC counts grow with their number of commands):',
  );
  const byTest = new Map<string, { rpcs: number; commands: number; runs: number }>();
  for (const r of rows) {
    const s = r.stats;
    if (s === null) continue; // A test that ended without end()'s figures.
    const acc = byTest.get(r.name) ?? { rpcs: 0, commands: 0, runs: 0 };
    acc.rpcs += s.rpcs;
    acc.commands += s.commands;
    acc.runs++;
    byTest.set(r.name, acc);
  }
  for (const [name, acc] of byTest) {
    const perCommand = acc.commands === 0 ? 'n/a' : (acc.rpcs / acc.commands).toFixed(1);
    const perRun = (acc.commands / acc.runs).toFixed(0);
    console.log(
      `  ${name.padEnd(34)} ${perCommand.padStart(6)} RPCs/command ${perRun.padStart(6)} commands/run  (${acc.rpcs} RPCs, ${acc.commands} commands, ${acc.runs} runs)`,
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
