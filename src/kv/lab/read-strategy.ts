import type { KvCommand, KvReply } from '../types.js';
import type { LabRaft } from '../../lab/index.js';

/** The outcome of a command a server submitted to Raft: the state machine's reply, or ErrWrongLeader. */
export type SubmitResult = KvReply | { readonly err: 'ErrWrongLeader'; readonly value: '' };

/** What a read strategy may use of its server. */
export interface ReadContext {
  /** The server's Raft peer. */
  readonly raft: LabRaft;
  /**
   * Proposes `command` to Raft; `done` runs once, from a simulator event, with the reply once the command is
   * applied, or with ErrWrongLeader if this server is not leader or loses leadership first.
   */
  submit(command: KvCommand, done: (result: SubmitResult) => void): void;
  /** The local state machine's value of `key` now, without any check that it is up to date. */
  readLocal(key: string): KvReply;
  /**
   * Runs `fn(true)` once this server's state machine has applied `index` (at once if it has, else from the
   * simulator event that applies it), or `fn(false)` if the server is killed first: a dead server answers nobody.
   */
  whenApplied(index: number, fn: (applied: boolean) => void): void;
}

/**
 * How a server serves a Get: the seam between the read path and the rest of the server. A strategy must answer a
 * read only with a value that was current at some instant between the request's arrival and the reply: the
 * server must know it was still leader then and have applied everything committed before the read arrived.
 *
 * Two strategies exist: through the log (readThroughLog), and through the core's ReadIndex (readThroughReadIndex:
 * a heartbeat round confirms leadership and fixes the commit index, the server waits until it has applied that
 * index, then answers with `readLocal`, with no log write).
 */
export interface ReadStrategy {
  /** A short name, for figures and messages ("log", "read-index"). */
  readonly name: string;
  /**
   * Whether the strategy wants a new Raft leader to commit an entry of its term at once (LabRaftTuning's
   * noopOnElection): ReadIndex cannot confirm a read before that, so without it the first reads of a term wait
   * for the first write.
   */
  readonly noopOnElection?: boolean;
  /** Serves the get `command`; calls `done` exactly once. */
  read(
    server: ReadContext,
    command: KvCommand & { readonly op: { readonly op: 'get' } },
    done: (result: SubmitResult) => void,
  ): void;
}

/** Reads go through the log like writes: linearizable, at the cost of a log entry and its replication per read. */
export const readThroughLog: ReadStrategy = {
  name: 'log',
  read(server, command, done) {
    server.submit(command, done);
  },
};
