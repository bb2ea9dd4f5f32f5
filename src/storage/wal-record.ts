import { crc32 } from 'node:zlib';
import { CorruptLogError } from './errors.js';
import { readU64, writeU64 } from './u64.js';

/**
 * One record of the write-ahead log, little-endian:
 *
 *   offset  size  field
 *        0     4  length: bytes after the CRC (type, term, index, payload) = 17 + payload bytes
 *        4     4  CRC-32 (zlib's, IEEE) of the length field followed by everything after the CRC
 *        8     1  type (RecordType)
 *        9     8  term
 *       17     8  index
 *       25     n  payload
 *
 * The CRC covers the length too, so a damaged length is caught like damaged data rather than sending the reader
 * to a wrong record boundary.
 */
export const RecordType = {
  /** A log entry whose command is bytes (the payload; possibly empty). */
  entry: 1,
  /** A log entry whose command is `null`: a leader's no-op. No payload. */
  noop: 2,
  /** Drops every entry with index >= `index` (a conflicting suffix). Term 0, no payload. */
  truncate: 3,
  /**
   * The log now starts after a snapshot through `index` (of term `term`): entries at or below it no longer count,
   * and the next entry is `index + 1` if the log ended before it. The snapshot's data is in its own file, made
   * durable before this record is written.
   */
  snapshot: 4,
} as const;

/** The type byte of a record. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Bytes before a record's payload. */
export const RECORD_HEADER_BYTES = 25;
/** The smallest value of the length field: a record without payload. */
const MIN_LENGTH = RECORD_HEADER_BYTES - 8;

/** A record read from a segment. `payload` is a view into the segment's bytes. */
export interface WalRecord {
  readonly type: RecordType;
  readonly term: number;
  readonly index: number;
  readonly payload: Uint8Array;
  /** Where the record starts in its segment. */
  readonly offset: number;
}

/** Encodes one record. */
export function encodeRecord(type: RecordType, term: number, index: number, payload?: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + (payload?.byteLength ?? 0));
  writeRecord(buf, 0, type, term, index, payload);
  return buf;
}

/**
 * Encodes one record into `buf` at `offset` (which must have RECORD_HEADER_BYTES + payload bytes free); returns
 * the offset after it. For writers that lay many records out in one buffer, without a buffer per record.
 */
export function writeRecord(
  buf: Buffer,
  offset: number,
  type: RecordType,
  term: number,
  index: number,
  payload?: Uint8Array,
): number {
  const size = payload?.byteLength ?? 0;
  const end = offset + RECORD_HEADER_BYTES + size;
  buf.writeUInt32LE(MIN_LENGTH + size, offset);
  buf.writeUInt8(type, offset + 8);
  writeU64(buf, offset + 9, term);
  writeU64(buf, offset + 17, index);
  if (payload !== undefined) buf.set(payload, offset + RECORD_HEADER_BYTES);
  buf.writeUInt32LE(checksum(buf, offset, end), offset + 4);
  return end;
}

/** Why the bytes at an offset are not a whole, intact record. */
type Flaw = 'short header' | 'bad length' | 'short payload' | 'checksum mismatch';

/**
 * The record at `offset`, or what is wrong with it. A record is accepted only if its checksum matches, so a
 * reader never trusts a field of a damaged one.
 */
function readRecord(buf: Buffer, offset: number): WalRecord | Flaw {
  if (buf.byteLength - offset < RECORD_HEADER_BYTES) return 'short header';
  const length = buf.readUInt32LE(offset);
  if (length < MIN_LENGTH) return 'bad length';
  const end = offset + 8 + length;
  if (end > buf.byteLength) return 'short payload';
  if (checksum(buf, offset, end) !== buf.readUInt32LE(offset + 4)) return 'checksum mismatch';
  return {
    type: buf.readUInt8(offset + 8) as RecordType,
    term: readU64(buf, offset + 9),
    index: readU64(buf, offset + 17),
    payload: buf.subarray(offset + RECORD_HEADER_BYTES, end),
    offset,
  };
}

/** What a scan of a segment found at its end. */
export interface SegmentEnd {
  /** Where the last intact record ends: the segment's length if nothing is torn. */
  readonly end: number;
  /** The torn final record that recovery must cut off, if any. */
  readonly torn: { readonly offset: number; readonly reason: string } | null;
}

/**
 * Reads every record of a segment in order, handing each to `onRecord`.
 *
 * The rules of recovery (a crash can tear only the last write, at the end of the last segment):
 * - In the last segment, a flawed record followed by no intact record anywhere after it is a torn tail: the scan
 *   stops there and reports it, for the caller to cut off. This covers a short header, a short payload and a bad
 *   checksum on the final record, and a tail of zeros or garbage left by a crash.
 * - Any other flaw (in a closed segment, which was fsynced whole before the next one began; or followed by an
 *   intact record, which a torn tail cannot be) is damage: CorruptLogError with the file and the offset. So an
 *   intact record is never dropped or skipped.
 */
export function scanSegment(
  buf: Buffer,
  file: string,
  isLast: boolean,
  onRecord: (record: WalRecord) => void,
): SegmentEnd {
  let offset = 0;
  while (offset < buf.byteLength) {
    const record = readRecord(buf, offset);
    if (typeof record === 'string') {
      if (!isLast) throw new CorruptLogError(file, offset, `${record} in a closed segment`);
      const intact = nextIntactRecord(buf, offset + 1);
      if (intact !== -1) {
        throw new CorruptLogError(file, offset, `${record}, followed by an intact record at byte ${intact}`);
      }
      return { end: offset, torn: { offset, reason: record } };
    }
    if (!Object.values(RecordType).includes(record.type)) {
      throw new CorruptLogError(file, offset, `unknown record type ${record.type}`);
    }
    onRecord(record);
    offset += RECORD_HEADER_BYTES + record.payload.byteLength;
  }
  return { end: offset, torn: null };
}

/** The offset of the first intact record starting at or after `from`, or -1. */
function nextIntactRecord(buf: Buffer, from: number): number {
  for (let offset = from; offset + RECORD_HEADER_BYTES <= buf.byteLength; offset++) {
    const length = buf.readUInt32LE(offset);
    // Cheap tests first: most offsets of garbage or zeros fail on the length alone, before any checksum.
    if (length < MIN_LENGTH || offset + 8 + length > buf.byteLength) continue;
    if (typeof readRecord(buf, offset) !== 'string') return offset;
  }
  return -1;
}

/** The CRC-32 of the length field of the record in buf[start, end) and of its bytes after the CRC. */
function checksum(buf: Buffer, start: number, end: number): number {
  return crc32(buf.subarray(start + 8, end), crc32(buf.subarray(start, start + 4)));
}
