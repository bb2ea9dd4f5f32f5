/**
 * Growable byte buffer for the snapshot encoding: unsigned varints (LEB128, for any safe integer, so without
 * 32-bit bitwise operators) and length-prefixed UTF-8 strings.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  /** `capacity`: the bytes to allocate at first; a good guess saves regrowing (and copying) the buffer. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }
  private static readonly utf8 = new TextEncoder();

  /** Appends one byte. */
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** Appends raw bytes. */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, this.len);
    this.len += bytes.byteLength;
  }

  /** Appends a non-negative safe integer as an unsigned LEB128 varint. */
  uvarint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`uvarint: not a safe integer >= 0: ${n}`);
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  /** Appends a string as its UTF-8 byte length then its bytes. */
  string(s: string): void {
    // Encode straight into the buffer (no temporary array: snapshots are mostly long values), after room for the
    // length prefix. Room for one byte per UTF-16 unit is enough for ASCII; anything else is encoded again with
    // room for the worst case (3 bytes per unit).
    let written = this.encodeAt(s, s.length);
    if (written < 0) written = this.encodeAt(s, s.length * 3);
    this.uvarint(written);
    this.len += written;
  }

  /**
   * Encodes `s` after room for a varint of `capacity`, moves it up against the varint `uvarint(written)` will
   * write, and returns `written`; or -1 if it needs more than `capacity` bytes.
   */
  private encodeAt(s: string, capacity: number): number {
    const room = varintSize(capacity);
    this.reserve(room + capacity);
    const { read, written } = ByteWriter.utf8.encodeInto(
      s,
      this.buf.subarray(this.len + room, this.len + room + capacity),
    );
    if (read < s.length) return -1;
    const size = varintSize(written);
    if (size < room) this.buf.copyWithin(this.len + size, this.len + room, this.len + room + written);
    return written;
  }

  /** Appends a 32-bit unsigned integer, big-endian. */
  uint32(n: number): void {
    this.byte((n >>> 24) & 0xff);
    this.byte((n >>> 16) & 0xff);
    this.byte((n >>> 8) & 0xff);
    this.byte(n & 0xff);
  }

  /** What was written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** What was written, as an array of its own (no copy if the buffer is exactly full). */
  finish(): Uint8Array {
    return this.len === this.buf.byteLength ? this.buf : this.buf.slice(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.byteLength) return;
    const grown = new Uint8Array(Math.max(this.buf.byteLength * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
}

/** How many bytes `uvarint` takes for n. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** Raised by ByteReader for bytes that do not hold what the reader expects. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Reads what ByteWriter wrote; every read checks bounds and throws DecodeError past the end. */
export class ByteReader {
  private pos = 0;
  private static readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly buf: Uint8Array) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.byteLength - this.pos;
  }

  byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw new DecodeError(`unexpected end of data at byte ${this.pos}`);
    this.pos++;
    return b;
  }

  bytes(n: number): Uint8Array {
    if (n > this.remaining)
      throw new DecodeError(`needs ${n} bytes at byte ${this.pos}, has ${this.remaining}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvarint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (!Number.isSafeInteger(n)) throw new DecodeError(`varint too large at byte ${this.pos}`);
      if ((b & 0x80) === 0) return n;
      scale *= 0x80;
    }
  }

  string(): string {
    const bytes = this.bytes(this.uvarint());
    try {
      return ByteReader.utf8.decode(bytes);
    } catch {
      throw new DecodeError(`invalid UTF-8 in a string ending at byte ${this.pos}`);
    }
  }

  uint32(): number {
    const b = this.bytes(4);
    return (
      (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0
    );
  }
}
