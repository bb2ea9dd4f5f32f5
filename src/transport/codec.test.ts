import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { validateMessage, type Message } from '../core/index.js';
import { command, message, nat, sampleMessages } from '../../test/support/message-arbitraries.js';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
} from './codec.js';
import { CodecError } from './errors.js';

/** Runs `f`; passes if it returns or throws a CodecError, and fails on any other exception. */
function decodesOrCodecError(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
  }
}

function codecErrorCode(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof CodecError, `expected a CodecError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a CodecError');
}

describe('codec', () => {
  test('every message type round-trips, and decodes into a fresh message that validates', () => {
    const types = new Set<string>();
    for (const m of sampleMessages(1, 2)) {
      const decoded = decodeMessage(encodeMessage(m));
      assert.deepEqual(decoded, m);
      assert.ok(validateMessage(decoded).ok);
      types.add(m.type);
    }
    assert.equal(types.size, 9);
  });

  test('decoded byte strings are copies, not views of the input', () => {
    const bytes = encodeMessage(sampleMessages(1, 2)[2] as Message);
    const decoded = decodeMessage(bytes);
    assert.ok(decoded.type === 'AppendEntries');
    const cmd = decoded.entries[1]?.command;
    assert.ok(cmd instanceof Uint8Array);
    assert.notEqual(cmd.buffer, bytes.buffer);
    assert.equal(cmd.constructor, Uint8Array);
  });

  test('the layout is compact: a heartbeat with small numbers takes 8 bytes', () => {
    const hb: Message = { type: 'Heartbeat', term: 3, from: 1, to: 2, commit: 100, readRound: 4 };
    assert.deepEqual([...encodeMessage(hb)], [1, 5, 3, 1, 2, 100, 4]);
  });

  test('an AppendEntries carrying 256-byte entries costs 4 bytes per entry over its payload', () => {
    const entries = Array.from({ length: 64 }, (_, k) => ({
      index: 1001 + k,
      term: 9,
      command: new Uint8Array(256),
    }));
    const m: Message = {
      type: 'AppendEntries',
      term: 9,
      from: 1,
      to: 2,
      prevLogIndex: 1000,
      prevLogTerm: 9,
      leaderCommit: 1000,
      entries,
    };
    assert.ok(encodeMessage(m).length <= 64 * (256 + 4) + 16);
  });

  test('refuses to encode a message validateMessage refuses, or a command that is not bytes', () => {
    const bad = { type: 'Heartbeat', term: -1, from: 1, to: 2, commit: 0, readRound: 0 } as Message;
    assert.equal(
      codecErrorCode(() => encodeMessage(bad)),
      'CODEC_INVALID_MESSAGE',
    );
    const gap: Message = {
      type: 'AppendEntries',
      term: 2,
      from: 1,
      to: 2,
      prevLogIndex: 5,
      prevLogTerm: 1,
      leaderCommit: 0,
      entries: [{ index: 7, term: 2, command: null }],
    };
    assert.equal(
      codecErrorCode(() => encodeMessage(gap)),
      'CODEC_INVALID_MESSAGE',
    );
    const str: Message = { ...gap, entries: [{ index: 6, term: 2, command: 'x' }] };
    assert.equal(
      codecErrorCode(() => encodeMessage(str)),
      'CODEC_UNSUPPORTED_VALUE',
    );
  });

  test('typed errors for a bad version, an unknown tag, trailing bytes, truncation', () => {
    const hb = encodeMessage({ type: 'HeartbeatReply', term: 1, from: 0, to: 1, readRound: 0 });
    assert.equal(
      codecErrorCode(() => decodeMessage(Uint8Array.of(2, ...hb.subarray(1)))),
      'CODEC_BAD_VERSION',
    );
    assert.equal(
      codecErrorCode(() => decodeMessage(Uint8Array.of(1, 99, 0, 0, 0))),
      'CODEC_UNKNOWN_TYPE',
    );
    assert.equal(
      codecErrorCode(() => decodeMessage(Uint8Array.of(...hb, 0))),
      'CODEC_TRAILING_BYTES',
    );
    assert.equal(
      codecErrorCode(() => decodeMessage(hb.subarray(0, hb.length - 1))),
      'CODEC_TRUNCATED',
    );
    assert.equal(
      codecErrorCode(() => decodeMessage(new Uint8Array(0))),
      'CODEC_TRUNCATED',
    );
  });

  test('a decoded message that breaks validateMessage is refused (entry terms above the leader term)', () => {
    // AppendEntries term 1 carrying one entry of term 5.
    const bytes = Uint8Array.of(1, 3, 1, 0, 1, 0, 0, 0, 1, 5, 0);
    assert.equal(
      codecErrorCode(() => decodeMessage(bytes)),
      'CODEC_INVALID_MESSAGE',
    );
  });

  test('a hostile count or length costs no allocation: refused against the bytes left', () => {
    // An AppendEntries announcing 2^53-1 entries, then a snapshot chunk announcing a 2^50-byte data field.
    const w = new ByteWriter();
    for (const b of [1, 3, 1, 0, 1, 0, 0, 0]) w.u8(b);
    w.uint(Number.MAX_SAFE_INTEGER);
    assert.equal(
      codecErrorCode(() => decodeMessage(w.finish())),
      'CODEC_TRUNCATED',
    );
    const s = new ByteWriter();
    for (const b of [1, 7, 1, 0, 1, 1, 0, 0]) s.u8(b);
    s.uint(2 ** 50);
    s.u8(1);
    s.uint(2 ** 50);
    assert.equal(
      codecErrorCode(() => decodeMessage(s.finish())),
      'CODEC_TRUNCATED',
    );
  });

  test('varints: exact to 2^53-1; overlong, too long and too large forms are refused', () => {
    for (const n of [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32,
      2 ** 49,
      Number.MAX_SAFE_INTEGER,
    ]) {
      const w = new ByteWriter();
      w.uint(n);
      const r = new ByteReader(w.finish());
      assert.equal(r.uint(), n);
      r.expectEnd();
    }
    const bad = (bytes: number[]): string =>
      codecErrorCode(() => new ByteReader(Uint8Array.from(bytes)).uint());
    assert.equal(bad([0x80, 0x00]), 'CODEC_BAD_VARINT');
    assert.equal(bad([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'CODEC_BAD_VARINT');
    assert.equal(bad([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]), 'CODEC_BAD_VARINT'); // 2^53
    assert.equal(bad([0x80]), 'CODEC_TRUNCATED');
    assert.equal(
      codecErrorCode(() => {
        new ByteWriter().uint(-1);
      }),
      'CODEC_UNSUPPORTED_VALUE',
    );
  });

  test('entries, snapshots and hard state round-trip for storage, with typed errors on damage', () => {
    const entries = [
      { index: 1, term: 1, command: null },
      { index: 2 ** 40, term: 3, command: new Uint8Array([9, 8, 7]) },
    ];
    for (const e of entries) assert.deepEqual(decodeEntry(encodeEntry(e)), e);
    const snap = { index: 50, term: 4, data: new Uint8Array(1000).fill(3) };
    assert.deepEqual(decodeSnapshot(encodeSnapshot(snap)), snap);
    for (const hs of [
      { term: 0, votedFor: null },
      { term: 9, votedFor: 0 },
      { term: 9, votedFor: 4 },
    ]) {
      assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
    }
    assert.equal(
      codecErrorCode(() => decodeSnapshot(encodeEntry(entries[0] as (typeof entries)[0]))),
      'CODEC_UNKNOWN_TYPE',
    );
    const e = encodeEntry(entries[1] as (typeof entries)[0]);
    assert.equal(
      codecErrorCode(() => decodeEntry(e.subarray(0, e.length - 1))),
      'CODEC_TRUNCATED',
    );
  });
});

describe('codec properties (fast-check)', () => {
  test('encode then decode gives back every message, of every type', () => {
    fc.assert(
      fc.property(message, (m) => {
        const decoded = decodeMessage(encodeMessage(m));
        assert.deepEqual(decoded, m);
        assert.ok(validateMessage(decoded).ok);
      }),
      { numRuns: 2000 },
    );
  });

  test('arbitrary bytes decode to a valid message or throw a CodecError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodesOrCodecError(() => {
          const m = decodeMessage(bytes);
          assert.ok(validateMessage(m).ok);
        });
        decodesOrCodecError(() => decodeEntry(bytes));
        decodesOrCodecError(() => decodeSnapshot(bytes));
        decodesOrCodecError(() => decodeHardState(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  test('bytes near a valid encoding (a valid prefix, flips, cuts, splices) decode or throw a CodecError', () => {
    const mutated = fc
      .tuple(
        message,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([m, flips, cut, tail]) => {
        const bytes = encodeMessage(m).slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        return Uint8Array.of(...bytes.subarray(0, 1 + (cut % bytes.length)), ...tail);
      });
    fc.assert(
      fc.property(mutated, (bytes) => {
        decodesOrCodecError(() => {
          // Canonical encoding: whatever decodes re-encodes to exactly the same bytes.
          assert.deepEqual(encodeMessage(decodeMessage(bytes)), bytes);
        });
      }),
      { numRuns: 3000 },
    );
  });

  test('entries round-trip for storage', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        nat(),
        command,
        (index, term, cmd) => {
          const e = { index, term, command: cmd };
          assert.deepEqual(decodeEntry(encodeEntry(e)), e);
        },
      ),
    );
  });
});
