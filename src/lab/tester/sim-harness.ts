import { Prng, Simulator, VirtualTasks } from '../../sim/index.js';
import { Network } from '../labrpc/index.js';
import { TestFailure } from './lab-test.js';

/** Any one test must end within this much virtual time. */
export const TEST_TIME_LIMIT_MS = 120_000;

/**
 * One test's simulated world, as every lab tester config (Raft's, kvraft's) builds it: the clock, the labrpc
 * network, the tester's own random stream, and the Go test's primitives over them (sleep, goroutines, t.Fatalf,
 * the 120 s limit). Nothing here waits on the wall clock.
 */
export class SimHarness {
  readonly sim: Simulator;
  readonly net: Network;
  /** The tester's own random stream (Go's `rand` in the tests). */
  readonly rand: Prng;
  private readonly tasks: VirtualTasks;
  private readonly startMs: number;

  /** `timeLimitMs`: the test's limit in virtual time; only a test that needs longer than the lab's sets it. */
  constructor(
    seed: number,
    private readonly timeLimitMs = TEST_TIME_LIMIT_MS,
  ) {
    this.sim = new Simulator(seed);
    this.startMs = this.sim.now();
    this.tasks = new VirtualTasks(this.sim, {
      atMs: this.startMs + timeLimitMs,
      error: () => new TestFailure(this.timeLimitMessage()),
    });
    this.net = new Network(this.sim, this.sim.rand.fork());
    this.rand = this.sim.rand.fork();
  }

  /** Lets `ms` of virtual time pass. */
  sleep(ms: number): Promise<void> {
    return this.tasks.sleep(ms);
  }

  /** Resolves with what a later simulator event hands to `settle` (an RPC reply, say). */
  until<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    return this.tasks.until(start);
  }

  /** Runs `task` concurrently (a goroutine); if it throws, the test fails. Returns its promise. */
  go<T>(task: () => Promise<T>): Promise<T> {
    return this.tasks.go(task);
  }

  /** Fails the test with `message` (Go's t.Fatalf). */
  fatal(message: string): never {
    const failure = new TestFailure(message);
    this.tasks.fail(failure);
    throw failure;
  }

  /** Fails the test if it has run past the time limit. */
  checkTimeout(): void {
    if (this.sim.now() - this.startMs > this.timeLimitMs) this.fatal(this.timeLimitMessage());
  }

  private timeLimitMessage(): string {
    return `test took longer than ${this.timeLimitMs / 1000} seconds`;
  }

  /** Ends the test's virtual world: no task wakes again. */
  stop(): void {
    this.tasks.stop();
  }
}
