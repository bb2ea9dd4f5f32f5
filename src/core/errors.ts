/** Errors the core raises for bad input from its caller. Each has a stable `code`. */
export class RaftError extends Error {
  constructor(
    readonly code:
      | 'RAFT_BAD_CONFIG'
      | 'RAFT_BAD_SNAPSHOT'
      | 'RAFT_BAD_STATE'
      | 'RAFT_INVARIANT'
      | 'RAFT_STOPPED'
      | 'RAFT_NOT_LEADER',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RaftError';
  }
}

/**
 * A leader refused a proposal it could not take now: a leadership transfer is under way, or the uncommitted tail
 * of its log is at its byte budget. The client may retry later (or, after a transfer, at the new leader).
 */
export class ProposalDroppedError extends Error {
  readonly code = 'RAFT_PROPOSAL_DROPPED';
  constructor(readonly reason: 'transferring' | 'uncommitted-budget') {
    super(
      reason === 'transferring'
        ? 'proposal dropped: leadership is being transferred'
        : 'proposal dropped: the uncommitted log is at its byte budget',
    );
    this.name = 'ProposalDroppedError';
  }
}
