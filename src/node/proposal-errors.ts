import type { NodeId } from '../core/index.js';
import type { RefusalReason } from './proposal-codec.js';

/**
 * A member answered a proposal with a refusal (see RefusalReason for each reason's meaning). `leader` is the
 * leader the member knows of, for `not_leader` (null during an election); `retryable` says whether proposing again
 * cannot commit the command twice (nothing was appended, or what was appended can never commit).
 */
export class ProposalRefusedError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly reason: RefusalReason,
    readonly leader: NodeId | null,
  ) {
    super(
      reason === 'not_leader'
        ? `not the leader${leader === null ? ', and no leader is known yet' : `; member ${leader} is`}`
        : `proposal refused: ${reason}`,
    );
    this.name = 'ProposalRefusedError';
    this.retryable = reason === 'not_leader' || reason === 'dropped' || reason === 'lost';
  }
}

/**
 * The connection to the member closed (or was never made, or broke the protocol) while a proposal was
 * outstanding: its outcome is unknown.
 */
export class ProposalConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProposalConnectionError';
  }
}
