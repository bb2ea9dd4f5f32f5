import type { Entry, NodeId } from './types.js';
import type { Message } from './messages.js';

/**
 * Checks that a value received from a peer is a well-formed Message, so that a corrupt or hostile input is
 * refused before it reaches the state machine. Returns the message, or a description of what is wrong.
 */
export function validateMessage(
  value: unknown,
): { ok: true; message: Message } | { ok: false; error: string } {
  const error = messageError(value);
  return error === null ? { ok: true, message: value as Message } : { ok: false, error };
}

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNodeId = (v: unknown): v is NodeId => Number.isSafeInteger(v) && (v as number) >= 0;

function messageError(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const m = v as Record<string, unknown>;
  if (!isIndex(m.term)) return 'bad term';
  if (!isNodeId(m.from) || !isNodeId(m.to)) return 'bad from/to';
  switch (m.type) {
    case 'RequestVote':
      return typeof m.preVote === 'boolean' &&
        typeof m.transfer === 'boolean' &&
        isIndex(m.lastLogIndex) &&
        isIndex(m.lastLogTerm)
        ? null
        : 'bad RequestVote';
    case 'RequestVoteReply':
      return typeof m.preVote === 'boolean' && typeof m.voteGranted === 'boolean'
        ? null
        : 'bad RequestVoteReply';
    case 'AppendEntries':
      if (!isIndex(m.prevLogIndex) || !isIndex(m.prevLogTerm) || !isIndex(m.leaderCommit)) {
        return 'bad AppendEntries';
      }
      return entriesError(m.entries, m.prevLogIndex, m.term);
    case 'AppendEntriesReply': {
      if (typeof m.success !== 'boolean' || !isIndex(m.matchIndex) || !isIndex(m.rejectedIndex)) {
        return 'bad AppendEntriesReply';
      }
      if (m.conflict === null) return null;
      const c = m.conflict as Record<string, unknown> | undefined;
      const ok =
        typeof c === 'object' &&
        Number.isSafeInteger(c.xTerm) &&
        Number.isSafeInteger(c.xIndex) &&
        isIndex(c.xLen);
      return ok ? null : 'bad conflict hint';
    }
    case 'Heartbeat':
      return isIndex(m.commit) && isIndex(m.readRound) ? null : 'bad Heartbeat';
    case 'HeartbeatReply':
      return isIndex(m.readRound) ? null : 'bad HeartbeatReply';
    case 'InstallSnapshot':
      return snapshotChunkError(m);
    case 'InstallSnapshotReply':
      return isIndex(m.lastIncludedIndex) &&
        isIndex(m.lastIncludedTerm) &&
        isIndex(m.offset) &&
        isIndex(m.received) &&
        isIndex(m.matchIndex)
        ? null
        : 'bad InstallSnapshotReply';
    case 'TimeoutNow':
      return null;
    default:
      return 'unknown message type';
  }
}

/**
 * A chunk must lie within the snapshot it belongs to, `done` exactly when it reaches the end, and the snapshot must
 * cover at least one entry.
 */
function snapshotChunkError(m: Record<string, unknown>): string | null {
  if (!isIndex(m.lastIncludedIndex) || m.lastIncludedIndex < 1 || !isIndex(m.lastIncludedTerm)) {
    return 'bad InstallSnapshot';
  }
  if (
    !isIndex(m.offset) ||
    !isIndex(m.size) ||
    typeof m.done !== 'boolean' ||
    !(m.data instanceof Uint8Array)
  ) {
    return 'bad InstallSnapshot';
  }
  const end = m.offset + m.data.length;
  if (end > m.size) return 'snapshot chunk runs past the snapshot size';
  if (m.done !== (end === m.size)) return 'snapshot chunk done flag disagrees with its end';
  return null;
}

/** Entries must be contiguous after prevLogIndex, with terms that never decrease and never exceed the leader's. */
function entriesError(entries: unknown, prevLogIndex: number, leaderTerm: number): string | null {
  if (!Array.isArray(entries)) return 'entries is not an array';
  let lastTerm = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k] as Partial<Entry> | null;
    if (typeof e !== 'object' || e === null) return `entry ${k} is not an object`;
    if (e.index !== prevLogIndex + 1 + k) return `entry ${k} has index ${String(e.index)}`;
    if (!isIndex(e.term) || e.term < lastTerm || e.term > leaderTerm) return `entry ${k} has a bad term`;
    lastTerm = e.term;
  }
  return null;
}
