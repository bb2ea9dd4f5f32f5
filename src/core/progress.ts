/**
 * What a leader knows of one follower (Figure 2, "Volatile state on leaders", plus flow control).
 *
 * Flow control: at most one AppendEntries or InstallSnapshot is outstanding per follower. New entries wait while
 * one is in flight and go out together, batched, when its reply arrives. A heartbeat goes out regardless, and so
 * doubles as the retransmission of a lost message.
 */
export class Progress {
  /** Highest index known to be replicated on the follower (Figure 2: matchIndex). */
  match = 0;
  /** Index of the next entry to send (Figure 2: nextIndex). */
  next: number;
  /** A message to this follower awaits its reply. */
  inflight = false;
  /** The highest commit index this follower has been sent. */
  sentCommit = 0;
  /** Ticks since the leader last sent this follower anything (drives heartbeats). */
  idleTicks = 0;
  /** The follower answered during the current check-quorum window (none has yet when a leader takes over). */
  recentActive = false;

  constructor(lastIndex: number) {
    // Figure 2: nextIndex is initialized to the leader's last log index + 1.
    this.next = lastIndex + 1;
  }

  /** Records a success: the follower's log matches through `index`. Returns whether `match` grew. */
  acknowledge(index: number): boolean {
    this.inflight = false;
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    return true;
  }

  /** Moves `next` back after a rejection, never to or below what is known to match. */
  backUpTo(next: number): void {
    this.inflight = false;
    this.next = Math.max(this.match + 1, next);
  }
}
