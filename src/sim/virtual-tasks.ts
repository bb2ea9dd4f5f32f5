import type { Simulator } from './simulator.js';

/**
 * Lets asynchronous test code ("goroutines") run on the simulator's virtual clock. `sleep(ms)` resolves when the
 * simulator reaches now + ms; a driver loop steps the simulator one event at a time and, whenever an event woke a
 * sleeper, lets the woken code run to its next `await` before the next event. JavaScript's job queue is FIFO and
 * nothing here touches the wall clock, so the interleaving is a pure function of the seed.
 *
 * A failure anywhere (an event that throws, such as a tester check inside an apply callback, or a background task
 * that rejects) is delivered to every sleeper as a rejection, so the test's main body sees it at its next await.
 */
export class VirtualTasks {
  private readonly sleepers = new Set<Sleeper>();
  private woken = 0;
  private driving = false;
  private stopped = false;
  private failure: Error | undefined;

  /**
   * `deadline`, when set, is a hard stop: the simulator never runs past `atMs`; reaching it fails the tasks with
   * `error()`.
   */
  constructor(
    private readonly sim: Simulator,
    private readonly deadline?: { atMs: number; error: () => Error },
  ) {}

  /** The first failure seen, if any. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Resolves after `ms` virtual milliseconds, or rejects with the test's failure. */
  sleep(ms: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stopped) return new Promise(() => undefined); // The test is over: park the task for good.
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { resolve, reject };
      this.sleepers.add(sleeper);
      this.sim.schedule(ms, () => {
        if (!this.sleepers.delete(sleeper)) return;
        this.woken++;
        resolve();
      });
      this.startDriving();
    });
  }

  /**
   * Waits for a simulator event to hand over a result: `start` receives `settle`, which a later event calls (a
   * network reply arriving, say). As after `sleep`, the waiting task runs on to its next `await` before the
   * simulator runs another event, so virtual time does not move under it; and a pending `until` keeps the driver
   * going, as a sleeper does. Later calls of `settle` are ignored.
   */
  until<T>(start: (settle: (value: T) => void) => void): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stopped) return new Promise(() => undefined); // The test is over: park the task for good.
    return new Promise<T>((resolve, reject) => {
      const sleeper: Sleeper = { resolve: () => undefined, reject };
      this.sleepers.add(sleeper);
      start((value) => {
        if (!this.sleepers.delete(sleeper)) return;
        this.woken++;
        resolve(value);
      });
      this.startDriving();
    });
  }

  /**
   * Starts `task` as a concurrent "goroutine"; if it fails, the whole test fails. Returns the task's promise, for
   * a caller that waits for its result later (Go's WaitGroup or result channel).
   */
  go<T>(task: () => Promise<T>): Promise<T> {
    const promise = task();
    promise.catch((error: unknown) => {
      this.fail(error);
    });
    return promise;
  }

  /** Fails the test: every current and future sleeper rejects with `error` (the first failure wins). */
  fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    const sleepers = [...this.sleepers];
    this.sleepers.clear();
    for (const sleeper of sleepers) sleeper.reject(this.failure);
  }

  /** Stops the driver; sleepers never wake again (the test ended). */
  stop(): void {
    this.stopped = true;
    this.sleepers.clear();
  }

  private startDriving(): void {
    if (this.driving) return;
    this.driving = true;
    void this.drive();
  }

  private async drive(): Promise<void> {
    try {
      // Start on a later turn, never inside the sleep() that started the driver: code that runs on after that
      // call (starting more tasks, say) must not see time move under it.
      await new Promise((resolve) => setImmediate(resolve));
      while (!this.stopped && this.failure === undefined) {
        if (this.woken > 0) {
          this.woken = 0;
          // A macrotask boundary: every job the wake-up queued (and every job those queue) runs first.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        if (this.sleepers.size === 0) break; // Nobody waits on virtual time: idle until the next sleep().
        const next = this.sim.nextEventTime();
        if (next === undefined) {
          this.fail(new Error('deadlock: tasks are sleeping but nothing is scheduled'));
          break;
        }
        if (this.deadline !== undefined && next > this.deadline.atMs) {
          this.fail(this.deadline.error());
          break;
        }
        this.sim.step();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.driving = false;
    }
  }
}

interface Sleeper {
  resolve: () => void;
  reject: (error: Error) => void;
}
