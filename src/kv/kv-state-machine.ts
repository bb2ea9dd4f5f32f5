import { parseCommand } from './command.js';
import { DedupTable } from './dedup-table.js';
import { KvError } from './errors.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import type { ApplyOutcome, KvOp, KvReply } from './types.js';

/**
 * The replicated key/value state machine: the store, the duplicate table, and the index of the last log entry
 * applied. Every replica applies the same entries in the same order and so holds the same state; nothing here
 * knows about Raft, the network or the clock, so the lab servers and the real service share it.
 *
 * Exactly-once: a write (put, append, delete) runs only if its sequence number is newer than its client's last
 * applied write; a retry of that last write gets the recorded reply. Gets are not recorded: running a read
 * again changes nothing, and a retried get can only reach the log while its client still waits, so its answer
 * is still a value the store held during the call. That keeps one small entry per client (and small snapshots).
 */
export class KvStateMachine {
  private store = new Map<string, string>();
  private dedup = new DedupTable();
  private applied = 0;

  /** The index of the last log entry applied (or included in the snapshot restored). */
  get appliedIndex(): number {
    return this.applied;
  }

  /**
   * Applies the log entry at `index`, which must be the next one (appliedIndex + 1): entries are applied in order
   * and exactly once, or the replicas would diverge. A malformed entry is skipped (status 'invalid'), the same way
   * on every replica.
   */
  apply(index: number, entry: unknown): ApplyOutcome {
    if (index !== this.applied + 1) {
      throw new KvError(
        'KV_APPLY_OUT_OF_ORDER',
        `apply out of order: expected index ${this.applied + 1}, got ${index}`,
      );
    }
    this.applied = index;
    // A leader's election no-op: not a client's command, so the duplicate table never hears of it.
    if (entry === null) return { status: 'noop' };
    const parsed = parseCommand(entry);
    if (!parsed.ok) return { status: 'invalid', reason: parsed.reason };
    const { clientId, seq, op } = parsed.command;
    if (op.op === 'get') {
      // A get older than its client's last write was answered long ago; nobody waits for it.
      if (this.dedup.check(clientId, seq).kind === 'stale') return { status: 'stale' };
      return { status: 'applied', reply: this.read(op.key) };
    }
    const verdict = this.dedup.check(clientId, seq);
    if (verdict.kind === 'duplicate') return { status: 'duplicate', reply: verdict.reply };
    if (verdict.kind === 'stale') return { status: 'stale' };
    const reply = this.write(op);
    this.dedup.record(clientId, seq, reply);
    return { status: 'applied', reply };
  }

  /**
   * Reads `key` without going through the log: for a read path that has confirmed by other means (ReadIndex)
   * that this replica has applied everything committed before the read arrived.
   */
  read(key: string): KvReply {
    const value = this.store.get(key);
    return value === undefined ? { err: 'ErrNoKey', value: '' } : { err: 'OK', value };
  }

  /** The number of keys stored. */
  get size(): number {
    return this.store.size;
  }

  /** The number of clients in the duplicate table. */
  get clients(): number {
    return this.dedup.size;
  }

  /** The whole state through appliedIndex as bytes: the same state gives the same bytes. */
  snapshot(): Uint8Array {
    return encodeSnapshot({ appliedIndex: this.applied, store: this.store, dedup: this.dedup.entries() });
  }

  /**
   * Replaces the whole state by a snapshot's. Throws CorruptSnapshotError for bytes that do not decode, and then
   * keeps the state it had.
   */
  restore(bytes: Uint8Array): void {
    const decoded = decodeSnapshot(bytes);
    const dedup = new DedupTable();
    for (const entry of decoded.dedup) dedup.record(entry.clientId, entry.seq, entry.reply);
    this.store = new Map(decoded.store);
    this.dedup = dedup;
    this.applied = decoded.appliedIndex;
  }

  /** A state machine holding a snapshot's state. */
  static fromSnapshot(bytes: Uint8Array): KvStateMachine {
    const sm = new KvStateMachine();
    sm.restore(bytes);
    return sm;
  }

  private write(op: Exclude<KvOp, { op: 'get' }>): KvReply {
    switch (op.op) {
      case 'put':
        this.store.set(op.key, op.value);
        return { err: 'OK', value: '' };
      case 'append':
        this.store.set(op.key, (this.store.get(op.key) ?? '') + op.value);
        return { err: 'OK', value: '' };
      case 'delete':
        return { err: this.store.delete(op.key) ? 'OK' : 'ErrNoKey', value: '' };
    }
  }
}
