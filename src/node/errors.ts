import type { NodeId } from '../core/index.js';

/** The stable codes of the member's own errors (the core's, storage's and transport's keep theirs). */
export type MemberErrorCode =
  | 'MEMBER_NOT_LEADER'
  | 'MEMBER_STOPPED'
  | 'MEMBER_PROPOSAL_LOST'
  | 'MEMBER_PROPOSAL_UNKNOWN'
  | 'MEMBER_BAD_COMMAND'
  | 'MEMBER_BAD_CONFIG'
  | 'MEMBER_READ_LOST'
  | 'MEMBER_READ_TIMEOUT';

/** The base of every member error: a stable `code`, and the underlying `cause` when there is one. */
export class MemberError extends Error {
  constructor(
    readonly code: MemberErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MemberError';
  }
}

/**
 * A proposal reached a member that is not the leader. `leaderId` is the leader it knows of (null while an
 * election is under way): the client retries there.
 */
export class NotLeaderError extends MemberError {
  constructor(
    readonly memberId: NodeId,
    readonly leaderId: NodeId | null,
  ) {
    super(
      'MEMBER_NOT_LEADER',
      leaderId === null
        ? `member ${memberId} is not the leader, and knows of none yet`
        : `member ${memberId} is not the leader; member ${leaderId} is`,
    );
    this.name = 'NotLeaderError';
  }
}

/**
 * The member stopped (asked to, or because its storage failed) before the call could complete. For a proposal,
 * its fate is unknown: it may still commit through another leader.
 */
export class MemberStoppedError extends MemberError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('MEMBER_STOPPED', `member stopped: ${reason}`, options);
    this.name = 'MemberStoppedError';
  }
}

/**
 * A proposal was appended while this member led, but another leader's entry was committed at its index: it will
 * never commit. The client may propose it again.
 */
export class ProposalLostError extends MemberError {
  constructor(
    readonly index: number,
    readonly term: number,
  ) {
    super(
      'MEMBER_PROPOSAL_LOST',
      `proposal at index ${index} of term ${term} was replaced by another leader's entry`,
    );
    this.name = 'ProposalLostError';
  }
}

/** Options a member cannot run with: refused before anything is opened. */
export class MemberConfigError extends MemberError {
  constructor(message: string) {
    super('MEMBER_BAD_CONFIG', message);
    this.name = 'MemberConfigError';
  }
}

/**
 * A proposal's index was covered by a snapshot from the leader before this member saw the entry: it may or may not
 * have committed. The client must find out another way (a state machine with request ids deduplicates a retry).
 */
export class ProposalOutcomeUnknownError extends MemberError {
  constructor(readonly index: number) {
    super(
      'MEMBER_PROPOSAL_UNKNOWN',
      `proposal at index ${index} was covered by a snapshot: its outcome is unknown`,
    );
    this.name = 'ProposalOutcomeUnknownError';
  }
}

/** A proposal that is not bytes: refused before the core sees it, since storage could not write it. */
export class InvalidProposalError extends MemberError {
  constructor(got: string) {
    super('MEMBER_BAD_COMMAND', `a proposal must be a Uint8Array, got ${got}`);
    this.name = 'InvalidProposalError';
  }
}

/** A ReadIndex read whose leader lost its leadership before confirming it: retry it on the new leader. */
export class ReadIndexLostError extends MemberError {
  constructor() {
    super('MEMBER_READ_LOST', 'leadership was lost before the read was confirmed; retry on the new leader');
    this.name = 'ReadIndexLostError';
  }
}

/** A ReadIndex read not confirmed in time (no quorum answered): the cluster may be partitioned. */
export class ReadIndexTimeoutError extends MemberError {
  constructor(readonly timeoutMs: number) {
    super('MEMBER_READ_TIMEOUT', `the read was not confirmed by a quorum within ${timeoutMs} ms`);
    this.name = 'ReadIndexTimeoutError';
  }
}
