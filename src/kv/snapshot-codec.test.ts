import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from './crc32.js';
import { CorruptSnapshotError } from './errors.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';

void describe('snapshot codec', () => {
  void it('decodes what it encodes, keys sorted and clients in id order', () => {
    const bytes = encodeSnapshot({
      appliedIndex: 300,
      store: new Map([
        ['b', 'two'],
        ['a', ''],
        ['é', 'x'.repeat(200)],
      ]),
      dedup: [
        { clientId: 2 ** 53 - 1, seq: 2 ** 40, reply: { err: 'ErrNoKey', value: '' } },
        { clientId: 0, seq: 1, reply: { err: 'OK', value: '' } },
      ],
    });
    assert.deepEqual(decodeSnapshot(bytes), {
      appliedIndex: 300,
      store: [
        ['a', ''],
        ['b', 'two'],
        ['é', 'x'.repeat(200)],
      ],
      dedup: [
        { clientId: 0, seq: 1, reply: { err: 'OK', value: '' } },
        { clientId: 2 ** 53 - 1, seq: 2 ** 40, reply: { err: 'ErrNoKey', value: '' } },
      ],
    });
  });

  void it('is small: an empty state is 11 bytes (magic, version, three zero counts, checksum)', () => {
    assert.equal(encodeSnapshot({ appliedIndex: 0, store: [], dedup: [] }).byteLength, 11);
  });

  void it('rejects every truncation and every single-bit flip', () => {
    const bytes = encodeSnapshot({
      appliedIndex: 7,
      store: [['key', 'value']],
      dedup: [{ clientId: 12345, seq: 3, reply: { err: 'OK', value: '' } }],
    });
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(() => decodeSnapshot(bytes.subarray(0, n)), CorruptSnapshotError, `truncated to ${n}`);
    }
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.throws(() => decodeSnapshot(flipped), CorruptSnapshotError, `bit ${bit}`);
    }
  });

  void it('rejects a well-checksummed body with a duplicated key', () => {
    const bytes = encodeSnapshot({
      appliedIndex: 1,
      store: [
        ['k', 'v'],
        ['k', 'w'],
      ],
      dedup: [],
    });
    assert.throws(() => decodeSnapshot(bytes), /key "k" appears twice/);
  });

  void it('crc32 matches the standard check value, and a byte-at-a-time CRC at every length and offset', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    const slow = (bytes: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 167 + 13) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (let end = start; end <= data.length; end++) {
        assert.equal(crc32(data.subarray(start, end)), slow(data.subarray(start, end)));
      }
    }
  });
});
