import type { ReadStrategy, SubmitResult } from './read-strategy.js';

const WRONG_LEADER: SubmitResult = { err: 'ErrWrongLeader', value: '' };

/**
 * Reads through the core's ReadIndex (thesis 6.4): the leader notes its commit index and confirms with a
 * heartbeat round that a quorum still follows it; once its state machine has applied that index, the value it
 * holds was current at some instant during the request, so it answers from local state. No log entry is written.
 *
 * A server that is not leader, or loses leadership before the quorum confirms, answers ErrWrongLeader at once and
 * the clerk tries another. Once confirmed, the read is served even if leadership is lost while this server
 * catches up: the index was committed when the read was confirmed, and local state only moves forward from there.
 *
 * New leaders should commit an entry of their term at once (noopOnElection), or a leader's reads wait for its
 * first write. A Raft without ReadIndex (a tester's fake) reads through the log instead.
 */
export const readThroughReadIndex: ReadStrategy = {
  name: 'read-index',
  noopOnElection: true,
  read(server, command, done) {
    if (server.raft.readIndex === undefined) {
      server.submit(command, done);
      return;
    }
    const accepted = server.raft.readIndex((index) => {
      if (index === null) {
        done(WRONG_LEADER);
        return;
      }
      server.whenApplied(index, (applied) => {
        done(applied ? server.readLocal(command.op.key) : WRONG_LEADER);
      });
    });
    if (!accepted) done(WRONG_LEADER);
  },
};
