import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StateTable } from './state-table.js';

describe('StateTable', () => {
  test('gives equal states one id and different states different ids, even when their hashes collide', () => {
    const table = new StateTable<string>(
      (s) => s.length, // collides for every two states of one length
      (s) => s,
    );
    const words = Array.from({ length: 5000 }, (_, i) => `w${i % 2500}`);
    const ids = words.map((w) => table.intern(w));
    assert.equal(new Set(ids).size, 2500);
    words.forEach((w, i) => {
      assert.equal(ids[i], ids[i % 2500], w);
    });
    assert.deepEqual(ids.slice(0, 3), [0, 1, 2]);
  });
});
