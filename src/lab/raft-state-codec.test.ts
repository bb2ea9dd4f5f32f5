import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry, PersistedState, Ready, Snapshot } from '../core/index.js';
import { Prng } from '../sim/index.js';
import { CorruptStateError, decodeRaftState, RaftStateWriter } from './raft-state-codec.js';

const noChange: Ready = {
  hardState: null,
  snapshot: null,
  entries: null,
  eagerMessages: [],
  messages: [],
  applySnapshot: null,
  committed: [],
  readStates: [],
  droppedReads: [],
};

function entries(from: number, terms: readonly number[]): Entry[] {
  return terms.map((term, k) => ({ index: from + k, term, command: `c${from + k}@${term}` }));
}

void describe('RaftStateWriter and decodeRaftState', () => {
  void it('round-trips a state with a snapshot, a vote and commands of several types', () => {
    const data = new Uint8Array([9, 8, 7]);
    const state: PersistedState = {
      hardState: { term: 7, votedFor: 2 },
      snapshot: { index: 300, term: 5, data },
      entries: [
        { index: 301, term: 5, command: 12345678901 },
        { index: 302, term: 6, command: 'x'.repeat(200) },
        { index: 303, term: 7, command: { op: 'put', key: 'k' } },
      ],
    };
    const decoded = decodeRaftState(new RaftStateWriter(state).bytes(), data);
    assert.deepEqual(decoded, state);
  });

  void it('round-trips the empty state (no vote, no snapshot, no entries)', () => {
    const state: PersistedState = { hardState: { term: 0, votedFor: null }, snapshot: null, entries: [] };
    assert.deepEqual(decodeRaftState(new RaftStateWriter(state).bytes(), new Uint8Array(0)), state);
  });

  void it('follows appends, conflicting truncations and compactions as a full rewrite would', () => {
    const rand = new Prng(5);
    let log: Entry[] = [];
    let snapshot = null as Snapshot | null;
    let term = 1;
    const writer = new RaftStateWriter({ hardState: { term, votedFor: null }, snapshot: null, entries: [] });
    for (let step = 0; step < 500; step++) {
      const snapshotIndex = snapshot?.index ?? 0;
      const lastIndex = snapshotIndex + log.length;
      const roll = rand.int(10);
      let ready: Ready;
      if (roll < 6) {
        // Append, possibly over a conflicting suffix.
        const from = Math.max(snapshotIndex + 1, lastIndex + 1 - rand.int(4));
        if (rand.int(3) === 0) term++;
        const added = entries(
          from,
          Array.from({ length: 1 + rand.int(3) }, () => term),
        );
        log = [...log.slice(0, from - snapshotIndex - 1), ...added];
        ready = { ...noChange, entries: { from, entries: added } };
      } else if (roll < 8 && lastIndex > snapshotIndex) {
        // Compact through a random retained index.
        const index = snapshotIndex + 1 + rand.int(lastIndex - snapshotIndex);
        const kept = log[index - snapshotIndex - 1] as Entry;
        snapshot = { index, term: kept.term, data: new Uint8Array([index % 256]) };
        log = log.slice(index - snapshotIndex);
        ready = { ...noChange, snapshot };
      } else {
        term++;
        ready = { ...noChange, hardState: { term, votedFor: rand.int(3) } };
      }
      writer.update(ready);
      const decoded = decodeRaftState(writer.bytes(), snapshot?.data ?? new Uint8Array(0));
      assert.deepEqual(decoded.entries, log, `entries after step ${step}`);
      assert.equal(decoded.snapshot?.index ?? 0, snapshot?.index ?? 0, `snapshot after step ${step}`);
    }
  });

  void it('refuses corrupt bytes with a CorruptStateError, never a guess', () => {
    const good = new RaftStateWriter({
      hardState: { term: 3, votedFor: 1 },
      snapshot: null,
      entries: entries(1, [1, 2, 3]),
    }).bytes();
    const corrupt = [
      new Uint8Array(0), // empty
      Uint8Array.of(99, ...good.subarray(1)), // unknown version
      good.subarray(0, good.byteLength - 2), // truncated
      Uint8Array.of(...good, 0), // trailing bytes
    ];
    for (const bytes of corrupt) {
      assert.throws(() => decodeRaftState(bytes, new Uint8Array(0)), CorruptStateError);
    }
  });
});
