// fast-check arbitraries for every core Message, well formed as validateMessage defines it, with commands as the
// real runtime has them (Uint8Array, or null for a leader's no-op), plus one fixed sample of each type.
import fc from 'fast-check';
import type { Entry, Message } from '../../src/core/index.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Mostly small numbers (the common case, one-byte varints), sometimes anything up to 2^53-1. */
export const nat = (max = MAX): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.nat(Math.min(300, max)), weight: 3 }, { arbitrary: fc.nat(max), weight: 1 });

const safeInt = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.maxSafeInteger());

/** A command: bytes, or null. */
export const command: fc.Arbitrary<Uint8Array | null> = fc.option(fc.uint8Array({ maxLength: 48 }), {
  nil: null,
  freq: 4,
});

const envelope = fc.record({ term: nat(), from: nat(), to: nat() });

const appendEntries = fc
  .record({
    env: envelope,
    prevLogIndex: nat(MAX - 64),
    prevLogTerm: nat(),
    leaderCommit: nat(),
    entries: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), command), { maxLength: 8 }),
  })
  .map(({ env, prevLogIndex, prevLogTerm, leaderCommit, entries }): Message => {
    // Terms that never decrease and never exceed the leader's: sorted fractions of its term.
    const fractions = entries.map(([f]) => f).sort((a, b) => a - b);
    const list: Entry[] = entries.map(([, cmd], k) => ({
      index: prevLogIndex + 1 + k,
      term: Math.floor((fractions[k] ?? 0) * env.term),
      command: cmd,
    }));
    return { type: 'AppendEntries', ...env, prevLogIndex, prevLogTerm, leaderCommit, entries: list };
  });

const installSnapshot = fc
  .record({
    env: envelope,
    lastIncludedIndex: fc.integer({ min: 1, max: MAX }),
    lastIncludedTerm: nat(),
    offset: nat(MAX - 1_000_000),
    data: fc.uint8Array({ maxLength: 256 }),
    rest: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
  })
  .map(({ env, lastIncludedIndex, lastIncludedTerm, offset, data, rest }): Message => ({
    type: 'InstallSnapshot',
    ...env,
    lastIncludedIndex,
    lastIncludedTerm,
    offset,
    size: offset + data.length + rest,
    data,
    done: rest === 0,
  }));

/** Any well-formed core Message. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({
      env: envelope,
      preVote: fc.boolean(),
      transfer: fc.boolean(),
      lastLogIndex: nat(),
      lastLogTerm: nat(),
    })
    .map(({ env, ...rest }): Message => ({ type: 'RequestVote', ...env, ...rest })),
  fc
    .record({ env: envelope, preVote: fc.boolean(), voteGranted: fc.boolean() })
    .map(({ env, ...rest }): Message => ({ type: 'RequestVoteReply', ...env, ...rest })),
  appendEntries,
  fc
    .record({
      env: envelope,
      success: fc.boolean(),
      matchIndex: nat(),
      rejectedIndex: nat(),
      conflict: fc.option(
        fc.record({ xTerm: safeInt, xIndex: safeInt, xLen: nat() }).map((c) => ({ ...c })), // a plain prototype
        { nil: null },
      ),
    })
    .map(({ env, ...rest }): Message => ({ type: 'AppendEntriesReply', ...env, ...rest })),
  fc
    .record({ env: envelope, commit: nat(), readRound: nat() })
    .map(({ env, ...rest }): Message => ({ type: 'Heartbeat', ...env, ...rest })),
  fc
    .record({ env: envelope, readRound: nat() })
    .map(({ env, ...rest }): Message => ({ type: 'HeartbeatReply', ...env, ...rest })),
  installSnapshot,
  fc
    .record({
      env: envelope,
      lastIncludedIndex: nat(),
      lastIncludedTerm: nat(),
      offset: nat(),
      received: nat(),
      matchIndex: nat(),
    })
    .map(({ env, ...rest }): Message => ({ type: 'InstallSnapshotReply', ...env, ...rest })),
  envelope.map((env): Message => ({ type: 'TimeoutNow', ...env })),
);

/** One message of every type from `from` to `to`, with entries carrying bytes and a no-op. */
export function sampleMessages(from: number, to: number): Message[] {
  const env = { term: 7, from, to };
  return [
    { type: 'RequestVote', ...env, preVote: true, transfer: false, lastLogIndex: 12, lastLogTerm: 6 },
    { type: 'RequestVoteReply', ...env, preVote: false, voteGranted: true },
    {
      type: 'AppendEntries',
      ...env,
      prevLogIndex: 10,
      prevLogTerm: 6,
      leaderCommit: 9,
      entries: [
        { index: 11, term: 7, command: null },
        { index: 12, term: 7, command: new Uint8Array([1, 2, 3, 255]) },
        { index: 13, term: 7, command: new Uint8Array(300).fill(42) },
      ],
    },
    {
      type: 'AppendEntriesReply',
      ...env,
      success: false,
      matchIndex: 0,
      rejectedIndex: 10,
      conflict: { xTerm: -1, xIndex: 0, xLen: 5 },
    },
    { type: 'AppendEntriesReply', ...env, success: true, matchIndex: 13, rejectedIndex: 0, conflict: null },
    { type: 'Heartbeat', ...env, commit: 9, readRound: 3 },
    { type: 'HeartbeatReply', ...env, readRound: 3 },
    {
      type: 'InstallSnapshot',
      ...env,
      lastIncludedIndex: 100,
      lastIncludedTerm: 5,
      offset: 1000,
      size: 1500,
      data: new Uint8Array(500).map((_, i) => i & 0xff),
      done: true,
    },
    {
      type: 'InstallSnapshotReply',
      ...env,
      lastIncludedIndex: 100,
      lastIncludedTerm: 5,
      offset: 1000,
      received: 1500,
      matchIndex: 100,
    },
    { type: 'TimeoutNow', ...env },
  ];
}
