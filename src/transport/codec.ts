import {
  validateMessage,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Snapshot,
} from '../core/index.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { CodecError } from './errors.js';

/**
 * raft-ts's one binary codec, for the wire and for the disk (the lab keeps its labgob). Layout version 1:
 *
 *   value    = version:u8(=1) tag:u8 body
 *   uint     = unsigned LEB128 varint, canonical (no overlong form), at most 8 bytes, <= 2^53-1
 *   bool     = a bit of a flags byte; unknown bits are refused
 *   command  = 0x00 (null: a leader's no-op) | 0x01 len:uint bytes[len]
 *   envelope = term:uint from:uint to:uint
 *
 *   tag  body
 *   1    RequestVote           envelope flags(bit0 preVote, bit1 transfer) lastLogIndex lastLogTerm
 *   2    RequestVoteReply      envelope flags(bit0 preVote, bit1 voteGranted)
 *   3    AppendEntries         envelope prevLogIndex prevLogTerm leaderCommit count { term command }*count
 *                              (entry k's index is prevLogIndex + 1 + k: implied, so it cannot disagree)
 *   4    AppendEntriesReply    envelope flags(bit0 success, bit1 conflict, bit2 xTerm<0, bit3 xIndex<0)
 *                              matchIndex rejectedIndex [|xTerm| |xIndex| xLen if conflict]
 *   5    Heartbeat             envelope commit readRound
 *   6    HeartbeatReply        envelope readRound
 *   7    InstallSnapshot       envelope lastIncludedIndex lastIncludedTerm offset size flags(bit0 done) len data
 *   8    InstallSnapshotReply  envelope lastIncludedIndex lastIncludedTerm offset received matchIndex
 *   9    TimeoutNow            envelope
 *   32   Entry (disk)          index term command
 *   33   Snapshot (disk)       index term len data
 *   34   HardState (disk)      term votedFor+1 (0: none)
 *   64   transport handshake   (see handshake.ts)
 *   80-82 client proposal protocol (see src/node/proposal-codec.ts)
 *
 * Every value has exactly one encoding: decoding refuses overlong varints, unknown flag bits and trailing bytes,
 * so decode(b) succeeding implies encode(decode(b)) equals b. Decoding copies byte strings out of its input (a
 * command may outlive the socket chunk it arrived in by hours; the commands of one message share one buffer) and
 * checks every length against the bytes left before allocating. A decoded message has passed `validateMessage`.
 */
export const CODEC_VERSION = 1;

/** The type tags of version 1 (see the layout above). */
export const Tag = {
  RequestVote: 1,
  RequestVoteReply: 2,
  AppendEntries: 3,
  AppendEntriesReply: 4,
  Heartbeat: 5,
  HeartbeatReply: 6,
  InstallSnapshot: 7,
  InstallSnapshotReply: 8,
  TimeoutNow: 9,
  Entry: 32,
  Snapshot: 33,
  HardState: 34,
  Handshake: 64,
} as const;

/** Encodes a message. Throws CodecError for a message `validateMessage` refuses or a command that is not bytes. */
export function encodeMessage(message: Message): Uint8Array {
  const w = new ByteWriter(estimateSize(message));
  writeMessage(w, message);
  return w.finish();
}

/** A generous guess at a message's encoded size, so the writer rarely grows. */
export function estimateSize(message: Message): number {
  if (message.type === 'AppendEntries') {
    let n = 48 + 12 * message.entries.length;
    for (const e of message.entries) if (e.command instanceof Uint8Array) n += e.command.length;
    return n;
  }
  return message.type === 'InstallSnapshot' ? 64 + message.data.length : 48;
}

/** Writes a message (version byte first) into `w`: for callers that frame it without a copy. */
export function writeMessage(w: ByteWriter, message: Message): void {
  const valid = validateMessage(message);
  if (!valid.ok) {
    throw new CodecError('CODEC_INVALID_MESSAGE', `cannot encode an invalid message: ${valid.error}`);
  }
  const m = valid.message;
  if (m.type === 'AppendEntries') checkIndexRange(m.prevLogIndex, m.entries.length);
  w.u8(CODEC_VERSION);
  w.u8(Tag[m.type]);
  w.uint(m.term);
  w.uint(m.from);
  w.uint(m.to);
  switch (m.type) {
    case 'RequestVote':
      w.u8((m.preVote ? 1 : 0) | (m.transfer ? 2 : 0));
      w.uint(m.lastLogIndex);
      w.uint(m.lastLogTerm);
      return;
    case 'RequestVoteReply':
      w.u8((m.preVote ? 1 : 0) | (m.voteGranted ? 2 : 0));
      return;
    case 'AppendEntries':
      w.uint(m.prevLogIndex);
      w.uint(m.prevLogTerm);
      w.uint(m.leaderCommit);
      w.uint(m.entries.length);
      for (const e of m.entries) {
        w.uint(e.term);
        writeCommand(w, e.command);
      }
      return;
    case 'AppendEntriesReply': {
      const c = m.conflict;
      let flags = m.success ? 1 : 0;
      if (c !== null) flags |= 2 | (c.xTerm < 0 ? 4 : 0) | (c.xIndex < 0 ? 8 : 0);
      w.u8(flags);
      w.uint(m.matchIndex);
      w.uint(m.rejectedIndex);
      if (c !== null) {
        // Sign and magnitude: a zigzag mapping in doubles would lose the lowest bit above 2^52.
        w.uint(Math.abs(c.xTerm));
        w.uint(Math.abs(c.xIndex));
        w.uint(c.xLen);
      }
      return;
    }
    case 'Heartbeat':
      w.uint(m.commit);
      w.uint(m.readRound);
      return;
    case 'HeartbeatReply':
      w.uint(m.readRound);
      return;
    case 'InstallSnapshot':
      w.uint(m.lastIncludedIndex);
      w.uint(m.lastIncludedTerm);
      w.uint(m.offset);
      w.uint(m.size);
      w.u8(m.done ? 1 : 0);
      w.bytes(m.data);
      return;
    case 'InstallSnapshotReply':
      w.uint(m.lastIncludedIndex);
      w.uint(m.lastIncludedTerm);
      w.uint(m.offset);
      w.uint(m.received);
      w.uint(m.matchIndex);
      return;
    case 'TimeoutNow':
      return;
  }
}

