/** The Raft core: a pure, synchronous, deterministic state machine (Figure 2), driven by the layers above. */
export { defaultCommandSize, validateConfig, type RaftConfig, type ResolvedConfig } from './config.js';
export { ProposalDroppedError, RaftError } from './errors.js';
export type {
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
} from './messages.js';
export { isRequest } from './messages.js';
export { validateMessage } from './message-validation.js';
export type { ProgressState } from './progress.js';
export { RaftNode, type FollowerStatus, type RaftStatus } from './raft-node.js';
export type { ReadState } from './read-index.js';
export type { Ready } from './ready.js';
export type { Entry, HardState, NodeId, PersistedState, RandomSource, Role, Snapshot } from './types.js';
