import { CodecError } from './errors.js';

/**
 * A growable byte buffer that the codec writes into. Integers are unsigned LEB128 varints (7 bits a byte, low
 * groups first), limited to Number.MAX_SAFE_INTEGER so that every value read back is exact.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  /** `initialCapacity` is a guess: the buffer doubles when it runs out. */
  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** How many bytes have been written. */
  get length(): number {
    return this.pos;
  }

  /** Writes one byte (0..255). */
  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Writes a big-endian u32 at `at` (an offset already written, e.g. a reserved length prefix). */
  patchU32(at: number, value: number): void {
    if (at < 0 || at + 4 > this.pos) throw new RangeError(`patchU32 at ${at} is outside the written bytes`);
    new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(at, value);
  }

  /** Reserves `n` bytes (zeroed) to patch later; returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.buf.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  /** Writes a non-negative safe integer as a varint. */
  uint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CodecError('CODEC_UNSUPPORTED_VALUE', `not a non-negative safe integer: ${String(value)}`);
    }
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    let n = value;
    // Division for the high groups (bitwise operators truncate to 32 bits), then the cheap path.
    while (n > 0x7fffffff) {
      buf[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** Writes a varint length, then the bytes. */
  bytes(data: Uint8Array): void {
    this.uint(data.length);
    this.raw(data);
  }

  /** Writes the bytes as they are, with no length. */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** The bytes written so far: a view of the internal buffer, valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far, exactly sized. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/**
 * Reads what ByteWriter wrote, from untrusted bytes: every read is bounds-checked against the end of the input
 * and fails with a CodecError, and a length is compared with the bytes actually left before anything is allocated,
 * so a hostile length can cost no more memory than the input itself.
 */
export class ByteReader {
  private pos: number;
  private readonly end: number;
  /** With `shareCopies`: the buffer that copies are carved from, and how much of it is used. */
  private slab: Uint8Array | null = null;
  private slabUsed = 0;

  /**
   * `shareCopies`: the byte strings read (see `copy`) share one buffer, sized at the first copy to the input left,
   * instead of a buffer each. A decoded AppendEntries then costs one allocation, not one per command: its commands
   * keep only each other's bytes alive (never the input's), and they enter and leave the log together.
   */
  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    private readonly shareCopies = false,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads one byte. */
  u8(): number {
    if (this.pos >= this.end) throw truncated(1, 0);
    return this.buf[this.pos++] as number;
  }

  /**
   * Reads a varint. Refuses an overlong form (a final zero group), so every value has exactly one encoding and a
   * decoded value re-encodes to the same bytes.
   */
  uint(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw truncated(1, 0);
      const b = buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new CodecError('CODEC_BAD_VARINT', 'overlong varint');
        // Partial sums only grow, so a result at or below the limit was computed exactly.
        if (result > Number.MAX_SAFE_INTEGER) {
          throw new CodecError('CODEC_BAD_VARINT', 'varint above Number.MAX_SAFE_INTEGER');
        }
        return result;
      }
      scale *= 128;
    }
    throw new CodecError('CODEC_BAD_VARINT', 'varint longer than 8 bytes');
  }

  /** Reads a varint that is a count of items each at least `minItemBytes` long, checked against what is left. */
  count(minItemBytes: number): number {
    const n = this.uint();
    if (n * minItemBytes > this.remaining) throw truncated(n * minItemBytes, this.remaining);
    return n;
  }

  /** Reads a varint length and that many bytes, as a fresh copy (see `copy`). */
  bytes(): Uint8Array {
    return this.copy(this.uint());
  }

  /**
   * Reads a varint length and that many bytes into a buffer of exactly that length from `allocate` (which must
   * hand out memory that nothing else uses): for callers that pool the copies of many values.
   */
  bytesInto(allocate: (n: number) => Uint8Array): Uint8Array {
    const n = this.uint();
    if (n > this.remaining) throw truncated(n, this.remaining);
    const out = allocate(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /**
   * Reads `n` bytes into a fresh Uint8Array. A copy, not a view: a decoded command may live in the log for hours,
   * and a view would pin the whole socket chunk (or file buffer) it came from.
   */
  copy(n: number): Uint8Array {
    if (n > this.remaining) throw truncated(n, this.remaining);
    const out = this.shareCopies ? this.carve(n) : new Uint8Array(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** `n` fresh bytes from the slab; every later copy fits in what is left of it, as the input left bounds them. */
  private carve(n: number): Uint8Array {
    if (this.slab === null || this.slab.length - this.slabUsed < n) {
      this.slab = new Uint8Array(this.remaining);
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    return out;
  }

  /** Throws unless every byte was read. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      throw new CodecError('CODEC_TRAILING_BYTES', `${this.end - this.pos} bytes after the end of the value`);
    }
  }
}

function truncated(wanted: number, left: number): CodecError {
  return new CodecError('CODEC_TRUNCATED', `input truncated: needs ${wanted} more bytes, ${left} left`);
}