/**
 * Decodes a message from `bytes[start, end)`. Returns a message that passed `validateMessage`, or throws a
 * CodecError; whatever the input, nothing else.
 */
export function decodeMessage(bytes: Uint8Array, start = 0, end = bytes.length): Message {
  // The commands of an AppendEntries share one fresh buffer (not the input's): one allocation per message.
  const r = new ByteReader(bytes, start, end, true);
  readVersion(r);
  const message = readMessageBody(r, r.u8());
  r.expectEnd();
  const valid = validateMessage(message);
  if (!valid.ok) throw new CodecError('CODEC_INVALID_MESSAGE', `decoded an invalid message: ${valid.error}`);
  return valid.message;
}

function readMessageBody(r: ByteReader, tag: number): Message {
  if (tag < Tag.RequestVote || tag > Tag.TimeoutNow) {
    throw new CodecError('CODEC_UNKNOWN_TYPE', `unknown message tag ${tag}`);
  }
  const term = r.uint();
  const from: NodeId = r.uint();
  const to: NodeId = r.uint();
  switch (tag) {
    case Tag.RequestVote: {
      const flags = readFlags(r, 0b11);
      return {
        type: 'RequestVote',
        term,
        from,
        to,
        preVote: (flags & 1) !== 0,
        transfer: (flags & 2) !== 0,
        lastLogIndex: r.uint(),
        lastLogTerm: r.uint(),
      };
    }
    case Tag.RequestVoteReply: {
      const flags = readFlags(r, 0b11);
      return {
        type: 'RequestVoteReply',
        term,
        from,
        to,
        preVote: (flags & 1) !== 0,
        voteGranted: (flags & 2) !== 0,
      };
    }
    case Tag.AppendEntries: {
      const prevLogIndex = r.uint();
      const prevLogTerm = r.uint();
      const leaderCommit = r.uint();
      // An entry takes at least 2 bytes (term, command tag): a count the input cannot hold is refused before
      // an array is sized by it.
      const count = r.count(2);
      checkIndexRange(prevLogIndex, count);
      const entries: Entry[] = [];
      for (let k = 0; k < count; k++) {
        const entryTerm = r.uint();
        entries.push({ index: prevLogIndex + 1 + k, term: entryTerm, command: readCommand(r) });
      }
      return { type: 'AppendEntries', term, from, to, prevLogIndex, prevLogTerm, entries, leaderCommit };
    }
    case Tag.AppendEntriesReply: {
      const flags = readFlags(r, 0b1111);
      const hasConflict = (flags & 2) !== 0;
      if (!hasConflict && (flags & 0b1100) !== 0) {
        throw new CodecError('CODEC_BAD_FLAGS', 'conflict sign bits without a conflict');
      }
      const matchIndex = r.uint();
      const rejectedIndex = r.uint();
      let conflict = null;
      if (hasConflict) {
        const xTerm = signed(r.uint(), (flags & 4) !== 0);
        const xIndex = signed(r.uint(), (flags & 8) !== 0);
        conflict = { xTerm, xIndex, xLen: r.uint() };
      }
      return {
        type: 'AppendEntriesReply',
        term,
        from,
        to,
        success: (flags & 1) !== 0,
        matchIndex,
        rejectedIndex,
        conflict,
      };
    }
    case Tag.Heartbeat:
      return { type: 'Heartbeat', term, from, to, commit: r.uint(), readRound: r.uint() };
    case Tag.HeartbeatReply:
      return { type: 'HeartbeatReply', term, from, to, readRound: r.uint() };
    case Tag.InstallSnapshot: {
      const lastIncludedIndex = r.uint();
      const lastIncludedTerm = r.uint();
      const offset = r.uint();
      const size = r.uint();
      const done = (readFlags(r, 1) & 1) !== 0;
      const data = r.bytes();
      return {
        type: 'InstallSnapshot',
        term,
        from,
        to,
        lastIncludedIndex,
        lastIncludedTerm,
        offset,
        size,
        data,
        done,
      };
    }
    case Tag.InstallSnapshotReply:
      return {
        type: 'InstallSnapshotReply',
        term,
        from,
        to,
        lastIncludedIndex: r.uint(),
        lastIncludedTerm: r.uint(),
        offset: r.uint(),
        received: r.uint(),
        matchIndex: r.uint(),
      };
    default:
      return { type: 'TimeoutNow', term, from, to };
  }
}

