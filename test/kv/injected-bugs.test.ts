// The kvraft suite must catch a broken server. Two read paths that skip what ReadIndex does, through the
// ReadStrategy seam: one answers from local state at whichever server the clerk asks (a follower that has not
// heard of the latest commit serves a stale value); the other does so only while it believes it is leader, but
// without confirming leadership or waiting to apply what was committed before (a leader just elected after a
// restart has applied nothing yet). The linearizability check of the random-keys test catches both.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReadStrategy } from '../../src/kv/lab/index.js';
import { labTest, runLabTest } from '../../src/lab/index.js';
import { genericTest } from './generic-test.js';

/** Bug 1: a read answered at once from local state, by whichever server the clerk asks. */
const readAnywhere: ReadStrategy = {
  name: 'local read at any server (unsafe)',
  read(server, command, done) {
    done(server.readLocal(command.op.key));
  },
};

/** Bug 2: a read answered from local state by a server that believes it is leader, with no further check. */
const readAtBelievedLeader: ReadStrategy = {
  name: 'local read at a believed leader (unsafe)',
  read(server, command, done) {
    if (!server.raft.getState().isLeader) {
      done({ err: 'ErrWrongLeader', value: '' });
      return;
    }
    done(server.readLocal(command.op.key));
  },
};

describe('injected bugs', () => {
  for (const readStrategy of [readAnywhere, readAtBelievedLeader]) {
    test(`${readStrategy.name}: the random-keys test reports a history that is not linearizable`, async () => {
      const broken = labTest(`TestPersistPartitionUnreliableLinearizable3A, ${readStrategy.name}`, (t) =>
        genericTest(t, {
          part: '3A',
          nclients: 15,
          nservers: 7,
          unreliable: true,
          crash: true,
          partitions: true,
          maxraftstate: -1,
          randomkeys: true,
          server: { readStrategy },
        }),
      );
      const result = await runLabTest(broken, 1);
      assert.equal(result.passed, false);
      assert.match(result.message, /^history is not linearizable\n/);
      assert.match(result.message, /get\("\d+"\)/); // the account names the read that could not be linearized
      assert.ok(result.lines.some((line) => line.startsWith('info: wrote history visualization to ')));
    });
  }
});
