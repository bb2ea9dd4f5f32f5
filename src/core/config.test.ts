import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig, type RaftConfig } from './config.js';
import { RaftError } from './errors.js';
import { RaftNode } from './raft-node.js';

const good: RaftConfig = {
  id: 1,
  peers: [0, 1, 2],
  electionTicks: { min: 10, max: 20 },
  heartbeatTicks: 2,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerAppend: 100,
  rand: { int: () => 0 },
};

/** Asserts that `config` is refused with RAFT_BAD_CONFIG and a message matching `why`. */
function refused(config: RaftConfig, why: RegExp): void {
  assert.throws(
    () => {
      validateConfig(config);
    },
    (e: unknown) => e instanceof RaftError && e.code === 'RAFT_BAD_CONFIG' && why.test(e.message),
  );
  assert.throws(() => new RaftNode(config), RaftError, 'the node validates its config too');
}

void describe('validateConfig', () => {
  void it('accepts a sound config, including a cluster of one', () => {
    validateConfig(good);
    validateConfig({ ...good, id: 0, peers: [0] });
    validateConfig({ ...good, heartbeatTicks: 1, electionTicks: { min: 2, max: 3 }, maxEntriesPerAppend: 1 });
    assert.equal(new RaftNode(good).status().role, 'follower');
  });

  void it('refuses an id that is not among the peers', () => {
    refused({ ...good, id: 5 }, /not among the peers/);
    refused({ ...good, peers: [] }, /not among the peers/);
  });

  void it('refuses repeated peer ids', () => {
    refused({ ...good, peers: [0, 1, 1] }, /repeat/);
  });

  void it('refuses a heartbeat interval that is not a positive integer', () => {
    for (const heartbeatTicks of [0, -1, 1.5, NaN]) refused({ ...good, heartbeatTicks }, /heartbeatTicks/);
  });

  void it('refuses election timeouts that are not integers, not above the heartbeat, or an empty range', () => {
    refused({ ...good, electionTicks: { min: 10.5, max: 20 } }, /integers/);
    refused({ ...good, electionTicks: { min: 10, max: NaN } }, /integers/);
    refused({ ...good, electionTicks: { min: 2, max: 20 } }, /min must exceed heartbeatTicks/);
    refused({ ...good, electionTicks: { min: 10, max: 10 } }, /max must exceed/);
    refused({ ...good, electionTicks: { min: 10, max: 5 } }, /max must exceed/);
  });

  void it('refuses a batch size that is not a positive integer', () => {
    for (const maxEntriesPerAppend of [0, -3, 2.5, Infinity]) {
      refused({ ...good, maxEntriesPerAppend }, /maxEntriesPerAppend/);
    }
  });
});
