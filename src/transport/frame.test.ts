import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { message } from '../../test/support/message-arbitraries.js';
import { decodeMessage } from './codec.js';
import { CodecError } from './errors.js';
import { encodeFrame, FrameDecoder, frameBody } from './frame.js';
import type { Message } from '../core/index.js';

/** Cuts `bytes` at the given points (any order, repeats allowed). */
function chunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof CodecError, `expected a CodecError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a CodecError');
}

const hb = (n: number): Message => ({ type: 'Heartbeat', term: 1, from: 0, to: 1, commit: n, readRound: n });

describe('frames', () => {
  test('several frames in one chunk, a header split in two, a body split in many', () => {
    const stream = concat([encodeFrame(hb(1)), encodeFrame(hb(2)), encodeFrame(hb(300))]);
    const d = new FrameDecoder();
    const got = [
      ...d.push(stream.subarray(0, 2)),
      ...d.push(stream.subarray(2, 9)),
      ...d.push(stream.subarray(9, 10)),
      ...d.push(stream.subarray(10)),
    ];
    assert.deepEqual(
      got.map((f) => decodeMessage(f)),
      [hb(1), hb(2), hb(300)],
    );
    assert.equal(d.buffered, 0);
  });

  test('an oversized length prefix is refused from its 4 bytes alone, before any body arrives', () => {
    const d = new FrameDecoder(1024);
    assert.equal(
      errorCode(() => d.push(Uint8Array.of(0, 0, 4, 1))),
      'CODEC_FRAME_TOO_LARGE',
    );
    // The decoder stays failed: its stream has lost its framing.
    assert.equal(
      errorCode(() => d.push(encodeFrame(hb(1)))),
      'CODEC_FRAME_TOO_LARGE',
    );
    const huge = new FrameDecoder();
    assert.equal(
      errorCode(() => huge.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))),
      'CODEC_FRAME_TOO_LARGE',
    );
  });

  test('a wrong version is refused at the first body byte; an empty frame is refused', () => {
    assert.equal(
      errorCode(() => new FrameDecoder().push(Uint8Array.of(0, 0, 0, 100, 2))),
      'CODEC_BAD_VERSION',
    );
    assert.equal(
      errorCode(() => new FrameDecoder().push(Uint8Array.of(0, 0, 0, 0))),
      'CODEC_EMPTY_FRAME',
    );
  });

  test('a large announced frame that never arrives holds only what was received', () => {
    const d = new FrameDecoder();
    d.push(Uint8Array.of(0x01, 0, 0, 0, 1, 2, 3)); // announces 16 MiB, sends 3 bytes
    assert.equal(d.buffered, 3);
  });

  test('a frame spanning many small chunks is assembled (and the copies stay linear)', () => {
    const body = new Uint8Array(3_000_000).fill(7);
    body[0] = 1;
    const frame = frameBody(body);
    const d = new FrameDecoder();
    const got: Uint8Array[] = [];
    const started = performance.now();
    for (let at = 0; at < frame.length; at += 1000) got.push(...d.push(frame.subarray(at, at + 1000)));
    assert.ok(performance.now() - started < 2000);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], body);
  });

  test('property: any chunking of a valid stream gives the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (ms, cuts) => {
          const stream = concat(ms.map((m) => encodeFrame(m)));
          const d = new FrameDecoder();
          const frames = chunk(stream, cuts).flatMap((c) => d.push(c));
          assert.deepEqual(
            frames.map((f) => decodeMessage(f)),
            ms,
          );
          assert.equal(d.buffered, 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: arbitrary bytes give frames or a CodecError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const d = new FrameDecoder(64);
        try {
          for (const c of chunk(bytes, cuts)) {
            for (const f of d.push(c)) {
              assert.ok(f.length >= 1 && f.length <= 64);
              try {
                decodeMessage(f);
              } catch (error) {
                if (!(error instanceof CodecError)) throw error;
              }
            }
          }
        } catch (error) {
          if (!(error instanceof CodecError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
