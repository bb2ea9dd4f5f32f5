// Shared helpers of the core's message-level tests (src/core/election.test.ts, replication.test.ts,
// snapshot.test.ts): one RaftNode driven by hand, its messages picked out by type, and builders for the messages a
// test hands it. It lives outside src/core because src/core is lint-restricted to pure code, and this uses node:assert.
import assert from 'node:assert/strict';
import type { RaftConfig } from '../../src/core/config.js';
import type {
  AppendEntries,
  AppendEntriesReply,
  ConflictHint,
  Heartbeat,
  HeartbeatReply,
  InstallSnapshot,
  InstallSnapshotReply,
  Message,
  RequestVote,
  RequestVoteReply,
  TimeoutNow,
} from '../../src/core/messages.js';
import { RaftNode } from '../../src/core/raft-node.js';
import type { Ready } from '../../src/core/ready.js';
import type { Entry, NodeId, PersistedState, RandomSource } from '../../src/core/types.js';

/** The smallest election timeout, in ticks. */
export const MIN = 10;
/** The bound (exclusive) of the election timeouts, in ticks. */
export const MAX = 20;
/** The default heartbeat interval, in ticks; a file may pass another as `heartbeatTicks` in `over`. */
export const HEARTBEAT = 2;

/** A three-node cluster. */
export const THREE = [1, 2, 3] as const;

/** Always draws `k` (clamped into range): every election timeout is MIN + k ticks. */
export const fixed = (k = 0): RandomSource => ({ int: (n) => Math.min(k, n - 1) });

/** The tests' configuration for `id` among `peers`: no pre-vote, no check-quorum, `fixed(0)`, then `over`. */
export function config(id: NodeId, peers: readonly NodeId[], over: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    peers,
    electionTicks: { min: MIN, max: MAX },
    heartbeatTicks: HEARTBEAT,
    preVote: false,
    checkQuorum: false,
    maxEntriesPerAppend: 64,
    rand: fixed(0),
    ...over,
  };
}

/** A node built from `config(id, peers, over)`, restarted from `persisted` when given. */
export function makeNode(
  id: NodeId,
  peers: readonly NodeId[],
  over: Partial<RaftConfig> = {},
  persisted?: PersistedState,
): RaftNode {
  return new RaftNode(config(id, peers, over), persisted);
}

/** Entries with the given terms, from index `start`; the command names the index (`c<index>`). */
export function run(start: number, ...terms: number[]): Entry[] {
  return terms.map((term, k) => ({ index: start + k, term, command: `c${start + k}` }));
}

/** Persisted state with the given term, vote and log terms (entries 1.., built by `run`), and no snapshot. */
export function persisted(term: number, votedFor: NodeId | null, ...logTerms: number[]): PersistedState {
  return { hardState: { term, votedFor }, snapshot: null, entries: run(1, ...logTerms) };
}

/** The message type named `T`. */
export type Of<T extends Message['type']> = Extract<Message, { type: T }>;

/** The messages of `type` in `ms` (only those to `to`, when given), in order. */
export function sent<T extends Message['type']>(ms: readonly Message[], type: T, to?: NodeId): Of<T>[] {
  return ms.filter((m): m is Of<T> => m.type === type && (to === undefined || m.to === to));
}

/** The AppendEntries to `to` in `ms` that carry entries (not the empty ones that only tell the commit index). */
export function carrying(ms: readonly Message[], to: NodeId): AppendEntries[] {
  return sent(ms, 'AppendEntries', to).filter((m) => m.entries.length > 0);
}

/** The one message of `type` (to `to`) in `ms`; fails unless there is exactly one. */
export function only<T extends Message['type']>(ms: readonly Message[], type: T, to?: NodeId): Of<T> {
  const found = sent(ms, type, to);
  assert.equal(
    found.length,
    1,
    `expected one ${type}${to === undefined ? '' : ` to ${to}`}, got ${found.length}`,
  );
  return found[0] as Of<T>;
}

/**
 * A Ready whose writes the test has made durable at once, as the lab does: `messages` holds every message in the
 * order the driver may send them (the eager ones first, then those that waited for the write).
 */
export type Drained = Ready & { readonly messages: readonly Message[] };

/**
 * Takes `n`'s Ready and reports it durable at once (takeReady, then advance): a driver with a synchronous disk.
 * `messages` is `[...eagerMessages, ...messages]`; the original split stays in `eagerMessages`.
 */
export function drain(n: RaftNode): Drained {
  const rd = n.takeReady();
  n.advance(rd);
  return { ...rd, messages: [...rd.eagerMessages, ...rd.messages] };
}

/** Every message of a Ready, eager ones first, without advancing it (the write is still in progress). */
export const allOf = (rd: Ready): Message[] => [...rd.eagerMessages, ...rd.messages];

/** Ticks `n` the given number of times. */
export function tick(n: RaftNode, times: number): void {
  for (let i = 0; i < times; i++) n.tick();
}

/** Ticks a follower or candidate until its election timer fires (the timeout is MIN with `fixed(0)`). */
export function expire(n: RaftNode): void {
  const before = n.status();
  for (let i = 0; i < MAX; i++) {
    n.tick();
    const now = n.status();
    if (now.role !== before.role || now.term !== before.term) return;
  }
  assert.fail('the election timer never fired');
}

/** The optional fields of `append`; each defaults to 0, or to no entries. */
export interface AppendFields {
  prevLogIndex?: number;
  prevLogTerm?: number;
  entries?: Entry[];
  leaderCommit?: number;
}

