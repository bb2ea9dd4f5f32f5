import type { Entry, Snapshot } from '../core/index.js';
import { MemberError } from './errors.js';

/** What the state machine receives, in log order: a committed entry, or a snapshot to load instead of a prefix. */
export type Committed =
  | {
      readonly type: 'entry';
      readonly index: number;
      readonly term: number;
      /** The proposed bytes, or null for a leader's no-op (apply nothing, but count the index). */
      readonly command: Uint8Array | null;
    }
  | { readonly type: 'snapshot'; readonly index: number; readonly term: number; readonly data: Uint8Array };

/** A committed entry as the state machine sees it (the storage layer guarantees bytes or null). */
export function committedEntry(entry: Entry): Committed {
  const command = entry.command instanceof Uint8Array ? entry.command : null;
  return { type: 'entry', index: entry.index, term: entry.term, command };
}

/** A snapshot from the leader, for the state machine to load. */
export function committedSnapshot(snapshot: Snapshot): Committed {
  return { type: 'snapshot', index: snapshot.index, term: snapshot.term, data: snapshot.data };
}

/**
 * The single-consumer queue between a member and its state machine. Items are kept from the member's start, so a
 * consumer that subscribes a little late misses nothing (the core holds the same entries in its log anyway); once
 * the member stops, the iterator ends (or throws the reason, if the stop was a failure).
 */
export class CommittedQueue {
  private items: Committed[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private ended = false;
  private failure: Error | null = null;
  private subscribed = false;

  push(item: Committed): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  /** No more items: a consumer drains what is queued, then its loop ends, or throws `failure` if given. */
  end(failure: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.wake();
  }

  /** The one iterator over the queue; a second call throws, as two state machines would each miss items. */
  iterate(): AsyncIterable<Committed> {
    if (this.subscribed) {
      throw new MemberError('MEMBER_BAD_CONFIG', 'committed() may be iterated by one consumer only');
    }
    this.subscribed = true;
    return { [Symbol.asyncIterator]: () => this.iterator() };
  }

  /**
   * A hand-written iterator rather than an async generator: every entry a member commits passes through here, and
   * a generator's `yield` costs several promise turns per item where this costs one resolved promise.
   */
  private iterator(): AsyncIterator<Committed> {
    const next = (): Promise<IteratorResult<Committed>> => {
      if (this.head < this.items.length) {
        const item = this.items[this.head] as Committed;
        this.head++;
        // Release consumed items now and then, so a long-running member's queue does not keep its whole history.
        if (this.head >= 1024 && this.head * 2 >= this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        return Promise.resolve({ value: item, done: false });
      }
      if (this.ended) {
        return this.failure === null
          ? Promise.resolve({ value: undefined, done: true })
          : Promise.reject(this.failure);
      }
      return new Promise<void>((resolve) => {
        this.waiter = resolve;
      }).then(next);
    };
    return { next };
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
