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
export { RaftMember, type MemberStatus, type RaftMemberOptions } from './raft-member.js';
export { startTcpMember, type TcpMember, type TcpMemberOptions } from './tcp-member.js';
export { DEFAULT_TIMING, type MemberTiming } from './timing.js';
export { formatAddress, type Address } from '../transport/index.js';
export { ProposalDroppedError } from '../core/index.js';