/** An AppendEntries from `from` to `to` in `term`. */
export const append = (from: NodeId, to: NodeId, term: number, o: AppendFields = {}): AppendEntries => ({
  type: 'AppendEntries',
  from,
  to,
  term,
  prevLogIndex: o.prevLogIndex ?? 0,
  prevLogTerm: o.prevLogTerm ?? 0,
  entries: o.entries ?? [],
  leaderCommit: o.leaderCommit ?? 0,
});

/** A successful AppendEntriesReply from `from` to `to` in `term`, matching up to `matchIndex`. */
export const ack = (from: NodeId, to: NodeId, term: number, matchIndex: number): AppendEntriesReply => ({
  type: 'AppendEntriesReply',
  from,
  to,
  term,
  success: true,
  matchIndex,
  rejectedIndex: 0,
  conflict: null,
});

/** A RequestVoteReply from `from` to `to` in `term`: granted unless told otherwise, and not a pre-vote. */
export const voteReply = (
  from: NodeId,
  to: NodeId,
  term: number,
  voteGranted = true,
  preVote = false,
): RequestVoteReply => ({ type: 'RequestVoteReply', from, to, term, preVote, voteGranted });

/** The optional fields of `voteReq`. */
export interface VoteFields {
  preVote?: boolean;
  transfer?: boolean;
  lastLogIndex?: number;
  lastLogTerm?: number;
}

/** A RequestVote from `from` to `to` in `term`: a real vote, not a transfer, for an empty log unless told. */
export const voteReq = (from: NodeId, to: NodeId, term: number, o: VoteFields = {}): RequestVote => ({
  type: 'RequestVote',
  from,
  to,
  term,
  preVote: o.preVote ?? false,
  transfer: o.transfer ?? false,
  lastLogIndex: o.lastLogIndex ?? 0,
  lastLogTerm: o.lastLogTerm ?? 0,
});

/** A refused AppendEntriesReply about the probe at `rejectedIndex`, with the follower's conflict hint. */
export const nack = (
  from: NodeId,
  to: NodeId,
  term: number,
  rejectedIndex: number,
  conflict: ConflictHint,
): AppendEntriesReply => ({
  type: 'AppendEntriesReply',
  from,
  to,
  term,
  success: false,
  matchIndex: 0,
  rejectedIndex,
  conflict,
});

/** A Heartbeat from `from` to `to` in `term`, carrying `commit` and read round `readRound`. */
export const heartbeat = (from: NodeId, to: NodeId, term: number, commit = 0, readRound = 0): Heartbeat => ({
  type: 'Heartbeat',
  from,
  to,
  term,
  commit,
  readRound,
});

/** A HeartbeatReply from `from` to `to` in `term`, echoing read round `readRound`. */
export const heartbeatReply = (from: NodeId, to: NodeId, term: number, readRound = 0): HeartbeatReply => ({
  type: 'HeartbeatReply',
  from,
  to,
  term,
  readRound,
});

/** The optional fields of `chunk`: by default the whole of `data` in one chunk (offset 0, done). */
export interface ChunkFields {
  offset?: number;
  size?: number;
  done?: boolean;
}

/**
 * An InstallSnapshot chunk from `from` to `to` in `term` of the snapshot through (index, snapTerm): `data` holds
 * the bytes at `offset` (0), of a snapshot of `size` bytes (offset + data length); `done` when it reaches the end.
 */
export function chunk(
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  snapTerm: number,
  data: Uint8Array,
  o: ChunkFields = {},
): InstallSnapshot {
  const offset = o.offset ?? 0;
  const size = o.size ?? offset + data.length;
  return {
    type: 'InstallSnapshot',
    from,
    to,
    term,
    lastIncludedIndex: index,
    lastIncludedTerm: snapTerm,
    offset,
    size,
    data,
    done: o.done ?? offset + data.length === size,
  };
}

/** The optional fields of `snapReply`: the chunk's offset, bytes held (0) and the match (0: not installed). */
export interface SnapReplyFields {
  offset?: number;
  received?: number;
  matchIndex?: number;
}

/** An InstallSnapshotReply from `from` to `to` in `term` about the snapshot through (index, snapTerm). */
export const snapReply = (
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  snapTerm: number,
  o: SnapReplyFields = {},
): InstallSnapshotReply => ({
  type: 'InstallSnapshotReply',
  from,
  to,
  term,
  lastIncludedIndex: index,
  lastIncludedTerm: snapTerm,
  offset: o.offset ?? 0,
  received: o.received ?? 0,
  matchIndex: o.matchIndex ?? 0,
});

/** A TimeoutNow from leader `from` to `to` in `term`. */
export const timeoutNow = (from: NodeId, to: NodeId, term: number): TimeoutNow => ({
  type: 'TimeoutNow',
  from,
  to,
  term,
});

/**
 * Makes `id` leader of `peers`: its election timer fires, its self-vote is made durable, and every other peer
 * grants its vote. The election probes are taken; with `answer` (the default) every follower acknowledges its probe
 * (matching through the leader's last index), so that every follower replicates and nothing is in flight; without
 * it, the probes are lost and stay outstanding.
 */
export function electLeader(
  id: NodeId,
  peers: readonly NodeId[],
  over: Partial<RaftConfig> = {},
  state?: PersistedState,
  answer = true,
): RaftNode {
  const n = makeNode(id, peers, over, state);
  expire(n);
  drain(n);
  for (const p of peers) if (p !== id) n.step(voteReply(p, id, n.status().term));
  assert.equal(n.status().role, 'leader');
  const probes = sent(drain(n).messages, 'AppendEntries');
  if (answer) {
    for (const m of probes) n.step(ack(m.to, id, m.term, m.prevLogIndex));
    drain(n);
  }
  return n;
}
