import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { CorruptLogError } from './errors.js';
import { encodeRecord, RECORD_HEADER_BYTES, RecordType, scanSegment, type WalRecord } from './wal-record.js';

function scan(buf: Buffer, isLast = true): { records: WalRecord[]; end: ReturnType<typeof scanSegment> } {
  const records: WalRecord[] = [];
  const end = scanSegment(buf, 'x.wal', isLast, (r) => records.push(r));
  return { records, end };
}

void describe('WAL records', () => {
  void it('the byte layout is fixed: length, CRC-32 of length and body, type, term, index, payload', () => {
    const record = encodeRecord(RecordType.entry, 2 ** 32 + 5, 7, new Uint8Array([0xaa, 0xbb]));
    assert.equal(
      record.toString('hex'),
      '13000000' + // length: 17 + 2
        record.subarray(4, 8).toString('hex') +
        '01' + // type
        '0500000001000000' + // term 2^32 + 5
        '0700000000000000' + // index 7
        'aabb',
    );
    const expected = crc32(record.subarray(8), crc32(record.subarray(0, 4)));
    assert.equal(record.readUInt32LE(4), expected);
    assert.equal(RECORD_HEADER_BYTES, 25);
  });

  void it('reads back what it wrote, in order, with offsets', () => {
    const a = encodeRecord(RecordType.noop, 1, 1);
    const b = encodeRecord(RecordType.entry, 1, 2, new Uint8Array([1, 2, 3]));
    const c = encodeRecord(RecordType.truncate, 0, 2);
    const { records, end } = scan(Buffer.concat([a, b, c]));
    assert.deepEqual(
      records.map((r) => [r.type, r.term, r.index, [...r.payload], r.offset]),
      [
        [RecordType.noop, 1, 1, [], 0],
        [RecordType.entry, 1, 2, [1, 2, 3], 25],
        [RecordType.truncate, 0, 2, [], 53],
      ],
    );
    assert.deepEqual(end, { end: 78, torn: null });
  });

  void it('a record with a valid checksum and an unknown type is damage, not a record to skip', () => {
    const record = encodeRecord(9 as RecordType, 1, 1);
    assert.throws(
      () => scan(record),
      (error) => error instanceof CorruptLogError && /unknown record type 9/.test(error.message),
    );
  });

  void it('a flawed record followed by an intact one is damage even in the last segment', () => {
    const a = encodeRecord(RecordType.entry, 1, 1, new Uint8Array(8));
    const b = encodeRecord(RecordType.entry, 1, 2, new Uint8Array(8));
    a.writeUInt32LE(1000, 0); // The length now points past the end, as a torn record's would.
    assert.throws(
      () => scan(Buffer.concat([a, b])),
      /x\.wal at byte 0: short payload, followed by an intact record at byte 33/,
    );
  });
});
