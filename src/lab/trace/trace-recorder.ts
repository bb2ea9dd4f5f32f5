import { TRACE_FORMAT, TRACE_VERSION, type TraceEventBody, type TraceHeader } from './trace-event.js';

/** What a traced world says about itself when it begins. */
export interface TracedWorld {
  readonly servers: number;
  readonly unreliable: boolean;
  readonly snapshot: boolean;
}

/**
 * Records one run as trace lines (see trace-event.ts). Recording is opt-in: the lab world holds a
 * `TraceRecorder | null` and calls it as `trace?.emit({...})`, so with no recorder the event object is never even
 * built. The recorder reads the time from the simulator it is attached to and nothing else, so the same seed
 * gives the same trace, byte for byte.
 */
export class TraceRecorder {
  private readonly lines: string[] = [];
  private clock: () => number = () => 0;
  private world: TracedWorld = { servers: 0, unreliable: false, snapshot: false };
  private steps = 0;
  private failed = false;

  constructor(
    readonly test: string,
    readonly seed: number,
  ) {}

  /** Called by the tester's config when it builds its world: the clock to stamp events with, and its shape. */
  attach(clock: () => number, world: TracedWorld): void {
    this.clock = clock;
    this.world = world;
  }

  /** Records one event at the current virtual time. */
  emit(event: TraceEventBody): void {
    // `t` first, then the event's own fields in the order written: one stable layout per kind.
    this.lines.push(JSON.stringify({ t: this.clock(), ...event }));
  }

  /** Opens a tester step; returns its id for `endStep`. */
  beginStep(op: string, args: string): number {
    const step = ++this.steps;
    this.emit({ k: 'begin', step, op, args });
    return step;
  }

  /** Closes a step opened by `beginStep` (nothing if `step` is undefined: the trace was off when it began). */
  endStep(step: number | undefined, result: string): void {
    if (step !== undefined) this.emit({ k: 'end', step, result });
  }

  /** A failed tester check. Only the first counts: later ones are echoes of the test unwinding. */
  fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.emit({ k: 'fail', message });
  }

  /** How many events so far. */
  get size(): number {
    return this.lines.length;
  }

  /** The whole trace: header, events, and a last `result` line. */
  finish(passed: boolean, message: string): string {
    if (!passed && !this.failed) this.fail(message); // A crash rather than a check: still the failure.
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      test: this.test,
      seed: this.seed,
      ...this.world,
    };
    const result = JSON.stringify({ t: this.clock(), k: 'result', passed, message });
    return `${JSON.stringify(header)}\n${this.lines.join('\n')}${this.lines.length > 0 ? '\n' : ''}${result}\n`;
  }
}
