import type { Entry, NodeId } from './types.js';

/**
 * The messages Raft peers exchange. Every message carries the sender's term (`term`), `from` and `to`. Replies are
 * self-describing (a reply says what it acknowledges), so the core needs no memory of the request it answers and
 * a late or duplicated reply can be judged on its own.
 */
export type Message =
  | RequestVote
  | RequestVoteReply
  | AppendEntries
  | AppendEntriesReply
  | InstallSnapshot
  | InstallSnapshotReply;

interface Envelope {
  readonly term: number;
  readonly from: NodeId;
  readonly to: NodeId;
}

/**
 * A request for a vote. With `preVote`, it asks only whether the receiver *would* vote for the sender in
 * `term` (the sender's term + 1): nobody's term or vote changes.
 */
export interface RequestVote extends Envelope {
  readonly type: 'RequestVote';
  readonly preVote: boolean;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** A vote, or a refusal. A granted pre-vote echoes the proposed term; a refusal carries the voter's term. */
export interface RequestVoteReply extends Envelope {
  readonly type: 'RequestVoteReply';
  readonly preVote: boolean;
  readonly voteGranted: boolean;
}

/** Entries to append after (prevLogIndex, prevLogTerm); with no entries, a heartbeat. */
export interface AppendEntries extends Envelope {
  readonly type: 'AppendEntries';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly leaderCommit: number;
}

/** Where a follower's log diverges from the leader's (the lab's fast backup, spec section 7). */
export interface ConflictHint {
  /** The term of the follower's entry at the probed index, or -1 if its log is too short. */
  readonly xTerm: number;
  /** The first index the follower holds with term xTerm. */
  readonly xIndex: number;
  /** The follower's log length: its last index + 1. */
  readonly xLen: number;
}

/**
 * The answer to AppendEntries. On success, `matchIndex` is the last index known to match the leader's log. On a
 * log mismatch, `conflict` says where to back up to and `rejectedIndex` echoes the probed prevLogIndex. A refusal
 * of a stale term carries neither.
 */
export interface AppendEntriesReply extends Envelope {
  readonly type: 'AppendEntriesReply';
  readonly success: boolean;
  readonly matchIndex: number;
  readonly rejectedIndex: number;
  readonly conflict: ConflictHint | null;
}

/** A leader's whole snapshot, for a follower that needs entries the leader has compacted away. */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot';
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  readonly data: Uint8Array;
}

/** The answer to InstallSnapshot: the follower's log now matches the leader's through `matchIndex`. */
export interface InstallSnapshotReply extends Envelope {
  readonly type: 'InstallSnapshotReply';
  readonly matchIndex: number;
}

/** Requests expect a reply; replies expect nothing. */
export function isRequest(m: Message): m is RequestVote | AppendEntries | InstallSnapshot {
  return m.type === 'RequestVote' || m.type === 'AppendEntries' || m.type === 'InstallSnapshot';
}
