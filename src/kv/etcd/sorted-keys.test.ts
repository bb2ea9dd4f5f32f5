import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SortedKeys } from './sorted-keys.js';

// SortedKeys against a plain sorted array, with enough keys that chunks split (over 1,024 per chunk) and empty out.

/** Keys over a small alphabet, so that random ranges hold some of them. */
const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 7 });

type Op =
  | { kind: 'insert'; key: string }
  | { kind: 'delete'; key: string }
  | { kind: 'range'; from: string; to: string | null };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: key.map((k) => ({ kind: 'insert' as const, key: k })) },
  { weight: 1, arbitrary: key.map((k) => ({ kind: 'delete' as const, key: k })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(key, fc.option(key, { nil: null }))
      .map(([from, to]) => ({ kind: 'range' as const, from, to })),
  },
);

describe('SortedKeys', () => {
  void it('holds what a sorted array holds, through inserts, deletes and ranges across chunk splits', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 3000, maxLength: 6000 }), (ops) => {
        const keys = new SortedKeys();
        const model = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'insert') {
            if (!model.has(o.key)) keys.insert(o.key); // The store inserts only keys it lacks.
            model.add(o.key);
          } else if (o.kind === 'delete') {
            keys.delete(o.key);
            model.delete(o.key);
          } else {
            const want = [...model].filter((k) => k >= o.from && (o.to === null || k < o.to)).sort();
            assert.deepEqual(keys.range(o.from, o.to), want);
          }
        }
        assert.equal(keys.size, model.size);
        assert.deepEqual(keys.all(), [...model].sort());
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });

  void it('loads sorted keys and keeps order as more arrive', () => {
    const keys = new SortedKeys();
    const loaded = Array.from({ length: 5000 }, (_, i) => `k${String(i * 2).padStart(6, '0')}`);
    keys.load(loaded);
    for (let i = 0; i < 5000; i++) keys.insert(`k${String(i * 2 + 1).padStart(6, '0')}`);
    const all = keys.all();
    assert.equal(all.length, 10000);
    assert.deepEqual(all, [...all].sort());
    assert.deepEqual(keys.range('k000010', 'k000014'), ['k000010', 'k000011', 'k000012', 'k000013']);
    assert.deepEqual(keys.range('k009998', null), ['k009998', 'k009999']);
    assert.deepEqual(keys.range('k5', 'k0'), []);
  });
});
