import { KvError } from '../errors.js';
import { decodeCommand } from './command-codec.js';
import { staleSequence } from './errors.js';
import { EtcdStore } from './etcd-store.js';
import { decodeEtcdSnapshot, encodeEtcdSnapshot, type EtcdSnapshot, type Session } from './snapshot-codec.js';
import type { EtcdCommand, EtcdFailure, RangeRequest, RangeResponse, WriteOutcome } from './types.js';

/** How many clients' latest writes the duplicate table keeps by default. */
export const DEFAULT_MAX_SESSIONS = 100_000;

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
 *
 * The table holds at most `maxSessions` clients (every member must use the same bound: it is part of the state
 * machine's rules). Beyond it the least recently active client is forgotten, deterministically, by log order
 * (the Raft thesis, 6.3, expires sessions the same way). Its retry would then run again: a client would have to
 * stay silent while `maxSessions` other clients write, with a write's answer lost, for that to happen.
 */
export class EtcdStateMachine {
  private readonly store = new EtcdStore();
  /** In order of activity, least recent first (a Map keeps insertion order). */
  private sessions = new Map<string, Session>();
  private applied = 0;

  constructor(private readonly maxSessions = DEFAULT_MAX_SESSIONS) {}

  /** How many clients the duplicate table holds. */
  get sessionCount(): number {
    return this.sessions.size;
  }

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
        this.remember({ ...last, lastIndex: index });
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
    if (session !== null) this.remember({ ...session, outcome, lastIndex: index });
    return { kind: 'applied', command, outcome, duplicate: false };
  }

  /** Records a client's activity as the most recent, forgetting the least recent client beyond the bound. */
  private remember(session: Session): void {
    this.sessions.delete(session.clientId);
    this.sessions.set(session.clientId, session);
    this.forgetBeyondBound();
  }

  /** Forgets the least recently active clients until the table is within maxSessions. */
  private forgetBeyondBound(): void {
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  /** A read of the local state (the caller decides whether it is linearizable: ReadIndex, or not: serializable). */
  range(request: RangeRequest): { ok: true; response: RangeResponse } | { ok: false; error: EtcdFailure } {
    return this.store.range(request);
  }

  /** The whole state as snapshot bytes, through appliedIndex. */
  snapshot(): Uint8Array {
    return encodeEtcdSnapshot(this.snapshotState());
  }

  /**
   * The whole state through appliedIndex, as a view that later applies do not change (they replace stored
   * values and sessions, never modify them), to be encoded a step at a time (encodeEtcdSnapshotSteps).
   */
  snapshotState(): EtcdSnapshot {
    return {
      appliedIndex: this.applied,
      revision: this.store.revision,
      kvs: this.store.all(),
      sessions: [...this.sessions.values()],
    };
  }

  /** Replaces the state with a snapshot's; corrupt bytes throw CorruptSnapshotError and change nothing. */
  restore(bytes: Uint8Array): void {
    const snapshot = decodeEtcdSnapshot(bytes);
    this.store.load(snapshot.revision, snapshot.kvs);
    // The snapshot lists them least recent first, which is the order the table keeps.
    this.sessions = new Map(snapshot.sessions.map((s) => [s.clientId, s]));
    this.forgetBeyondBound();
    this.applied = snapshot.appliedIndex;
  }
}
