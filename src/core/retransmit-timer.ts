/**
 * How long a leader waits for a follower's answer before it resends, learnt from the round trips it measures
 * (TCP's smoothed round-trip time and variance, RFC 6298, counted in ticks). On a fast link a lost message is
 * resent within a tick or two; on a slow or jittery one the wait grows, so slow answers do not cause duplicates.
 * The wait never exceeds `maxTicks`, and before any measurement it is `maxTicks`.
 */
export class RetransmitTimer {
  private srtt = -1;
  private rttvar = 0;

  constructor(private readonly maxTicks: number) {}

  /** Records a round trip of `ticks` for a message that was sent once (Karn: never for a resent one). */
  sample(ticks: number): void {
    if (this.srtt < 0) {
      this.srtt = ticks;
      this.rttvar = ticks / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ticks);
    this.srtt = 0.875 * this.srtt + 0.125 * ticks;
  }

  /**
   * Ticks to wait before resending: RFC 6298's SRTT + max(G, 4 * RTTVAR), G being the clock's granularity (one
   * tick), plus one tick more. Round trips are counted in whole ticks: a sample of 0 means "under a tick", and a
   * message sent just before a tick ends has already waited "one tick" a moment later. Without the granularity
   * term, a first sample of 0 (RTTVAR 0) made the wait one tick, and messages sent late in a tick were resent
   * within a millisecond, every tick.
   */
  timeout(): number {
    if (this.srtt < 0) return this.maxTicks;
    return Math.min(this.maxTicks, Math.ceil(this.srtt + Math.max(1, 4 * this.rttvar)) + 1);
  }
}
