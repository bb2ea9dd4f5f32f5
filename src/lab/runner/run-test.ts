import type { LabT, LabTest, TestStats, TestWorld } from '../tester/index.js';
import type { TraceRecorder } from '../trace/index.js';

/** The outcome of one lab test under one seed. */
export interface TestResult {
  readonly name: string;
  readonly seed: number;
  readonly passed: boolean;
  /** The lines the test printed, the Passed or FAILED line included. */
  readonly lines: readonly string[];
  /** Why it failed ('' if it passed). */
  readonly message: string;
  readonly stats: TestStats | null;
  /** Where its trace was written, if it was (see traced-run.ts). */
  readonly trace: TracePaths | null;
}

/** A trace on disk: the JSON-lines file and, when a renderer was given, its HTML timeline. */
export interface TracePaths {
  readonly jsonl: string;
  readonly html: string | null;
}

/** The command that replays `name` under `seed`. */
export function replayCommand(name: string, seed: number): string {
  return `npm run lab -- --run '^${name}$' --seed ${seed}`;
}

/**
 * Runs one lab test under one seed. Lines go to `onLine` as they are printed (and are kept in the result); a
 * failure adds the lab's FAILED line with the seed. Every config the test made is cleaned up afterwards. With a
 * `trace`, the run is recorded into it.
 */
export async function runLabTest(
  test: LabTest,
  seed: number,
  onLine: (line: string) => void = () => undefined,
  trace?: TraceRecorder,
): Promise<TestResult> {
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
    onLine(line);
  };
  const worlds: TestWorld[] = [];
  const onConfig = (world: TestWorld): void => {
    worlds.push(world);
  };
  const t: LabT = trace === undefined ? { seed, log, onConfig } : { seed, log, onConfig, trace };
  let message = '';
  try {
    await test.run(t);
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name !== 'TestFailure' && error.stack !== undefined) {
      message = error.stack; // A crash, not a tester check: the stack is the useful part.
    }
  } finally {
    for (const world of worlds) world.cleanup();
  }
  if (message !== '') log(`  ... FAILED -- ${message} (seed ${seed})`);
  const stats = worlds.find((w) => w.stats !== undefined)?.stats ?? null;
  return { name: test.name, seed, passed: message === '', lines, message, stats, trace: null };
}
