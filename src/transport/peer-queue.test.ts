import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerQueue } from './peer-queue.js';

const frame = (n: number, size = 10): Uint8Array => new Uint8Array(size).fill(n);

test('a full queue drops the oldest frames, by count and by bytes, and counts them', () => {
  const q = new PeerQueue({ maxMessages: 3, maxBytes: 100 });
  for (let n = 1; n <= 5; n++) q.push(frame(n));
  assert.equal(q.length, 3);
  assert.equal(q.dropped, 2);
  assert.deepEqual([q.shift()?.[0], q.shift()?.[0], q.shift()?.[0]], [3, 4, 5]);
  assert.equal(q.byteLength, 0);

  q.push(frame(6, 60));
  assert.equal(q.push(frame(7, 60)), 1); // 120 bytes would not fit: frame 6 goes
  assert.equal(q.shift()?.[0], 7);
  assert.equal(q.push(frame(8, 101)), 1); // can never fit: dropped itself
  assert.equal(q.length, 0);
  assert.equal(q.dropped, 4);
});

test('memory stays bounded over a long run of pushes', () => {
  const q = new PeerQueue({ maxMessages: 10, maxBytes: 1000 });
  for (let n = 0; n < 100_000; n++) {
    q.push(frame(n & 0xff));
    if (n % 3 === 0) q.shift();
  }
  assert.ok(q.length <= 10 && q.byteLength <= 1000);
});
