import type { Entry, PersistedState, Ready } from '../core/index.js';
import { decode, encode } from './labgob.js';

/**
 * The lab Raft's persisted state as compact bytes:
 *
 *   version(1) term votedFor+1 snapshotIndex snapshotTerm count { term length command-bytes }*count
 *
 * with every integer an unsigned LEB128 varint and each command labgob-encoded. Entry indices are implied by
 * position after the snapshot; the snapshot's bytes go to the Persister's second slot.
 */
const VERSION = 1;

/** Room before the encoded entries for the header (1 byte and five varints of at most 8 bytes). */
const HEADER_ROOM = 48;

/**
 * Keeps a peer's persisted state encoded, following each Ready's changes, so that a save costs a copy of the
 * log's bytes rather than a re-encoding of the whole log (the Persister takes whole byte strings, and a long
 * log is saved thousands of times).
 */
export class RaftStateWriter {
  private term = 0;
  private votedFor: number | null = null;
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  /**
   * Encoded entries snapshotIndex+1 ..., back to back from HEADER_ROOM on; entry k ends at ends[k] (counted from
   * HEADER_ROOM). The header is written just before them when the state is read out, so no copy is made there.
   */
  private log = new Uint8Array(1024);
  private ends: number[] = [];

  constructor(state: PersistedState) {
    this.term = state.hardState.term;
    this.votedFor = state.hardState.votedFor;
    this.snapshotIndex = state.snapshot?.index ?? 0;
    this.snapshotTerm = state.snapshot?.term ?? 0;
    this.appendEntries(state.entries);
  }

  /** Applies a Ready's persistent changes; returns whether anything changed. */
  update(ready: Ready): boolean {
    let changed = false;
    if (ready.hardState !== null) {
      this.term = ready.hardState.term;
      this.votedFor = ready.hardState.votedFor;
      changed = true;
    }
    if (ready.snapshot !== null) {
      this.dropThrough(ready.snapshot.index);
      this.snapshotIndex = ready.snapshot.index;
      this.snapshotTerm = ready.snapshot.term;
      changed = true;
    }
    if (ready.entries !== null) {
      this.truncateFrom(ready.entries.from);
      this.appendEntries(ready.entries.entries);
      changed = true;
    }
    return changed;
  }

  /**
   * The whole state, encoded: a view of the writer's buffer, valid until the next update (the Persister copies
   * what it is given, so a second copy here would double the cost of every save).
   */
  bytes(): Uint8Array {
    const header: number[] = [VERSION];
    writeVarint(header, this.term);
    writeVarint(header, (this.votedFor ?? -1) + 1);
    writeVarint(header, this.snapshotIndex);
    writeVarint(header, this.snapshotTerm);
    writeVarint(header, this.ends.length);
    const start = HEADER_ROOM - header.length;
    this.log.set(header, start);
    return this.log.subarray(start, HEADER_ROOM + (this.ends.at(-1) ?? 0));
  }

  private appendEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.index <= this.snapshotIndex) continue;
      const command = encode(entry.command);
      const prefix: number[] = [];
      writeVarint(prefix, entry.term);
      writeVarint(prefix, command.byteLength);
      const start = this.ends.at(-1) ?? 0;
      const end = start + prefix.length + command.byteLength;
      this.reserve(HEADER_ROOM + end);
      this.log.set(prefix, HEADER_ROOM + start);
      this.log.set(command, HEADER_ROOM + start + prefix.length);
      this.ends.push(end);
    }
  }

  /** Forgets the stored entries with index >= from. */
  private truncateFrom(from: number): void {
    const keep = Math.max(0, from - this.snapshotIndex - 1);
    if (keep < this.ends.length) this.ends.length = keep;
  }

  /** Forgets the stored entries with index <= index (now in the snapshot). */
  private dropThrough(index: number): void {
    const drop = Math.min(this.ends.length, Math.max(0, index - this.snapshotIndex));
    if (drop === 0) return;
    const cut = this.ends[drop - 1] ?? 0;
    const end = this.ends.at(-1) ?? 0;
    this.log.copyWithin(HEADER_ROOM, HEADER_ROOM + cut, HEADER_ROOM + end);
    this.ends = this.ends.slice(drop).map((e) => e - cut);
  }

  private reserve(size: number): void {
    if (size <= this.log.byteLength) return;
    const grown = new Uint8Array(Math.max(size, this.log.byteLength * 2));
    grown.set(this.log);
    this.log = grown;
  }
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
  if (bytes[0] !== VERSION) throw new CorruptStateError(`unknown version ${String(bytes[0])}`);
  const reader = { bytes, at: 1 };
  const term = readVarint(reader);
  const votedFor = readVarint(reader) - 1;
  const snapshotIndex = readVarint(reader);
  const snapshotTerm = readVarint(reader);
  const count = readVarint(reader);
  const entries: Entry[] = [];
  for (let k = 0; k < count; k++) {
    const entryTerm = readVarint(reader);
    const length = readVarint(reader);
    if (reader.at + length > bytes.byteLength) throw new CorruptStateError(`entry ${k} runs past the end`);
    let command: unknown;
    try {
      command = decode(bytes.subarray(reader.at, reader.at + length));
    } catch (cause) {
      throw new CorruptStateError(`entry ${k} has an undecodable command`, { cause });
    }
    reader.at += length;
    entries.push({ index: snapshotIndex + 1 + k, term: entryTerm, command });
  }
  if (reader.at !== bytes.byteLength) throw new CorruptStateError('trailing bytes');
  return {
    hardState: { term, votedFor: votedFor === -1 ? null : votedFor },
    snapshot: snapshotIndex > 0 ? { index: snapshotIndex, term: snapshotTerm, data: snapshotData } : null,
    entries,
  };
}

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(reader: { bytes: Uint8Array; at: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = reader.bytes[reader.at++];
    if (byte === undefined) throw new CorruptStateError('truncated');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
    if (scale > 2 ** 49) throw new CorruptStateError('varint too long');
  }
}
