/** The real runtime: a Raft member driving the core with wall-clock ticks, durable storage and TCP. */
export { ClientServer, routeMemberRequest, type ClientServerOptions } from './client-server.js';
export { transportClusterId } from './cluster-id.js';
export { CommittedQueue, type Committed } from './committed-queue.js';
export {
  InvalidProposalError,
  MemberConfigError,
  MemberError,
  MemberStoppedError,
  NotLeaderError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
  ReadIndexLostError,
  ReadIndexTimeoutError,
  type MemberErrorCode,
} from './errors.js';
export {
  decodeProposalAnswer,
  decodeProposeRequest,
  ProposalTag,
  writeAnswerFrame,
  writeProposeFrame,
  type ProposalAnswer,
  type ProposeRequest,
  type RefusalReason,
} from './proposal-codec.js';
export { ProposalClient, type ProposalClientOptions } from './proposal-client.js';
export { ProposalConnectionError, ProposalRefusedError } from './proposal-errors.js';
export { PROPOSAL_SERVER_DEFAULTS, ProposalServer, type ProposalServerOptions } from './proposal-server.js';
export { RaftMember, type MemberStatus, type RaftMemberOptions } from './raft-member.js';
export { startTcpMember, type TcpMember, type TcpMemberOptions } from './tcp-member.js';
export { DEFAULT_TIMING, type MemberTiming } from './timing.js';
export { formatAddress, type Address } from '../transport/index.js';
export { ProposalDroppedError } from '../core/index.js';
