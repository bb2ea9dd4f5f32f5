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
   * Ticks to wait before resending. Round trips are measured in whole ticks, so a sample of 0 means "under a
   * tick": the wait is at least one tick past the estimate.
   */
  timeout(): number {
    if (this.srtt < 0) return this.maxTicks;
    return Math.min(this.maxTicks, Math.ceil(this.srtt + 4 * this.rttvar) + 1);
  }
}
