import type { Entry, PersistedState } from '../core/index.js';
import { decode, encode } from './labgob.js';

/**
 * The lab Raft's persisted state, compactly: a flat tuple [term, votedFor, snapshotIndex, snapshotTerm, terms,
 * commands]. Entry indices are implied by position after the snapshot. The snapshot bytes go to the Persister's
 * second slot.
 */
type Encoded = [number, number, number, number, number[], unknown[]];

export function encodeRaftState(state: PersistedState): Uint8Array {
  const encoded: Encoded = [
    state.hardState.term,
    state.hardState.votedFor ?? -1,
    state.snapshot?.index ?? 0,
    state.snapshot?.term ?? 0,
    state.entries.map((e) => e.term),
    state.entries.map((e) => e.command),
  ];
  return encode(encoded);
}

/** Raised when the persisted Raft state cannot be read: the server must not start on a guess. */
export class CorruptStateError extends Error {
  readonly code = 'LAB_CORRUPT_STATE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`persisted Raft state is corrupt: ${message}`, options);
    this.name = 'CorruptStateError';
  }
}

export function decodeRaftState(bytes: Uint8Array, snapshotData: Uint8Array): PersistedState {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (cause) {
    throw new CorruptStateError('undecodable', { cause });
  }
  if (!Array.isArray(value) || value.length !== 6) throw new CorruptStateError('not a 6-tuple');
  const [term, votedFor, snapshotIndex, snapshotTerm, terms, commands] = value as unknown[];
  const ints = [term, votedFor, snapshotIndex, snapshotTerm];
  if (!ints.every((v) => Number.isSafeInteger(v))) throw new CorruptStateError('bad header');
  if (!Array.isArray(terms) || !Array.isArray(commands) || terms.length !== commands.length) {
    throw new CorruptStateError('bad log');
  }
  const base = snapshotIndex as number;
  const entries: Entry[] = terms.map((t: unknown, k) => {
    if (!Number.isSafeInteger(t)) throw new CorruptStateError(`bad term at entry ${k}`);
    return { index: base + 1 + k, term: t as number, command: commands[k] };
  });
  return {
    hardState: { term: term as number, votedFor: votedFor === -1 ? null : (votedFor as number) },
    snapshot: base > 0 ? { index: base, term: snapshotTerm as number, data: snapshotData } : null,
    entries,
  };
}
