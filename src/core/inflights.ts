/** One AppendEntries in flight: the entries it carries (`from` through `index`), their bytes, and when it left. */
export interface Inflight {
  readonly from: number;
  readonly index: number;
  readonly bytes: number;
  /** The tick it last left (it may have been sent again). */
  sentAt: number;
  /** The follower refused it: it arrived before the entries ahead of it. It goes again once they are taken. */
  refused: boolean;
}

/**
 * The AppendEntries a leader has streamed to one follower and not yet seen acknowledged (etcd's
 * `tracker/inflights.go`), oldest first. The window is bounded both in messages and in bytes, so a slow follower
 * cannot make the leader queue its whole log on the wire. Each message ends past the one before it; it starts just
 * after it, or earlier when it carries unacknowledged entries again (RaftConfig.resendUnacknowledged).
 */
export class Inflights {
  private queue: Inflight[] = [];
  private head = 0;
  /** Entry bytes in flight. */
  bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  /** Messages in flight. */
  get count(): number {
    return this.queue.length - this.head;
  }

  /** Whether the window admits no further message. */
  full(): boolean {
    return this.count >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  /** Records a message carrying entries `from` through `index` (indices only grow along the stream). */
  add(from: number, index: number, bytes: number, sentAt: number): void {
    this.queue.push({ from, index, bytes, sentAt, refused: false });
    this.bytes += bytes;
  }

  /**
   * Frees every message whose entries are acknowledged by a match through `index`. Returns the tick the newest
   * freed message left, when it is exactly the one acknowledged (a round-trip sample), else undefined.
   */
  freeTo(index: number): number | undefined {
    let sample: number | undefined;
    while (this.head < this.queue.length) {
      const first = this.queue[this.head] as Inflight;
      if (first.index > index) break;
      sample = first.index === index ? first.sentAt : undefined;
      this.bytes -= first.bytes;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return sample;
  }

  /**
   * The oldest message in flight whose entries start at `from` (and end at `index`, if given). Messages may
   * overlap (RaftConfig.resendUnacknowledged), so several can start at one index.
   */
  find(from: number, index?: number): Inflight | undefined {
    for (let k = this.head; k < this.queue.length; k++) {
      const m = this.queue[k] as Inflight;
      if (m.from === from && (index === undefined || m.index === index)) return m;
    }
    return undefined;
  }

  /**
   * Whether a message sent after `m` carries all of m's entries past `match` (the follower's acknowledged
   * position), so that m's loss costs nothing.
   */
  coveredLater(m: Inflight, match: number): boolean {
    const needed = Math.max(m.from, match + 1);
    for (let k = this.queue.length - 1; k >= this.head; k--) {
      const later = this.queue[k] as Inflight;
      if (later === m) return false;
      if (later.from <= needed && later.index >= m.index) return true;
    }
    return false;
  }

  /** The oldest message not yet acknowledged, if any. */
  oldest(): Inflight | undefined {
    return this.queue[this.head];
  }

  /** The tick the oldest unacknowledged message left, if any is in flight. */
  oldestSentAt(): number | undefined {
    return this.queue[this.head]?.sentAt;
  }

  reset(): void {
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
  }
}
