import type { AppendEntries, Message, NodeId } from '../core/index.js';

/** How long an empty AppendEntries may wait for a fuller one to the same follower. */
export const EMPTY_APPEND_HOLD_MS = 2;

/**
 * Sits between a leader's Readies and its transport, and spares the followers one round trip per commit.
 *
 * When a leader's commit index moves, the core at once sends each follower an AppendEntries without entries that
 * only announces it. Under a steady load, the next proposals arrive a fraction of a millisecond later and go out
 * in an AppendEntries carrying the same commit index: the empty one cost both sides a socket write, a read, a
 * Ready and a reply for nothing. So an empty AppendEntries is held for up to EMPTY_APPEND_HOLD_MS; if an
 * AppendEntries with entries for the same follower, of the same term and at least the same commit index, comes
 * meanwhile, the empty one is dropped; otherwise it leaves (before any other message to that follower, keeping
 * their order), at the latest when the hold ends.
 *
 * Holding or dropping a message is what any network may do, so safety does not depend on it; and nothing waits
 * on the empty append's answer: in replicate state it occupies no slot of the inflight window, and a probe that is
 * held merely leaves a millisecond later.
 */
export class AppendCoalescer {
  private readonly held = new Map<NodeId, AppendEntries>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deliver: (message: Message) => void) {}

  /** Sends `message`, or holds it (see the class comment). */
  send(message: Message): void {
    const held = this.held.get(message.to);
    if (message.type === 'AppendEntries' && message.entries.length === 0) {
      // A later empty append to the same follower says all the earlier one did, and more recently.
      this.held.set(message.to, message);
      this.timer ??= setTimeout(this.release, EMPTY_APPEND_HOLD_MS);
      return;
    }
    if (held !== undefined) {
      this.held.delete(message.to);
      const supersedes =
        message.type === 'AppendEntries' &&
        message.term === held.term &&
        message.leaderCommit >= held.leaderCommit;
      if (!supersedes) this.deliver(held);
    }
    this.deliver(message);
  }

  /** Drops whatever is held (the member is stopping: as if the network lost it). */
  clear(): void {
    this.held.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly release = (): void => {
    this.timer = null;
    const held = [...this.held.values()];
    this.held.clear();
    for (const m of held) this.deliver(m);
  };
}
