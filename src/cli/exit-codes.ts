/** The exit codes of `raft-ts`, so that scripts and tests can tell a corrupt disk from a bad flag. */
export const EXIT = {
  ok: 0,
  /** A member failed at run time, or (for `cluster`) a member died unexpectedly. */
  failed: 1,
  /** Bad flags. */
  usage: 2,
  /** The log on disk cannot be trusted: the member refused to start. */
  corrupt: 3,
  /** `kv`: no member could serve the request in time, or the service refused it. */
  unavailable: 4,
} as const;
