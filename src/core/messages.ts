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
  | Heartbeat
  | HeartbeatReply
  | InstallSnapshot
  | InstallSnapshotReply
  | TimeoutNow;

interface Envelope {
  readonly term: number;
  readonly from: NodeId;
  readonly to: NodeId;
}

/**
 * A request for a vote. With `preVote`, it asks only whether the receiver *would* vote for the sender in
 * `term` (the sender's term + 1): nobody's term or vote changes. With `transfer`, the candidate campaigns because
 * the leader handed over leadership (TimeoutNow), so voters that still hear that leader do not ignore it.
 */
export interface RequestVote extends Envelope {
  readonly type: 'RequestVote';
  readonly preVote: boolean;
  readonly transfer: boolean;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** A vote, or a refusal. A granted pre-vote echoes the proposed term; a refusal carries the voter's term. */
export interface RequestVoteReply extends Envelope {
  readonly type: 'RequestVoteReply';
  readonly preVote: boolean;
  readonly voteGranted: boolean;
}

/** Entries to append after (prevLogIndex, prevLogTerm); a probe when there are none. */
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

/**
 * A leader's heartbeat: small and carrying no entries. `commit` is the leader's commit index capped at what the
 * follower is known to hold, so the follower can adopt it without a log check. `readRound` is the leader's latest
 * ReadIndex round: the reply confirms that this follower still followed the leader when that round was open.
 */
export interface Heartbeat extends Envelope {
  readonly type: 'Heartbeat';
  readonly commit: number;
  readonly readRound: number;
}

/** The answer to a heartbeat: echoes its read round. */
export interface HeartbeatReply extends Envelope {
  readonly type: 'HeartbeatReply';
  readonly readRound: number;
}

/**
 * One chunk of the leader's snapshot (Figure 13): `data` holds bytes [offset, offset + data.length) of the snapshot
 * through (lastIncludedIndex, lastIncludedTerm); `done` marks the last chunk, and `size` is the whole snapshot's size.
 */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot';
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  readonly offset: number;
  readonly size: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/**
 * The answer to a snapshot chunk, about the snapshot it names. `received` is how many of its bytes the follower
 * holds in order (where the leader resumes; 0 when it holds none). `matchIndex` is 0 until the snapshot is installed
 * (or found redundant); then it is the last index known to match the leader's log.
 */
export interface InstallSnapshotReply extends Envelope {
  readonly type: 'InstallSnapshotReply';
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  /** The offset of the chunk this answers, so that a late or duplicated answer is recognised. */
  readonly offset: number;
  readonly received: number;
  readonly matchIndex: number;
}

/** Leadership transfer (thesis 3.10): the leader tells an up-to-date follower to campaign at once. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow';
}

/** Requests expect a reply; replies (and TimeoutNow, whose answer is an election) expect nothing. */
export function isRequest(m: Message): m is RequestVote | AppendEntries | Heartbeat | InstallSnapshot {
  return (
    m.type === 'RequestVote' ||
    m.type === 'AppendEntries' ||
    m.type === 'Heartbeat' ||
    m.type === 'InstallSnapshot'
  );
}
