import type { TraceRecorder } from '../trace/index.js';

/** A failed tester check: the lab's `t.Fatalf`. */
export class TestFailure extends Error {
  readonly code = 'LAB_TEST_FAILURE';
  constructor(message: string) {
    super(message);
    this.name = 'TestFailure';
  }
}

/** What the runner needs of a test's config. */
export interface TestWorld {
  cleanup(): void;
  readonly stats: TestStats | undefined;
}

/** The figures `end()` prints, kept for the runner's summary. */
export interface TestStats {
  readonly seconds: number;
  readonly peers: number;
  readonly rpcs: number;
  readonly bytes: number;
  readonly commands: number;
}

/** What a lab test receives: the seed of its world, and where its lines go. */
export interface LabT {
  readonly seed: number;
  /** Records the run when it is traced (`npm run lab -- --trace DIR`, or a failure's replay). */
  readonly trace?: TraceRecorder;
  /** Prints one line of the test's output (begin/end lines, warnings). */
  readonly log: (line: string) => void;
  /** Called by makeConfig: the runner cleans up every config once the test body settles, and reads its stats. */
  readonly onConfig: (config: TestWorld) => void;
}

/** One ported lab test: its Go name (e.g. "TestInitialElection2A") and its body. */
export interface LabTest {
  readonly name: string;
  readonly run: (t: LabT) => Promise<void>;
}

/** Declares a lab test. */
export function labTest(name: string, run: (t: LabT) => Promise<void>): LabTest {
  return { name, run };
}
