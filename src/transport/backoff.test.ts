import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.js';

test('delays double up to the cap, jittered within [d/2, d], and reset', () => {
  const lows = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => lows.next()),
    [50, 100, 200, 400, 500, 500],
  );
  const highs = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => highs.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  highs.reset();
  assert.equal(highs.next(), 100);
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10, random: () => 0 }), RangeError);
});
