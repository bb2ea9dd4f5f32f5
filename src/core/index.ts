/** The Raft core: a pure, synchronous, deterministic state machine (Figure 2), driven by the layers above. */
export { validateConfig, type RaftConfig } from './config.js';
export { RaftError } from './errors.js';
export type {
  AppendEntries,
  AppendEntriesReply,
  ConflictHint,
  InstallSnapshot,
  InstallSnapshotReply,
  Message,
  RequestVote,
  RequestVoteReply,
} from './messages.js';
export { isRequest } from './messages.js';
export { validateMessage } from './message-validation.js';
export { RaftNode, type RaftStatus } from './raft-node.js';
export type { Ready } from './ready.js';
export type { Entry, HardState, NodeId, PersistedState, RandomSource, Role, Snapshot } from './types.js';
