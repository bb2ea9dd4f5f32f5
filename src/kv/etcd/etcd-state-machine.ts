import { KvError } from '../errors.js';
import { decodeCommand } from './command-codec.js';
import { staleSequence } from './errors.js';
import { EtcdStore } from './etcd-store.js';
import { decodeEtcdSnapshot, encodeEtcdSnapshot, type Session } from './snapshot-codec.js';
import type { EtcdCommand, EtcdFailure, RangeRequest, RangeResponse, WriteOutcome } from './types.js';

/** What applying one log entry did. */
export type EtcdApplied =
  /** A leader's no-op, or bytes that are not a command: nothing changed. */
  | { readonly kind: 'skipped' }
  /**
   * The command ran (`duplicate` false) or was a retry of its client's latest write, answered from the duplicate
   * table without running again (`duplicate` true).
   */
  | {
      readonly kind: 'applied';
      readonly command: EtcdCommand;
      readonly outcome: WriteOutcome;
      readonly duplicate: boolean;
    };

/**
 * The replicated etcd-style state machine: the store, the duplicate table and the index of the last log entry
 * applied. Pure and deterministic: every replica applying the same entries holds the same state.
 *
 * Exactly-once: a command carrying (clientId, seq) runs only if seq is newer than the client's latest; a retry of
 * the latest gets the recorded outcome, an older one is refused. Each client has one write outstanding at a time,
 * so one entry per client is enough; the table is part of the snapshot, so this holds across restarts.
 */
export class EtcdStateMachine {
  private readonly store = new EtcdStore();
  private sessions = new Map<string, Session>();
  private applied = 0;

  get appliedIndex(): number {
    return this.applied;
  }

  get revision(): number {
    return this.store.revision;
  }

  /** How many keys the store holds. */
  get size(): number {
    return this.store.size;
  }

  /** Applies the entry at `index`, which must be appliedIndex + 1; `entry` is its command bytes or null (no-op). */
  apply(index: number, entry: Uint8Array | null): EtcdApplied {
    if (index !== this.applied + 1) {
      throw new KvError(
        'KV_APPLY_OUT_OF_ORDER',
        `apply out of order: expected index ${this.applied + 1}, got ${index}`,
      );
    }
    this.applied = index;
    const command = entry === null ? null : decodeCommand(entry);
    if (command === null) return { kind: 'skipped' };
    const session = command.session;
    if (session !== null) {
      const last = this.sessions.get(session.clientId);
      if (last !== undefined && session.seq === last.seq) {
        return { kind: 'applied', command, outcome: last.outcome, duplicate: true };
      }
      if (last !== undefined && session.seq < last.seq) {
        const outcome: WriteOutcome = {
          ok: false,
          error: staleSequence(session.clientId, session.seq, last.seq),
        };
        return { kind: 'applied', command, outcome, duplicate: false };
      }
    }
    const outcome = this.store.write(command.write);
    if (session !== null) this.sessions.set(session.clientId, { ...session, outcome });
    return { kind: 'applied', command, outcome, duplicate: false };
  }

  /** A read of the local state (the caller decides whether it is linearizable: ReadIndex, or not: serializable). */
  range(request: RangeRequest): { ok: true; response: RangeResponse } | { ok: false; error: EtcdFailure } {
    return this.store.range(request);
  }

  /** The whole state as snapshot bytes, through appliedIndex. */
  snapshot(): Uint8Array {
    return encodeEtcdSnapshot({
      appliedIndex: this.applied,
      revision: this.store.revision,
      kvs: this.store.all(),
      sessions: [...this.sessions.values()],
    });
  }

  /** Replaces the state with a snapshot's; corrupt bytes throw CorruptSnapshotError and change nothing. */
  restore(bytes: Uint8Array): void {
    const snapshot = decodeEtcdSnapshot(bytes);
    this.store.load(snapshot.revision, snapshot.kvs);
    this.sessions = new Map(snapshot.sessions.map((s) => [s.clientId, s]));
    this.applied = snapshot.appliedIndex;
  }
}
