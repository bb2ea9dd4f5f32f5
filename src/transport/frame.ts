import { ByteWriter } from './bytes.js';
import { CODEC_VERSION, estimateSize, writeMessage } from './codec.js';
import { CodecError } from './errors.js';
import type { Message } from '../core/index.js';

/**
 * TCP framing: `length:u32be body[length]`, where the body is a codec value and so starts with its version byte.
 * The length counts the body only. A receiver checks it against its cap before allocating anything for the frame.
 */
export const FRAME_HEADER_BYTES = 4;

/** The default cap on a frame's body: 64 MiB, comfortably above a snapshot chunk or a full AppendEntries batch. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Encodes a message as one frame (length prefix included), without copying the body a second time: the frame is
 * a view of the writer's buffer (which nothing else holds), not an exactly sized copy of it. A frame lives only
 * until its socket write, so the few spare bytes of the size estimate cost less than copying every AppendEntries.
 */
export function encodeFrame(message: Message): Uint8Array {
  const w = new ByteWriter(FRAME_HEADER_BYTES + estimateSize(message));
  const at = w.reserve(FRAME_HEADER_BYTES);
  writeMessage(w, message);
  w.patchU32(at, w.length - FRAME_HEADER_BYTES);
  return w.view();
}

/** Frames a body that is already encoded (a handshake, say). */
export function frameBody(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** A frame body is at most this many bytes before it is handed out assembled; it grows by doubling. */
const INITIAL_ASSEMBLY_BYTES = 64 * 1024;

/**
 * Splits a byte stream into frame bodies, whatever its chunking: a frame split across chunks, several frames in
 * one chunk, a header split in two. A frame that lies inside one chunk is handed out as a view of it (no copy);
 * one that spans chunks is assembled in a buffer that grows by doubling up to the announced length, so each byte
 * is copied a bounded number of times (no quadratic re-concatenation) and memory follows the bytes actually
 * received, not what a hostile length prefix announces.
 *
 * `push` throws a CodecError on an empty, oversized or wrong-version frame; the decoder then stays failed (the
 * stream has lost its framing, so its owner should close the connection).
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** The announced length of the frame being read, or -1 while reading a header. */
  private frameLength = -1;
  private frame: Uint8Array | null = null;
  private frameFilled = 0;
  private failure: CodecError | null = null;

  private cap: number;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.cap = checkCap(maxFrameBytes);
  }

  /** The cap on a frame's body. Raisable later: a connection accepts bigger frames once it is authenticated. */
  get maxFrameBytes(): number {
    return this.cap;
  }

  set maxFrameBytes(value: number) {
    this.cap = checkCap(value);
  }

  /** Bytes held for a frame not yet complete (a partial header or body). */
  get buffered(): number {
    return this.headerFilled + this.frameFilled;
  }

  /** Feeds a chunk; returns the frame bodies it completes, in order. Views may alias `chunk`. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failure !== null) throw this.failure;
    try {
      return this.parse(chunk);
    } catch (error) {
      this.failure =
        error instanceof CodecError
          ? error
          : new CodecError('CODEC_TRUNCATED', 'frame decoder failed', { cause: error });
      throw this.failure;
    }
  }

  private parse(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let p = 0;
    while (p < chunk.length) {
      if (this.frameLength < 0) {
        if (this.headerFilled === 0 && chunk.length - p >= FRAME_HEADER_BYTES) {
          this.startFrame(readU32(chunk, p));
          p += FRAME_HEADER_BYTES;
        } else {
          const k = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - p);
          this.header.set(chunk.subarray(p, p + k), this.headerFilled);
          this.headerFilled += k;
          p += k;
          if (this.headerFilled < FRAME_HEADER_BYTES) break;
          this.headerFilled = 0;
          this.startFrame(readU32(this.header, 0));
        }
        if (p === chunk.length) break;
      }
      const length = this.frameLength;
      if (this.frameFilled === 0) checkVersion(chunk[p]);
      if (this.frame === null && chunk.length - p >= length) {
        // The whole body is in this chunk: hand out a view.
        frames.push(chunk.subarray(p, p + length));
        p += length;
        this.frameLength = -1;
        continue;
      }
      const k = Math.min(length - this.frameFilled, chunk.length - p);
      this.append(chunk.subarray(p, p + k));
      p += k;
      if (this.frameFilled === length) {
        const frame = this.frame;
        if (frame === null) throw new Error('unreachable: an assembled frame has a buffer');
        frames.push(frame.length === length ? frame : frame.subarray(0, length));
        this.frame = null;
        this.frameFilled = 0;
        this.frameLength = -1;
      }
    }
    return frames;
  }

  private startFrame(length: number): void {
    if (length === 0) throw new CodecError('CODEC_EMPTY_FRAME', 'frame of length 0 has no version byte');
    if (length > this.cap) {
      throw new CodecError(
        'CODEC_FRAME_TOO_LARGE',
        `frame of ${length} bytes is above the cap of ${this.cap}`,
      );
    }
    this.frameLength = length;
  }

  private append(bytes: Uint8Array): void {
    const needed = this.frameFilled + bytes.length;
    let frame = this.frame;
    if (frame === null || frame.length < needed) {
      const size = Math.min(
        this.frameLength,
        Math.max(needed, INITIAL_ASSEMBLY_BYTES, frame === null ? 0 : frame.length * 2),
      );
      const next = new Uint8Array(size);
      if (frame !== null) next.set(frame.subarray(0, this.frameFilled));
      frame = next;
      this.frame = frame;
    }
    frame.set(bytes, this.frameFilled);
    this.frameFilled = needed;
  }
}

function checkCap(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > 0xffffffff) {
    throw new RangeError(`maxFrameBytes must be an integer in [1, 2^32-1], got ${value}`);
  }
  return value;
}

function readU32(bytes: Uint8Array, at: number): number {
  // Four bytes are known to be there; `?? 0` only satisfies the index type.
  return (
    (bytes[at] ?? 0) * 0x1000000 +
    (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0))
  );
}

function checkVersion(version: number | undefined): void {
  // Checked on the body's first byte, before its remaining bytes are waited for or buffered.
  if (version !== CODEC_VERSION) {
    throw new CodecError('CODEC_BAD_VERSION', `frame version ${String(version)}, expected ${CODEC_VERSION}`);
  }
}
