/** Errors the core raises for bad input from its caller. Each has a stable `code`. */
export class RaftError extends Error {
  constructor(
    readonly code: 'RAFT_BAD_CONFIG' | 'RAFT_BAD_SNAPSHOT' | 'RAFT_BAD_STATE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RaftError';
  }
}
