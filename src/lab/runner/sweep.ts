import { fork, type ChildProcess } from 'node:child_process';
import type { LabTest } from '../tester/index.js';
import { runLabTest, type TestResult } from './run-test.js';

/** One run of a sweep: a test name and a seed. */
export interface Job {
  readonly name: string;
  readonly seed: number;
}

const WORKER_ENV = 'RAFT_TS_LAB_WORKER';

/** Whether this process is a sweep worker (started by `runSweep`). */
export function isSweepWorker(): boolean {
  return process.env[WORKER_ENV] === '1';
}

/** A worker's loop: run each job the parent sends, send back its result. */
export function serveSweepJobs(suite: readonly LabTest[]): void {
  const byName = new Map(suite.map((test) => [test.name, test]));
  process.on('message', (job: Job) => {
    const test = byName.get(job.name);
    if (test === undefined) throw new Error(`worker: unknown test ${job.name}`);
    void runLabTest(test, job.seed).then((result) => process.send?.(result));
  });
}

/**
 * Runs `jobs` over `workers` child processes (the same entry script, forked), handing each a job when it is idle.
 * With one worker, runs them in this process. `onResult` sees each result as it arrives.
 */
export async function runSweep(
  suite: readonly LabTest[],
  jobs: readonly Job[],
  workers: number,
  entryScript: string,
  onResult: (result: TestResult) => void,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  if (workers <= 1) {
    const byName = new Map(suite.map((test) => [test.name, test]));
    for (const job of jobs) {
      const result = await runLabTest(byName.get(job.name) as LabTest, job.seed);
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
          child.send(job);
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
