import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabTest } from '../tester/index.js';
import { TraceRecorder } from '../trace/index.js';
import { runLabTest, type TestResult, type TracePaths } from './run-test.js';

/** Turns a trace's text into a self-contained HTML timeline (web/build-html.ts provides one). */
export type TraceRenderer = (traceText: string) => string;

/** Where and when the runner writes traces. */
export interface TraceOptions {
  /** The directory to write into (created if missing). */
  readonly dir: string;
  /** Trace every run (`--trace DIR`); otherwise only failing ones. */
  readonly always: boolean;
  /** Renders the HTML timeline beside each trace; without it, only the .jsonl is written. */
  readonly render: TraceRenderer | null;
}

/** The directory failing runs write their traces to when `--trace` does not name one. */
export const DEFAULT_TRACE_DIR = 'traces';

/**
 * Runs one test under one seed and writes its trace when asked to (`always`) or when it fails. A run is
 * deterministic, so a failure is traced by replaying it with a recorder: untraced runs, the whole of a passing
 * sweep, pay nothing for tracing. If the replay does not fail the same way (which would be a determinism bug),
 * the trace is still written and a line says so.
 */
export async function runTraced(
  test: LabTest,
  seed: number,
  options: TraceOptions,
  onLine: (line: string) => void = () => undefined,
): Promise<TestResult> {
  if (options.always) {
    const recorder = new TraceRecorder(test.name, seed);
    const result = await runLabTest(test, seed, onLine, recorder);
    return { ...result, trace: writeTrace(options, result, recorder) };
  }
  const result = await runLabTest(test, seed, onLine);
  if (result.passed) return result;
  const recorder = new TraceRecorder(test.name, seed);
  const replay = await runLabTest(test, seed, () => undefined, recorder);
  if (replay.passed !== result.passed || replay.message !== result.message) {
    const line = `      warning: the traced replay did not fail the same way (${replay.message || 'it passed'})`;
    onLine(line);
    return { ...result, lines: [...result.lines, line], trace: writeTrace(options, replay, recorder) };
  }
  return { ...result, trace: writeTrace(options, result, recorder) };
}

/** Writes `<dir>/<test>-seed<N>.jsonl` and, with a renderer, the `.html` beside it. */
export function writeTrace(options: TraceOptions, result: TestResult, recorder: TraceRecorder): TracePaths {
  mkdirSync(options.dir, { recursive: true });
  const base = join(options.dir, `${result.name}-seed${result.seed}`);
  const text = recorder.finish(result.passed, result.message);
  writeFileSync(`${base}.jsonl`, text);
  if (options.render === null) return { jsonl: `${base}.jsonl`, html: null };
  writeFileSync(`${base}.html`, options.render(text));
  return { jsonl: `${base}.jsonl`, html: `${base}.html` };
}

/** The lines that point a reader at a run's trace. */
export function traceLines(paths: TracePaths | null): string[] {
  if (paths === null) return [];
  const lines = [`      trace:    ${paths.jsonl}`];
  if (paths.html !== null) lines.push(`      timeline: ${paths.html}`);
  return lines;
}
