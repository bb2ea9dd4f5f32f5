/** A linearizable read that leadership confirmation will release (thesis 6.4). */
interface PendingRead {
  readonly context: unknown;
  /** The commit index when the read arrived: the state machine must have applied this far before serving it. */
  readonly index: number;
  /** The heartbeat round whose confirmation by a quorum releases it. */
  readonly round: number;
}

/** A read that may be served: once the state machine has applied `index`, it answers `context`. */
export interface ReadState {
  readonly context: unknown;
  readonly index: number;
}

/**
 * A leader's ReadIndex queue. Each read joins a heartbeat round; a round is confirmed once a quorum has answered
 * a heartbeat of that round or a later one in the leader's term, which proves nobody deposed the leader before the
 * read arrived. Rounds confirm in order, so reads leave in the order they came.
 */
export class ReadIndexQueue {
  /** The latest round opened; heartbeats carry it. */
  round = 0;
  /** The latest round has not been sent yet: further reads join it instead of opening another. */
  private roundUnsent = false;
  private pending: PendingRead[] = [];
  private head = 0;

  /** Queues a read at `index`. Returns whether it opened a new round, whose heartbeats must now be sent. */
  add(context: unknown, index: number): boolean {
    const opened = !this.roundUnsent;
    if (opened) {
      this.round++;
      this.roundUnsent = true;
    }
    this.pending.push({ context, index, round: this.round });
    return opened;
  }

  /** The latest round's heartbeats have gone out (to the driver): a new read needs a new round. */
  sent(): void {
    this.roundUnsent = false;
  }

  /** Releases, in order, the reads of every round that `isConfirmed` accepts. */
  release(isConfirmed: (round: number) => boolean): ReadState[] {
    const out: ReadState[] = [];
    while (this.head < this.pending.length) {
      const read = this.pending[this.head] as PendingRead;
      if (!isConfirmed(read.round)) break;
      out.push({ context: read.context, index: read.index });
      this.head++;
    }
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
    }
    return out;
  }

  /** Drops every waiting read (leadership is lost); returns their contexts so the driver can fail them. */
  drop(): unknown[] {
    const dropped = this.pending.slice(this.head).map((r) => r.context);
    this.pending = [];
    this.head = 0;
    this.roundUnsent = false;
    return dropped;
  }
}
