import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from './messages.js';
import { validateMessage } from './message-validation.js';

const valid: Message[] = [
  {
    type: 'RequestVote',
    term: 2,
    from: 1,
    to: 2,
    preVote: false,
    transfer: false,
    lastLogIndex: 3,
    lastLogTerm: 1,
  },
  {
    type: 'RequestVote',
    term: 2,
    from: 1,
    to: 2,
    preVote: true,
    transfer: false,
    lastLogIndex: 0,
    lastLogTerm: 0,
  },
  { type: 'RequestVoteReply', term: 2, from: 2, to: 1, preVote: false, voteGranted: true },
  {
    type: 'AppendEntries',
    term: 3,
    from: 0,
    to: 1,
    prevLogIndex: 4,
    prevLogTerm: 2,
    entries: [
      { index: 5, term: 2, command: 'a' },
      { index: 6, term: 3, command: { any: ['thing'] } },
      { index: 7, term: 3, command: null },
    ],
    leaderCommit: 4,
  },
  {
    type: 'AppendEntries',
    term: 3,
    from: 0,
    to: 1,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
  },
  {
    type: 'AppendEntriesReply',
    term: 3,
    from: 1,
    to: 0,
    success: false,
    matchIndex: 0,
    rejectedIndex: 4,
    conflict: { xTerm: -1, xIndex: -1, xLen: 2 },
  },
  {
    type: 'AppendEntriesReply',
    term: 3,
    from: 1,
    to: 0,
    success: true,
    matchIndex: 7,
    rejectedIndex: 0,
    conflict: null,
  },
  {
    type: 'InstallSnapshot',
    term: 3,
    from: 0,
    to: 1,
    lastIncludedIndex: 9,
    lastIncludedTerm: 2,
    offset: 0,
    size: 2,
    data: Uint8Array.of(1, 2),
    done: true,
  },
  {
    type: 'InstallSnapshotReply',
    term: 3,
    from: 1,
    to: 0,
    lastIncludedIndex: 9,
    lastIncludedTerm: 2,
    offset: 0,
    received: 2,
    matchIndex: 9,
  },
  { type: 'Heartbeat', term: 3, from: 0, to: 1, commit: 4, readRound: 2 },
  { type: 'HeartbeatReply', term: 3, from: 1, to: 0, readRound: 2 },
  { type: 'TimeoutNow', term: 3, from: 0, to: 1 },
  {
    type: 'RequestVote',
    term: 4,
    from: 1,
    to: 2,
    preVote: false,
    transfer: true,
    lastLogIndex: 3,
    lastLogTerm: 1,
  },
  {
    type: 'InstallSnapshot',
    term: 3,
    from: 0,
    to: 1,
    lastIncludedIndex: 9,
    lastIncludedTerm: 2,
    offset: 4,
    size: 10,
    data: Uint8Array.of(4, 5, 6, 7),
    done: false,
  },
  {
    type: 'InstallSnapshotReply',
    term: 3,
    from: 1,
    to: 0,
    lastIncludedIndex: 9,
    lastIncludedTerm: 2,
    offset: 4,
    received: 8,
    matchIndex: 0,
  },
];

/** The middle chunk of a ten-byte snapshot: bytes [4, 8). */
const midChunk = valid[13] as Message;

const ae = valid[3] as Extract<Message, { type: 'AppendEntries' }>;

/** `base` with some fields replaced (or removed, with undefined), as an untyped value off the wire. */
function tamper(base: Message, fields: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) Reflect.deleteProperty(copy, k);
    else copy[k] = v;
  }
  return copy;
}

function refused(value: unknown): string {
  const result = validateMessage(value);
  if (result.ok) return assert.fail(`accepted ${JSON.stringify(value)}`);
  return result.error;
}

