import { EventQueue, type SimEvent } from './event-queue.js';
import { Prng } from './prng.js';

/** A handle to a scheduled event, for `cancel`. */
export type TimerHandle = SimEvent;

/**
 * A discrete-event simulator: a virtual clock in milliseconds and a queue of events. Nothing here reads the wall
 * clock; time moves only when `runFor`, `runUntil` or `step` run the events due. Same seed, same schedule: same
 * trace.
 */
export class Simulator {
  private readonly queue = new EventQueue();
  private clock = 0;
  private seq = 0;
  private observer: (() => void) | null = null;
  /** The root random stream; fork it once per independent consumer (network, each server, the tester). */
  readonly rand: Prng;

  constructor(seed: number) {
    this.rand = new Prng(seed);
  }

  /** Virtual milliseconds since the simulation began. */
  now(): number {
    return this.clock;
  }

  /** Runs `fn` after `delayMs` virtual milliseconds (0: after everything already due now). */
  schedule(delayMs: number, fn: () => void): TimerHandle {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new RangeError(`Simulator.schedule: delay must be a finite number >= 0, got ${delayMs}`);
    }
    const event: SimEvent = { at: this.clock + delayMs, seq: this.seq++, run: fn, cancelled: false };
    this.queue.push(event);
    return event;
  }

  /** Stops a scheduled event from running; cancelling one that already ran does nothing. */
  cancel(handle: TimerHandle): void {
    handle.cancelled = true;
  }

  /** The virtual time of the next live event, or undefined when nothing is scheduled. */
  nextEventTime(): number | undefined {
    this.dropCancelled();
    return this.queue.peek()?.at;
  }

  /**
   * Sets the function run after every event (null: none), so a checker can read the world between events, where
   * every state it sees is one the system really passed through. An observer that throws stops `step` as a
   * throwing event does.
   */
  setObserver(observer: (() => void) | null): void {
    this.observer = observer;
  }

  /** Runs the next live event, advancing the clock to its time. Returns false when the queue is empty. */
  step(): boolean {
    this.dropCancelled();
    const event = this.queue.pop();
    if (event === undefined) return false;
    this.clock = event.at;
    event.run();
    this.observer?.();
    return true;
  }

  /** Runs every event due within the next `ms` milliseconds, then sets the clock to now + ms. */
  runFor(ms: number): void {
    checkDuration('runFor', ms);
    const end = this.clock + ms;
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > end) break;
      this.step();
    }
    this.clock = end;
  }

  /**
   * Runs events until `predicate()` holds (checked before each event) or `limitMs` of virtual time pass.
   * Returns whether the predicate held.
   */
  runUntil(predicate: () => boolean, limitMs: number): boolean {
    checkDuration('runUntil', limitMs);
    const end = this.clock + limitMs;
    for (;;) {
      if (predicate()) return true;
      const next = this.nextEventTime();
      if (next === undefined || next > end) {
        this.clock = Math.max(this.clock, end);
        return predicate();
      }
      this.step();
    }
  }

  private dropCancelled(): void {
    for (let top = this.queue.peek(); top?.cancelled === true; top = this.queue.peek()) this.queue.pop();
  }
}

/** Time never runs backwards or by an unknown amount. */
function checkDuration(what: string, ms: number): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) {
    throw new RangeError(`Simulator.${what}: duration must be a finite number >= 0, got ${ms}`);
  }
}
