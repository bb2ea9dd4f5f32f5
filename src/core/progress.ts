import { Inflights } from './inflights.js';
import { RetransmitTimer } from './retransmit-timer.js';

/**
 * How a leader sends to one follower (etcd's `tracker/progress.go`):
 * - `probe`: the follower's log position is unknown. One AppendEntries at a time; the next waits for its answer
 *   (or for the retransmit timer, if it was lost).
 * - `replicate`: the follower's log is known to match through `match`. Entries stream optimistically (`next` moves
 *   on as they are sent), within the inflight window.
 * - `snapshot`: the follower needs entries the leader has compacted away. Snapshot chunks go one at a time and
 *   nothing else but heartbeats, until the follower reports the snapshot installed.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The snapshot a follower in `snapshot` state is being sent, and how far the transfer has come. */
export interface SnapshotTransfer {
  readonly index: number;
  readonly term: number;
  /** Bytes the follower has acknowledged holding, in order: the next chunk starts here. */
  offset: number;
  /** Consecutive chunks resent without an answer (backs the resend timer off). */
  retries: number;
}

/** What a leader knows of one follower (Figure 2, "Volatile state on leaders", plus flow control). */
export class Progress {
  /** Highest index known to be replicated on the follower (Figure 2: matchIndex). */
  match = 0;
  /** Index of the next entry to send (Figure 2: nextIndex). Invariant: match < next. */
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: an AppendEntries awaits its answer, so no other goes. */
  probeSent = false;
  /** Probes resent in a row without an answer; the answer to a resent one is no clean round-trip sample (Karn). */
  probeResends = 0;
  /** The tick the outstanding probe or snapshot chunk left. */
  sentAt = 0;
  /** Replicate state: the AppendEntries streamed and not yet acknowledged. */
  readonly inflights: Inflights;
  /** Snapshot state: the transfer under way. */
  snapshot: SnapshotTransfer | null = null;
  /** The highest commit index this follower has been sent. */
  sentCommit = 0;
  /** Ticks since the leader last sent this follower a heartbeat. */
  heartbeatElapsed = 0;
  /** The follower answered during the current check-quorum window (none has yet when a leader takes over). */
  recentActive = false;
  /** The tick this follower last answered (any answer; a vote for this leader counts); -Infinity: never. */
  lastHeardAt: number;
  /** The latest ReadIndex round this follower confirmed in the leader's term. */
  readAck = 0;
  readonly timer: RetransmitTimer;

  constructor(
    lastIndex: number,
    heardAt: number,
    limits: { maxInflightMessages: number; maxInflightBytes: number; retransmitTicks: number },
  ) {
    // Figure 2: nextIndex is initialized to the leader's last log index + 1.
    this.next = lastIndex + 1;
    this.lastHeardAt = heardAt;
    this.inflights = new Inflights(limits.maxInflightMessages, limits.maxInflightBytes);
    this.timer = new RetransmitTimer(limits.retransmitTicks);
  }

  /** The follower answered at tick `now`. */
  heard(now: number): void {
    this.recentActive = true;
    this.lastHeardAt = now;
  }

  /** Nothing more may be sent now (a heartbeat always may). */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Back to probing from just past what is known to match: after a rejection, a loss, or a snapshot. */
  becomeProbe(): void {
    const snapshotIndex = this.state === 'snapshot' && this.snapshot !== null ? this.snapshot.index : 0;
    this.state = 'probe';
    this.probeSent = false;
    this.probeResends = 0;
    this.snapshot = null;
    this.inflights.reset();
    this.next = Math.max(this.match + 1, snapshotIndex + 1);
  }

  /** A probe succeeded: the follower matches through `match`; stream from there. */
  becomeReplicate(): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.inflights.reset();
    this.next = this.match + 1;
  }

  /** The follower needs the snapshot through (index, term); nothing but its chunks goes until it is installed. */
  becomeSnapshot(index: number, term: number): SnapshotTransfer {
    this.state = 'snapshot';
    this.probeSent = false;
    this.inflights.reset();
    this.snapshot = { index, term, offset: 0, retries: 0 };
    return this.snapshot;
  }

  /** An AppendEntries carrying entries through `lastIndex` (`bytes` of them) left at tick `now`. */
  sentEntries(lastIndex: number, bytes: number, now: number, resend: boolean): void {
    if (this.state === 'replicate') {
      if (lastIndex >= this.next) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes, now);
      }
    } else {
      this.probeSent = true;
      this.probeResends = resend ? this.probeResends + 1 : 0;
      this.sentAt = now;
    }
  }

  /**
   * A success: the follower's log matches through `index`. Returns whether `match` grew. Frees the window either
   * way (a late or duplicated acknowledgement frees what it covers, and no more).
   */
  acknowledge(index: number, now: number): boolean {
    if (this.state === 'replicate') {
      const sentAt = this.inflights.freeTo(index);
      if (sentAt !== undefined) this.timer.sample(now - sentAt);
    } else if (this.state === 'probe' && this.probeSent && index >= this.next - 1) {
      // The answer to the outstanding probe (a probe's acknowledgement covers at least its prevLogIndex).
      if (this.probeResends === 0) this.timer.sample(now - this.sentAt);
      this.probeSent = false;
      this.probeResends = 0;
    }
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    return true;
  }

  /**
   * A rejection of an AppendEntries whose prevLogIndex was `rejected`, with the leader's computed backup point
   * `hint`. Returns false for a stale rejection, which changes nothing: in replicate state one at or below what
   * is known to match; in probe state one about another probe than the outstanding one.
   */
  reject(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
    } else if (this.state === 'probe') {
      if (rejected !== this.next - 1) return false;
      this.probeSent = false;
      this.probeResends = 0;
    } else {
      return false;
    }
    // Never back up to or below what is known to match.
    this.next = Math.max(this.match + 1, Math.min(rejected, hint));
    return true;
  }

  /**
   * Whether what was sent is overdue at tick `now`: the probe's answer, or the oldest streamed message's. The
   * caller falls back to probing and resends.
   */
  overdue(now: number): boolean {
    // No backoff (unlike RFC 6298 5.5): resends after the first are small, and a follower silent for an election
    // timeout is presumed down and left to the heartbeat pace (raft-node.ts). Until then, what matters is that the
    // first message after a brief outage goes at once.
    const timeout = this.timer.timeout();
    if (this.state === 'probe') return this.probeSent && now - this.sentAt >= timeout;
    if (this.state === 'replicate') {
      const oldest = this.inflights.oldestSentAt();
      return oldest !== undefined && now - oldest >= timeout;
    }
    return false;
  }
}
