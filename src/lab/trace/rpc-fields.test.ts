import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rpcFields, rpcType } from './rpc-fields.js';

void describe('rpcFields', () => {
  void it('keeps what a reader needs of each Raft message', () => {
    const envelope = { term: 3, from: 0, to: 1 };
    assert.deepEqual(
      rpcFields({ ...envelope, type: 'RequestVote', preVote: true, lastLogIndex: 4, lastLogTerm: 2 }),
      { term: 3, preVote: true, lastLogIndex: 4, lastLogTerm: 2 },
    );
    assert.deepEqual(
      rpcFields({ ...envelope, type: 'RequestVoteReply', preVote: false, voteGranted: true }),
      {
        term: 3,
        preVote: false,
        voteGranted: true,
      },
    );
    const entries = [{ index: 5, term: 3, command: 'x' }];
    assert.deepEqual(
      rpcFields({
        ...envelope,
        type: 'AppendEntries',
        prevLogIndex: 4,
        prevLogTerm: 2,
        entries,
        leaderCommit: 4,
      }),
      { term: 3, prevLogIndex: 4, prevLogTerm: 2, entries: 1, leaderCommit: 4 },
    );
    assert.deepEqual(
      rpcFields({
        ...envelope,
        type: 'AppendEntriesReply',
        success: false,
        matchIndex: 0,
        rejectedIndex: 4,
        conflict: { xTerm: 1, xIndex: 2, xLen: 5 },
      }),
      { term: 3, success: false, matchIndex: 0, conflict: [1, 2, 5] },
    );
    assert.deepEqual(
      rpcFields({
        ...envelope,
        type: 'InstallSnapshot',
        lastIncludedIndex: 9,
        lastIncludedTerm: 2,
        data: null,
      }),
      { term: 3, lastIncludedIndex: 9, lastIncludedTerm: 2 },
    );
    assert.deepEqual(rpcFields({ ...envelope, type: 'InstallSnapshotReply', matchIndex: 9 }), {
      term: 3,
      matchIndex: 9,
    });
  });

  void it('says nothing of a value that is no Raft message', () => {
    assert.deepEqual(rpcFields(null), {});
    assert.deepEqual(rpcFields({ index: 1 }), {});
    assert.equal(rpcType('Raft.AppendEntries', { index: 1 }), 'AppendEntries');
    assert.equal(rpcType('Raft.AppendEntries', { type: 'AppendEntries' }), 'AppendEntries');
  });
});
