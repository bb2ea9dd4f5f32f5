/** How reconnection attempts are spaced. */
export interface BackoffOptions {
  /** The delay before the first retry, in ms. */
  readonly initialMs: number;
  /** The cap on any delay, in ms. */
  readonly maxMs: number;
  /** A number in [0, 1): injected so that tests (and simulations) choose the jitter. */
  readonly random: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th delay is drawn from [d/2, d) with d = min(max, initial * 2^n).
 * The jitter keeps a cluster's members from redialing a restarted peer in lockstep; the floor of d/2 keeps a
 * dead peer from being hammered by an unlucky run of small draws.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs, got ${options.initialMs}, ${options.maxMs}`,
      );
    }
  }

  /** The next delay, in ms; each call doubles the base until it reaches the cap. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const r = Math.min(Math.max(this.options.random(), 0), 1);
    return Math.round(base / 2 + (r * base) / 2);
  }

  /** Back to the first delay: called once a connection is established. */
  reset(): void {
    this.attempt = 0;
  }
}