/** Encodes one log entry for storage: `version 32 index term command`. The command must be bytes or null. */
export function encodeEntry(entry: Entry): Uint8Array {
  const w = new ByteWriter(24 + (entry.command instanceof Uint8Array ? entry.command.length : 0));
  w.u8(CODEC_VERSION);
  w.u8(Tag.Entry);
  w.uint(entry.index);
  w.uint(entry.term);
  writeCommand(w, entry.command);
  return w.finish();
}

/** Decodes what `encodeEntry` wrote; throws CodecError on anything else. */
export function decodeEntry(bytes: Uint8Array): Entry {
  const r = new ByteReader(bytes);
  readVersion(r);
  expectTag(r, Tag.Entry, 'Entry');
  const entry = { index: r.uint(), term: r.uint(), command: readCommand(r) };
  r.expectEnd();
  return entry;
}

/** Encodes a snapshot for storage: `version 33 index term len data`. */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const w = new ByteWriter(24 + snapshot.data.length);
  w.u8(CODEC_VERSION);
  w.u8(Tag.Snapshot);
  w.uint(snapshot.index);
  w.uint(snapshot.term);
  w.bytes(snapshot.data);
  return w.finish();
}

/** Decodes what `encodeSnapshot` wrote; throws CodecError on anything else. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const r = new ByteReader(bytes);
  readVersion(r);
  expectTag(r, Tag.Snapshot, 'Snapshot');
  const snapshot = { index: r.uint(), term: r.uint(), data: r.bytes() };
  r.expectEnd();
  return snapshot;
}

/** Encodes hard state for storage: `version 34 term votedFor+1` (0 when no vote). */
export function encodeHardState(state: HardState): Uint8Array {
  const w = new ByteWriter(20);
  w.u8(CODEC_VERSION);
  w.u8(Tag.HardState);
  w.uint(state.term);
  w.uint(state.votedFor === null ? 0 : state.votedFor + 1);
  return w.finish();
}

/** Decodes what `encodeHardState` wrote; throws CodecError on anything else. */
export function decodeHardState(bytes: Uint8Array): HardState {
  const r = new ByteReader(bytes);
  readVersion(r);
  expectTag(r, Tag.HardState, 'HardState');
  const term = r.uint();
  const vote = r.uint();
  r.expectEnd();
  return { term, votedFor: vote === 0 ? null : vote - 1 };
}

/** Writes a command: null (a leader's no-op) or bytes; anything else cannot cross the wire. */
export function writeCommand(w: ByteWriter, command: unknown): void {
  if (command === null) {
    w.u8(0);
  } else if (command instanceof Uint8Array) {
    w.u8(1);
    w.bytes(command);
  } else {
    throw new CodecError(
      'CODEC_UNSUPPORTED_VALUE',
      `a command must be a Uint8Array or null, not ${typeof command}`,
    );
  }
}

/** Reads a command written by `writeCommand`. */
export function readCommand(r: ByteReader): Uint8Array | null {
  const tag = r.u8();
  if (tag === 0) return null;
  if (tag === 1) return r.bytes();
  throw new CodecError('CODEC_BAD_FLAGS', `unknown command tag ${tag}`);
}

/** Reads and checks the version byte. */
export function readVersion(r: ByteReader): void {
  const version = r.u8();
  if (version !== CODEC_VERSION) {
    throw new CodecError('CODEC_BAD_VERSION', `layout version ${version}, expected ${CODEC_VERSION}`);
  }
}

function expectTag(r: ByteReader, tag: number, name: string): void {
  const got = r.u8();
  if (got !== tag)
    throw new CodecError('CODEC_UNKNOWN_TYPE', `expected a ${name} (tag ${tag}), got tag ${got}`);
}

function readFlags(r: ByteReader, allowed: number): number {
  const flags = r.u8();
  if ((flags & ~allowed) !== 0) throw new CodecError('CODEC_BAD_FLAGS', `unknown flag bits in ${flags}`);
  return flags;
}

/** validateMessage does not look at implied indices: keep the last one a safe integer, so every index is exact. */
function checkIndexRange(prevLogIndex: number, count: number): void {
  if (prevLogIndex + count > Number.MAX_SAFE_INTEGER) {
    throw new CodecError('CODEC_INVALID_MESSAGE', 'entry indices run past Number.MAX_SAFE_INTEGER');
  }
}

function signed(magnitude: number, negative: boolean): number {
  if (negative && magnitude === 0) throw new CodecError('CODEC_BAD_FLAGS', 'negative zero');
  return negative ? -magnitude : magnitude;
}
