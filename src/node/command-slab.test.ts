import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandSlab } from './command-slab.js';

describe('CommandSlab', () => {
  it('hands out exactly sized, non-overlapping memory; large commands get their own buffer', () => {
    const slab = new CommandSlab();
    const small = Array.from({ length: 1000 }, (_, i) => slab.allocate(i % 300));
    small.forEach((b, i) => {
      assert.equal(b.length, i % 300);
      b.fill(i % 251);
    });
    // Writing each one left the others intact: no two overlap.
    small.forEach((b, i) => {
      assert.ok(b.every((x) => x === i % 251));
    });
    assert.ok(new Set(small.map((b) => b.buffer)).size < 20, 'small commands share slabs');
    const large = slab.allocate(100_000);
    assert.equal(large.length, 100_000);
    assert.equal(large.buffer.byteLength, 100_000);
  });
});
