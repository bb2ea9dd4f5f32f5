import { fork, type ChildProcess } from 'node:child_process';
import type { LabTest } from '../tester/index.js';
import type { TestResult } from './run-test.js';
import { runTraced, type TraceOptions, type TraceRenderer } from './traced-run.js';

/** One run of a sweep: a test name and a seed. */
export interface Job {
  readonly name: string;
  readonly seed: number;
}

/** What a worker is sent: a job, and where its trace goes (the renderer stays in each process). */
interface WorkerJob extends Job {
  readonly traceDir: string;
  readonly traceAll: boolean;
}

const WORKER_ENV = 'RAFT_TS_LAB_WORKER';

/** Whether this process is a sweep worker (started by `runSweep`). */
export function isSweepWorker(): boolean {
  return process.env[WORKER_ENV] === '1';
}

/** A worker's loop: run each job the parent sends (tracing it if it fails), send back its result. */
export function serveSweepJobs(suite: readonly LabTest[], render: TraceRenderer | null): void {
  const byName = new Map(suite.map((test) => [test.name, test]));
  process.on('message', (job: WorkerJob) => {
    const test = byName.get(job.name);
    if (test === undefined) throw new Error(`worker: unknown test ${job.name}`);
    const trace: TraceOptions = { dir: job.traceDir, always: job.traceAll, render };
    void runTraced(test, job.seed, trace).then((result) => process.send?.(result));
  });
}

/**
 * Runs `jobs` over `workers` child processes (the same entry script, forked), handing each a job when it is idle.
 * With one worker, runs them in this process. `onResult` sees each result as it arrives. A failing run writes its
 * trace as `trace` says, from whichever process ran it.
 */
export async function runSweep(
  suite: readonly LabTest[],
  jobs: readonly Job[],
  workers: number,
  entryScript: string,
  onResult: (result: TestResult) => void,
  trace: TraceOptions,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  if (workers <= 1) {
    const byName = new Map(suite.map((test) => [test.name, test]));
    for (const job of jobs) {
      const result = await runTraced(byName.get(job.name) as LabTest, job.seed, trace);
      results.push(result);
      onResult(result);
    }
    return results;
  }

  let nextJob = 0;
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, () => {
      const child = fork(entryScript, [], {
        execArgv: process.execArgv,
        env: { ...process.env, [WORKER_ENV]: '1' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          const job = jobs[nextJob++];
          if (job === undefined) {
            child.disconnect();
            resolve();
            return;
          }
          const message: WorkerJob = { ...job, traceDir: trace.dir, traceAll: trace.always };
          child.send(message);
        };
        child.on('message', (result: TestResult) => {
          results.push(result);
          onResult(result);
          feed();
        });
        child.on('exit', (code) => {
          if (code !== 0 && code !== null) reject(new Error(`lab worker exited with code ${code}`));
          resolve();
        });
        child.on('error', reject);
        feed();
      });
    }),
  ).finally(() => {
    for (const child of children) if (child.connected) child.disconnect();
  });
  return results;
}
