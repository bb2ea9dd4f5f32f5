/** One AppendEntries in flight: the last index it carries, its entry bytes, and the tick it left. */
interface Inflight {
  readonly index: number;
  readonly bytes: number;
  readonly sentAt: number;
}

/**
 * The AppendEntries a leader has streamed to one follower and not yet seen acknowledged (etcd's
 * `tracker/inflights.go`), oldest first. The window is bounded both in messages and in bytes, so a slow follower
 * cannot make the leader queue its whole log on the wire.
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

  /** Records a message carrying entries through `index` (indices only grow along the stream). */
  add(index: number, bytes: number, sentAt: number): void {
    this.queue.push({ index, bytes, sentAt });
    this.bytes += bytes;
  }

  /**
   * Frees every message whose entries are acknowledged by a match through `index`. Returns the tick the newest
   * freed message left, when it is exactly the one acknowledged (a clean round-trip sample), else undefined.
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
