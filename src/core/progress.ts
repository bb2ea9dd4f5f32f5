import { Inflights, type Inflight } from './inflights.js';
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
  /** The outstanding probe: its prevLogIndex, its last entry's index (= prevLogIndex if empty) and entry bytes. */
  private probePrev = 0;
  private probeLast = 0;
  private probeBytes = 0;
  /** The tick the outstanding probe or snapshot chunk left. */
  sentAt = 0;
  /** Replicate state: the AppendEntries streamed and not yet acknowledged. */
  readonly inflights: Inflights;
  /**
   * Entries through here went out more than once, so an acknowledgement reaching no further may answer either
   * copy: it gives no round-trip sample (Karn's rule). Without it a reply to an old copy would pass for a reply to
   * the new one in a few ms, and the retransmit wait would collapse. -1: nothing went out twice.
   */
  private ambiguousTo = -1;
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
    // What is in flight may still be answered after the probe has resent it.
    this.ambiguousTo = Math.max(this.ambiguousTo, this.next - 1);
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

  /**
   * An AppendEntries after `prevLogIndex` carrying entries through `lastIndex` (`bytes` of them) left at tick
   * `now`; `resend` marks a probe repeating a lost one.
   */
  sentEntries(prevLogIndex: number, lastIndex: number, bytes: number, now: number, resend: boolean): void {
    if (this.state === 'replicate') {
      if (lastIndex >= this.next) {
        this.next = lastIndex + 1;
        this.inflights.add(prevLogIndex + 1, lastIndex, bytes, now);
      }
    } else {
      this.probeSent = true;
      this.probeResends = resend ? this.probeResends + 1 : 0;
      this.probePrev = prevLogIndex;
      this.probeLast = lastIndex;
      this.probeBytes = bytes;
      this.sentAt = now;
    }
  }

  /**
   * A success: the follower's log matches through `index`. Returns whether `match` grew. Frees the window either
   * way (a late or duplicated acknowledgement frees what it covers, and no more). A probe ends, and streaming
   * starts, once the follower is known to match at least where the probe starts: the probe itself, if not yet
   * answered, then counts as the first message in flight rather than being sent again.
   */
  acknowledge(index: number, now: number): boolean {
    if (this.state === 'replicate') {
      const sentAt = this.inflights.freeTo(index);
      if (sentAt !== undefined && index > this.ambiguousTo) this.timer.sample(now - sentAt);
    }
    const grew = index > this.match;
    if (grew) {
      this.match = index;
      this.next = Math.max(this.next, index + 1);
    }
    if (this.state === 'probe') {
      // An acknowledgement short of the outstanding probe's start (a stale one) says less than its answer will.
      if (this.probeSent && index < this.probePrev) return grew;
      const stillOut = this.probeSent && index < this.probeLast;
      const exact = this.probeSent && index === this.probeLast && this.probeResends === 0;
      if (exact && index > this.ambiguousTo) this.timer.sample(now - this.sentAt);
      const probe = {
        from: this.probePrev + 1,
        last: this.probeLast,
        bytes: this.probeBytes,
        sentAt: this.sentAt,
      };
      this.becomeReplicate();
      if (stillOut) {
        // The probe starts within what matches, so it will be taken: it is in flight, not to be sent again.
        this.inflights.add(probe.from, probe.last, probe.bytes, probe.sentAt);
        this.next = probe.last + 1;
      }
    }
    return grew;
  }

  /**
   * A rejection of an AppendEntries whose prevLogIndex was `rejected`, with the leader's computed backup point
   * `hint`. Returns whether anything changed; a stale rejection changes nothing.
   *
   * In replicate state nothing is backed up. Within a leader's term, a follower's log past `match` changes only
   * through this leader's messages, all in flight: a message refused above `match` overtook earlier ones that had
   * not arrived yet (or were lost, which their own loss report or the retransmit timer sees to). The follower
   * keeps such a message and takes it when the gap fills, so it is only marked: it goes again if it is still
   * unacknowledged once everything before it is (refusedToResend). A refused message no longer in flight was
   * acknowledged or superseded.
   *
   * In probe state only the outstanding probe's refusal counts; the next probe starts at the hint.
   */
  reject(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // The follower holds what matches through `match`: stale.
      const m = this.inflights.find(rejected + 1);
      if (m === undefined || m.refused) return false;
      m.refused = true;
      return true;
    }
    if (this.state !== 'probe' || rejected !== this.next - 1) return false;
    this.probeSent = false;
    this.probeResends = 0;
    // Never back up to or below what is known to match.
    this.next = Math.max(this.match + 1, Math.min(rejected, hint));
    return true;
  }

  /**
   * The refused message to send again now, if the oldest one in flight is refused: everything before it is
   * acknowledged, so the follower had what it needed and still did not take it.
   */
  refusedToResend(): Inflight | undefined {
    if (this.state !== 'replicate') return undefined;
    const oldest = this.inflights.oldest();
    return oldest?.refused === true ? oldest : undefined;
  }

  /**
   * The network reports the AppendEntries carrying entries `from` through `index` lost (or its answer lost).
   * Returns the message to send again: one in flight in the stream whose entries no later message carries. A lost
   * probe or snapshot chunk is left to the retransmit timer: to a follower that is down, loss reports come late
   * and would otherwise each start a chain of resends.
   */
  lost(from: number, index: number): Inflight | undefined {
    if (this.state !== 'replicate') return undefined;
    const m = this.inflights.find(from, index);
    if (m === undefined || this.inflights.coveredLater(m, this.match)) return undefined;
    return m;
  }

  /** The message in flight `m` went again at tick `now`: its acknowledgement may answer either copy. */
  resent(m: Inflight, now: number): void {
    m.sentAt = now;
    m.refused = false;
    this.ambiguousTo = Math.max(this.ambiguousTo, m.index);
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