void describe('validateMessage', () => {
  void it('accepts a well-formed message of every type and hands the same object back', () => {
    for (const m of valid) {
      const result = validateMessage(m);
      assert.ok(result.ok, `${m.type}: ${result.ok ? '' : result.error}`);
      assert.equal(result.message, m);
    }
  });

  void it('refuses what is not an object', () => {
    for (const v of [null, undefined, 3, 'RequestVote', true]) assert.equal(refused(v), 'not an object');
  });

  void it('refuses a bad term: negative, fractional, unsafe, not a number', () => {
    for (const term of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '1', NaN, Infinity, undefined]) {
      assert.equal(refused(tamper(ae, { term })), 'bad term', String(term));
    }
  });

  void it('refuses bad from/to ids', () => {
    assert.equal(refused(tamper(ae, { from: -1 })), 'bad from/to');
    assert.equal(refused(tamper(ae, { to: '1' })), 'bad from/to');
    assert.equal(refused(tamper(ae, { to: undefined })), 'bad from/to');
  });

  void it('refuses an unknown type', () => {
    assert.equal(refused(tamper(ae, { type: 'Gossip' })), 'unknown message type');
    assert.equal(refused(tamper(ae, { type: undefined })), 'unknown message type');
  });

  void it('refuses a RequestVote or RequestVoteReply with a wrong field type', () => {
    const rv = valid[0] as Message;
    assert.equal(refused(tamper(rv, { preVote: 'no' })), 'bad RequestVote');
    assert.equal(refused(tamper(rv, { lastLogIndex: -1 })), 'bad RequestVote');
    assert.equal(refused(tamper(rv, { lastLogTerm: undefined })), 'bad RequestVote');
    const rvr = valid[2] as Message;
    assert.equal(refused(tamper(rvr, { voteGranted: 1 })), 'bad RequestVoteReply');
    assert.equal(refused(tamper(rvr, { preVote: undefined })), 'bad RequestVoteReply');
  });

  void it('refuses an AppendEntries with bad indices', () => {
    assert.equal(refused(tamper(ae, { prevLogIndex: -1 })), 'bad AppendEntries');
    assert.equal(refused(tamper(ae, { prevLogTerm: 0.5 })), 'bad AppendEntries');
    assert.equal(refused(tamper(ae, { leaderCommit: '4' })), 'bad AppendEntries');
  });

  void it('refuses entries that are not an array of objects', () => {
    assert.equal(refused(tamper(ae, { entries: { 0: ae.entries[0] } })), 'entries is not an array');
    assert.equal(refused(tamper(ae, { entries: undefined })), 'entries is not an array');
    assert.equal(refused(tamper(ae, { entries: [ae.entries[0], null] })), 'entry 1 is not an object');
  });

  void it('refuses entries that are not contiguous after prevLogIndex', () => {
    const e = (index: number, term: number): unknown => ({ index, term, command: 'x' });
    assert.equal(
      refused(tamper(ae, { entries: [e(6, 2)] })),
      'entry 0 has index 6',
      'must start at prev + 1',
    );
    assert.equal(refused(tamper(ae, { entries: [e(5, 2), e(7, 2)] })), 'entry 1 has index 7', 'a gap');
    assert.equal(refused(tamper(ae, { entries: [e(5, 2), e(5, 2)] })), 'entry 1 has index 5', 'a repeat');
    assert.equal(refused(tamper(ae, { entries: [{ term: 2 }] })), 'entry 0 has index undefined');
  });

  void it('refuses entry terms that decrease, exceed the leader term, or are not indices', () => {
    const e = (index: number, term: unknown): unknown => ({ index, term, command: 'x' });
    assert.equal(
      refused(tamper(ae, { entries: [e(5, 3), e(6, 2)] })),
      'entry 1 has a bad term',
      'decreasing',
    );
    assert.equal(
      refused(tamper(ae, { entries: [e(5, 4)] })),
      'entry 0 has a bad term',
      'above the leader term 3',
    );
    assert.equal(refused(tamper(ae, { entries: [e(5, -1)] })), 'entry 0 has a bad term');
    assert.equal(refused(tamper(ae, { entries: [e(5, '2')] })), 'entry 0 has a bad term');
  });

  void it('refuses an AppendEntriesReply with bad fields or a malformed conflict hint', () => {
    const nack = valid[5] as Message;
    assert.equal(refused(tamper(nack, { success: 'false' })), 'bad AppendEntriesReply');
    assert.equal(refused(tamper(nack, { matchIndex: -2 })), 'bad AppendEntriesReply');
    assert.equal(refused(tamper(nack, { rejectedIndex: undefined })), 'bad AppendEntriesReply');
    assert.equal(refused(tamper(nack, { conflict: undefined })), 'bad conflict hint');
    assert.equal(
      refused(tamper(nack, { conflict: { xTerm: 1.5, xIndex: 1, xLen: 2 } })),
      'bad conflict hint',
    );
    assert.equal(refused(tamper(nack, { conflict: { xTerm: 1, xIndex: 1, xLen: -1 } })), 'bad conflict hint');
    assert.equal(refused(tamper(nack, { conflict: { xTerm: 1, xLen: 2 } })), 'bad conflict hint');
  });

  void it('refuses an InstallSnapshot or its reply with bad fields', () => {
    const snap = valid[7] as Message;
    assert.equal(refused(tamper(snap, { data: [1, 2] })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(snap, { data: 'AQI=' })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(snap, { lastIncludedIndex: -1 })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(snap, { lastIncludedTerm: undefined })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(valid[8] as Message, { matchIndex: 1.5 })), 'bad InstallSnapshotReply');
  });

  void it('refuses a RequestVote without its transfer flag', () => {
    assert.equal(refused(tamper(valid[0] as Message, { transfer: undefined })), 'bad RequestVote');
    assert.equal(refused(tamper(valid[12] as Message, { transfer: 'yes' })), 'bad RequestVote');
  });

  void it('refuses a Heartbeat or HeartbeatReply with bad fields', () => {
    assert.equal(refused(tamper(valid[9] as Message, { commit: -1 })), 'bad Heartbeat');
    assert.equal(refused(tamper(valid[9] as Message, { readRound: undefined })), 'bad Heartbeat');
    assert.equal(refused(tamper(valid[10] as Message, { readRound: 0.5 })), 'bad HeartbeatReply');
  });

  void it('refuses a snapshot chunk that runs past the snapshot size', () => {
    assert.equal(refused(tamper(midChunk, { offset: 7 })), 'snapshot chunk runs past the snapshot size');
    assert.equal(refused(tamper(midChunk, { size: 6 })), 'snapshot chunk runs past the snapshot size');
  });

  void it('refuses a snapshot chunk whose done flag disagrees with where it ends', () => {
    assert.equal(
      refused(tamper(midChunk, { done: true })),
      'snapshot chunk done flag disagrees with its end',
    );
    assert.equal(
      refused(tamper(valid[7] as Message, { done: false })),
      'snapshot chunk done flag disagrees with its end',
      'the last (here only) chunk must say done',
    );
  });

  void it('refuses a snapshot chunk with bad offset, size or done fields, or a snapshot of no entry', () => {
    assert.equal(refused(tamper(midChunk, { offset: -4 })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(midChunk, { size: undefined })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(midChunk, { done: 0 })), 'bad InstallSnapshot');
    assert.equal(refused(tamper(midChunk, { lastIncludedIndex: 0 })), 'bad InstallSnapshot');
  });

  void it('refuses an InstallSnapshotReply with bad chunk fields', () => {
    const r = valid[14] as Message;
    assert.equal(refused(tamper(r, { received: -1 })), 'bad InstallSnapshotReply');
    assert.equal(refused(tamper(r, { offset: undefined })), 'bad InstallSnapshotReply');
    assert.equal(refused(tamper(r, { lastIncludedTerm: 1.5 })), 'bad InstallSnapshotReply');
  });
});
