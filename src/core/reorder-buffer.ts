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
 * entries too. Only messages of one term are kept (a new term's leader makes them stale), at most `maxMessages`
 * of them and `maxBytes` of their entries, so a leader far ahead, or a hostile peer, cannot grow it.
 */
export class ReorderBuffer {
  /** Kept messages of term `term`, by prevLogIndex ascending, one per prevLogIndex. */
  private kept: AppendEntries[] = [];
  private term = 0;
  private bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
    private readonly entryBytes: (m: AppendEntries) => number,
  ) {}

  /** Messages kept. */
  get size(): number {
    return this.kept.length;
  }

  /** Keeps `m`, refused for starting past the log's end. A later message with the same start replaces it. */
  keep(m: AppendEntries): void {
    if (m.term !== this.term) {
      this.clear();
      this.term = m.term;
    }
    const size = this.entryBytes(m);
    if (size > this.maxBytes) return;
    const at = this.kept.findIndex((k) => k.prevLogIndex >= m.prevLogIndex);
    if (at !== -1 && (this.kept[at] as AppendEntries).prevLogIndex === m.prevLogIndex) {
      this.bytes -= this.entryBytes(this.kept[at] as AppendEntries);
      this.kept.splice(at, 1);
    }
    const position = this.kept.findIndex((k) => k.prevLogIndex > m.prevLogIndex);
    this.kept.splice(position === -1 ? this.kept.length : position, 0, m);
    this.bytes += size;
    // Over the bounds: drop the messages furthest from the log's end; those nearest will be needed first.
    while (this.kept.length > this.maxMessages || this.bytes > this.maxBytes) {
      this.bytes -= this.entryBytes(this.kept.pop() as AppendEntries);
    }
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
    this.bytes -= this.entryBytes(first);
    return first;
  }

  clear(): void {
    this.kept = [];
    this.bytes = 0;
  }
}
