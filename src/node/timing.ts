/**
 * Wall-clock timing of a member: how long a core tick lasts, and the core's timeouts in ticks.
 *
 * The defaults aim at a new leader within about a second of a leader's crash on a loaded machine. A 50 ms tick is
 * coarse enough that a member costs nothing idle (20 timer callbacks a second) yet fine enough for the timeouts
 * below. Heartbeats every 2 ticks (100 ms) leave 5-10 heartbeats per election timeout, so a few late or lost ones
 * (a GC pause, a busy event loop on a shared 2-core machine) never depose a healthy leader. Election timeouts of
 * 10-20 ticks (0.5-1 s) are randomized over a range as wide as the minimum, so split votes are rare; after a
 * crash the first follower times out 0.5-1 s later and pre-vote plus vote take a few round trips of loopback:
 * a new leader in about 0.5-1.1 s.
 */
export interface MemberTiming {
  /** Milliseconds per core tick. */
  readonly tickMs: number;
  /** A leader sends each follower something at least this often (ticks). */
  readonly heartbeatTicks: number;
  /** Election timeouts are drawn from [min, max) ticks. */
  readonly electionTicks: { readonly min: number; readonly max: number };
}

/** The defaults (see MemberTiming for why). */
export const DEFAULT_TIMING: MemberTiming = {
  tickMs: 50,
  heartbeatTicks: 2,
  electionTicks: { min: 10, max: 20 },
};
