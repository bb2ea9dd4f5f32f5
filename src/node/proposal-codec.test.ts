import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ByteWriter, CodecError, FrameDecoder } from '../transport/index.js';
import {
  decodeProposalAnswer,
  decodeProposeRequest,
  MAX_ANSWER_FRAME_BYTES,
  proposeFrameBytes,
  writeAnswerFrame,
  writeProposeFrame,
  type ProposalAnswer,
  type RefusalReason,
} from './proposal-codec.js';

/** The bodies of the frames in `bytes`, cut into chunks at `cuts` (any chunking must give the same frames). */
function framesOf(bytes: Uint8Array, cuts: readonly number[] = [], cap?: number): Uint8Array[] {
  const d = new FrameDecoder(cap);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(...d.push(bytes.subarray(at, p)));
    at = p;
  }
  assert.equal(d.buffered, 0, 'no partial frame left over');
  return out;
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

const id = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const reason = fc.constantFrom<RefusalReason>(
  'not_leader',
  'dropped',
  'lost',
  'stopped',
  'timeout',
  'unknown',
);
const answer: fc.Arbitrary<ProposalAnswer> = fc.oneof(
  fc.record({
    type: fc.constant('committed' as const),
    id,
    index: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    term: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  }),
  fc.record({
    type: fc.constant('refused' as const),
    id,
    reason,
    leader: fc.option(fc.nat({ max: 1_000_000 }), { nil: null }),
  }),
);

describe('the proposal protocol codec', () => {
  test('property: proposals written into one buffer come back as the same requests, however chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id, command: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (requests, cuts) => {
          const w = new ByteWriter();
          for (const r of requests) writeProposeFrame(w, r.id, r.command);
          const got = framesOf(w.view(), cuts).map((f) => decodeProposeRequest(f));
          assert.deepEqual(
            got,
            requests.map((r) => ({ type: 'propose', id: r.id, command: r.command })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: answers round-trip, and every answer frame fits the client cap', () => {
    fc.assert(
      fc.property(
        fc.array(answer, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (as, cuts) => {
          const w = new ByteWriter();
          for (const a of as) writeAnswerFrame(w, a);
          const frames = framesOf(w.view(), cuts, MAX_ANSWER_FRAME_BYTES);
          // fast-check builds records without a prototype; the decoder, plain objects.
          assert.deepEqual(
            frames.map(decodeProposalAnswer),
            as.map((a) => ({ ...a })),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('a proposal frame is at most proposeFrameBytes long: the server cap admits every command up to its max', () => {
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 1024 * 1024]) {
      const w = new ByteWriter();
      writeProposeFrame(w, Number.MAX_SAFE_INTEGER, new Uint8Array(size));
      assert.ok(w.length <= proposeFrameBytes(size), `${size}-byte command: frame of ${w.length} bytes`);
      assert.equal(framesOf(w.view(), [], proposeFrameBytes(size)).length, 1);
    }
  });

  test('the command is copied out of the frame: it must not pin (or change with) the socket chunk', () => {
    const w = new ByteWriter();
    writeProposeFrame(w, 7, Uint8Array.of(1, 2, 3));
    const body = framesOf(w.view())[0] as Uint8Array;
    const request = decodeProposeRequest(body);
    body.fill(0);
    assert.deepEqual(request.command, Uint8Array.of(1, 2, 3));
    assert.equal(request.command.byteOffset, 0);
    assert.equal(request.command.buffer.byteLength, 3);
  });

  test('malformed bodies are refused with a typed CodecError', () => {
    const body = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
    // version 1, tag 80 (Propose), id 5, length 3, then only 2 bytes.
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(1, 80, 5, 3, 9, 9))),
      'CODEC_TRUNCATED',
    );
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(1, 80, 5, 1, 9, 0))),
      'CODEC_TRAILING_BYTES',
    );
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(2, 80, 5, 0))),
      'CODEC_BAD_VERSION',
    );
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(1, 81, 5, 0))),
      'CODEC_UNKNOWN_TYPE',
    );
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(1, 80, 0x85, 0x00, 0))),
      'CODEC_BAD_VARINT',
    );
    assert.equal(
      codecErrorCode(() => decodeProposeRequest(body(1))),
      'CODEC_TRUNCATED',
    );
    assert.equal(
      codecErrorCode(() => decodeProposalAnswer(body(1, 82, 5, 0, 0))),
      'CODEC_BAD_FLAGS',
    );
    assert.equal(
      codecErrorCode(() => decodeProposalAnswer(body(1, 82, 5, 7, 0))),
      'CODEC_BAD_FLAGS',
    );
    assert.equal(
      codecErrorCode(() => decodeProposalAnswer(body(1, 80, 5, 0))),
      'CODEC_UNKNOWN_TYPE',
    );
    assert.equal(
      codecErrorCode(() => decodeProposalAnswer(body(1, 81, 5, 1))),
      'CODEC_TRUNCATED',
    );
    assert.equal(
      codecErrorCode(() => decodeProposalAnswer(body(1, 81, 5, 1, 1, 0))),
      'CODEC_TRAILING_BYTES',
    );
  });

  test('an oversized frame is refused from its length prefix alone, before its body is buffered', () => {
    const d = new FrameDecoder(proposeFrameBytes(1024));
    // Announces 1 MiB, more than the cap for 1 KiB commands; no body byte has been sent.
    assert.equal(
      codecErrorCode(() => d.push(Uint8Array.of(0, 0x10, 0, 0))),
      'CODEC_FRAME_TOO_LARGE',
    );
    assert.equal(d.buffered, 0);
  });

  test('property: arbitrary bytes give requests and answers or a CodecError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        for (const decode of [decodeProposeRequest, decodeProposalAnswer]) {
          try {
            decode(bytes);
          } catch (error) {
            if (!(error instanceof CodecError)) throw error;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('property: whatever decodes re-encodes to the same bytes (one encoding per value)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 40 }),
        fc.constantFrom(80, 81, 82),
        (tail, tag) => {
          const bytes = Uint8Array.from([1, tag, ...tail]);
          const w = new ByteWriter();
          try {
            if (tag === 80) {
              const r = decodeProposeRequest(bytes);
              writeProposeFrame(w, r.id, r.command);
            } else {
              writeAnswerFrame(w, decodeProposalAnswer(bytes));
            }
          } catch (error) {
            if (error instanceof CodecError) return;
            throw error;
          }
          assert.deepEqual(w.view().subarray(4), bytes);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
