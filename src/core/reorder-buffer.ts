import type { AppendEntries } from './messages.js';

/**
 * A follower's AppendEntries that arrived ahead of their predecessors: its log ended before their prevLogIndex,
 * so it refused them (Figure 2, AppendEntries rule 2). They are kept here and taken once the entries before them
 * arrive, instead of the leader having to send them again.
 *
 * A leader streams several AppendEntries without waiting for each answer. Over TCP they arrive in order; over a
 * network that reorders (the lab's labrpc delays each call 0-26 ms) the second of two messages sent a few ms apart
 * often arrives first. Refused and resent, every such message would cost the leader a second send and its entries
 * a second trip.
 *
 * Taking a kept message later is what would have happened had the network delayed it until after its
 * predecessor: it is checked against the log as if it had just arrived, and refused (dropped) if it no longer
 * fits. Its refusal has been answered already; the acknowledgement of the message that filled the gap covers its
 * entries too. Only messages of one term are kept (a new term's leader makes them stale), and at most
 * `maxMessages` of them, so a leader far ahead, or a hostile peer, cannot grow it.
 */
export class ReorderBuffer {
  /** Kept messages of term `term`, by prevLogIndex ascending, one per prevLogIndex. */
  private kept: AppendEntries[] = [];
  private term = 0;

  constructor(private readonly maxMessages: number) {}

  /** Messages kept. */
  get size(): number {
    return this.kept.length;
  }

  /** Keeps `m`, refused for starting past the log's end. A later message with the same start replaces it. */
  keep(m: AppendEntries): void {
    if (m.term !== this.term) {
      this.kept = [];
      this.term = m.term;
    }
    const at = this.kept.findIndex((k) => k.prevLogIndex >= m.prevLogIndex);
    if (at !== -1 && (this.kept[at] as AppendEntries).prevLogIndex === m.prevLogIndex) {
      this.kept[at] = m;
      return;
    }
    if (this.kept.length >= this.maxMessages) {
      // Full: keep the messages nearest the log's end, which will be needed first.
      if (at === -1) return;
      this.kept.pop();
    }
    this.kept.splice(at === -1 ? this.kept.length : at, 0, m);
  }

  /**
   * Removes and returns the oldest kept message of `term` that now connects to a log ending at `lastIndex`
   * (its prevLogIndex is within the log), if any. Messages of another term are dropped.
   */
  takeConnected(term: number, lastIndex: number): AppendEntries | undefined {
    if (term !== this.term) {
      this.clear();
      return undefined;
    }
    const first = this.kept[0];
    if (first === undefined || first.prevLogIndex > lastIndex) return undefined;
    this.kept.shift();
    return first;
  }

  clear(): void {
    this.kept = [];
  }
}
