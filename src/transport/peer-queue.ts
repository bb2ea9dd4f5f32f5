/** The bounds of one peer's outbound queue. */
export interface QueueLimits {
  /** At most this many frames wait. */
  readonly maxMessages: number;
  /** At most this many bytes of frames wait. */
  readonly maxBytes: number;
}

/**
 * The frames waiting for one peer, bounded in count and bytes so that a dead or slow peer cannot grow memory.
 *
 * When full it drops the **oldest** frames. Raft tolerates loss anywhere, and what waited longest is what is most
 * likely obsolete once the peer is back: heartbeats and AppendEntries carrying an older commit index, votes of an
 * older term. Dropping the newest instead would deliver a stale burst first and lose the message that reflects
 * the sender's current state. A gap left in a run of AppendEntries is repaired by the follower's conflict reply.
 */
export class PeerQueue {
  private frames: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  /** Frames dropped because the queue was full, over its lifetime. */
  dropped = 0;

  constructor(private readonly limits: QueueLimits) {
    if (!(limits.maxMessages >= 1) || !(limits.maxBytes >= 1)) {
      throw new RangeError('queue limits must be at least 1');
    }
  }

  /** Frames waiting. */
  get length(): number {
    return this.frames.length - this.head;
  }

  /** Bytes waiting. */
  get byteLength(): number {
    return this.bytes;
  }

  /**
   * Appends a frame, dropping the oldest until it fits; returns how many were dropped. A frame larger than the
   * whole byte budget is dropped itself (counted), since it could never fit.
   */
  push(frame: Uint8Array): number {
    if (frame.length > this.limits.maxBytes) {
      this.dropped++;
      return 1;
    }
    let dropped = 0;
    while (
      this.length > 0 &&
      (this.length + 1 > this.limits.maxMessages || this.bytes + frame.length > this.limits.maxBytes)
    ) {
      this.shift();
      dropped++;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    this.dropped += dropped;
    return dropped;
  }

  /** Removes and returns the oldest frame. */
  shift(): Uint8Array | undefined {
    if (this.head >= this.frames.length) return undefined;
    const frame = this.frames[this.head];
    this.frames[this.head] = EMPTY;
    this.head++;
    if (frame !== undefined) this.bytes -= frame.length;
    // Compact now and then: amortised O(1) per frame, and the array does not keep dropped slots forever.
    if (this.head >= 1024 && this.head * 2 >= this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Drops everything (not counted as drops: the owner is stopping). */
  clear(): void {
    this.frames = [];
    this.head = 0;
    this.bytes = 0;
  }
}

const EMPTY = new Uint8Array(0);
