import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Persister } from './persister.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

void describe('Persister', () => {
  void it('starts empty', () => {
    const p = new Persister();
    assert.equal(p.raftStateSize(), 0);
    assert.equal(p.snapshotSize(), 0);
    assert.deepEqual(p.readRaftState(), new Uint8Array(0));
    assert.deepEqual(p.readSnapshot(), new Uint8Array(0));
  });

  void it('round-trips the Raft state and the snapshot, and reports their sizes', () => {
    const p = new Persister();
    p.save(bytes(1, 2, 3), bytes(9, 8, 7, 6, 5));
    assert.deepEqual(p.readRaftState(), bytes(1, 2, 3));
    assert.deepEqual(p.readSnapshot(), bytes(9, 8, 7, 6, 5));
    assert.equal(p.raftStateSize(), 3);
    assert.equal(p.snapshotSize(), 5);
  });

  void it('save replaces both the state and the snapshot', () => {
    const p = new Persister();
    p.save(bytes(1, 2, 3), bytes(4, 5));
    p.save(bytes(7), bytes(8, 9, 10));
    assert.deepEqual(p.readRaftState(), bytes(7));
    assert.deepEqual(p.readSnapshot(), bytes(8, 9, 10));
    assert.equal(p.raftStateSize(), 1);
    assert.equal(p.snapshotSize(), 3);
    // An empty state replaces a non-empty one too.
    p.save(new Uint8Array(0), bytes(1));
    assert.equal(p.raftStateSize(), 0);
    assert.deepEqual(p.readSnapshot(), bytes(1));
  });

  void it('a null snapshot means an empty one, and replaces an earlier snapshot', () => {
    const p = new Persister();
    p.save(bytes(1), bytes(2, 3));
    p.save(bytes(4, 5), null);
    assert.deepEqual(p.readRaftState(), bytes(4, 5));
    assert.equal(p.snapshotSize(), 0);
    assert.deepEqual(p.readSnapshot(), new Uint8Array(0));
  });

  void it('copies bytes on save: changing the input afterwards changes nothing', () => {
    const p = new Persister();
    const state = bytes(1, 2, 3);
    const snapshot = bytes(4, 5, 6);
    p.save(state, snapshot);
    state[0] = 100;
    snapshot[0] = 100;
    assert.deepEqual(p.readRaftState(), bytes(1, 2, 3));
    assert.deepEqual(p.readSnapshot(), bytes(4, 5, 6));
  });

  void it('copies only the viewed bytes of a subarray', () => {
    const backing = bytes(0, 1, 2, 3, 4, 5, 6, 7);
    const p = new Persister();
    p.save(backing.subarray(2, 4), backing.subarray(5));
    assert.deepEqual(p.readRaftState(), bytes(2, 3));
    assert.deepEqual(p.readSnapshot(), bytes(5, 6, 7));
    assert.equal(p.raftStateSize(), 2);
    assert.equal(p.snapshotSize(), 3);
    backing.fill(0);
    assert.deepEqual(p.readRaftState(), bytes(2, 3));
  });

  void it('copies bytes on read: changing the output changes nothing', () => {
    const p = new Persister();
    p.save(bytes(1, 2, 3), bytes(4, 5, 6));
    const state = p.readRaftState();
    const snapshot = p.readSnapshot();
    state[0] = 100;
    snapshot[0] = 100;
    assert.deepEqual(p.readRaftState(), bytes(1, 2, 3));
    assert.deepEqual(p.readSnapshot(), bytes(4, 5, 6));
    assert.notEqual(p.readRaftState(), p.readRaftState());
  });

  void it('copy() holds the same contents, independent of later saves to either', () => {
    const original = new Persister();
    original.save(bytes(1, 2), bytes(3, 4, 5));
    const copy = original.copy();
    assert.deepEqual(copy.readRaftState(), bytes(1, 2));
    assert.deepEqual(copy.readSnapshot(), bytes(3, 4, 5));

    original.save(bytes(9, 9, 9, 9), null);
    assert.deepEqual(copy.readRaftState(), bytes(1, 2));
    assert.deepEqual(copy.readSnapshot(), bytes(3, 4, 5));
    assert.equal(copy.raftStateSize(), 2);
    assert.equal(copy.snapshotSize(), 3);

    copy.save(bytes(7), bytes(7));
    assert.deepEqual(original.readRaftState(), bytes(9, 9, 9, 9));
    assert.equal(original.snapshotSize(), 0);
  });

  void it("reads from a copy cannot reach the original's bytes", () => {
    const original = new Persister();
    original.save(bytes(1, 2), bytes(3));
    const copy = original.copy();
    const read = copy.readRaftState();
    read[0] = 50;
    const snap = copy.readSnapshot();
    snap[0] = 50;
    assert.deepEqual(original.readRaftState(), bytes(1, 2));
    assert.deepEqual(original.readSnapshot(), bytes(3));
  });

  void it('saving the same snapshot array again keeps the copy it made, and a new array is copied', () => {
    const p = new Persister();
    const snap = new Uint8Array([1, 2, 3]);
    p.save(new Uint8Array([9]), snap);
    p.save(new Uint8Array([8]), snap);
    assert.deepEqual(p.readSnapshot(), new Uint8Array([1, 2, 3]));
    const next = new Uint8Array([4, 5]);
    p.save(new Uint8Array([7]), next);
    next[0] = 0; // the caller's later change does not reach what was saved
    assert.deepEqual(p.readSnapshot(), new Uint8Array([4, 5]));
    p.save(new Uint8Array([6]), null);
    assert.equal(p.snapshotSize(), 0);
    p.save(new Uint8Array([6]), next);
    assert.deepEqual(p.readSnapshot(), new Uint8Array([0, 5]));
  });
});
