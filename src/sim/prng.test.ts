import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from './prng.js';

function draws(rng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

void describe('Prng', () => {
  void it('gives the same stream for the same seed', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, -7]) {
      assert.deepEqual(draws(new Prng(seed), 1000), draws(new Prng(seed), 1000));
    }
  });

  void it('uses only the low 32 bits of the seed', () => {
    assert.deepEqual(draws(new Prng(5 + 2 ** 32), 100), draws(new Prng(5), 100));
  });

  void it('gives different streams for different seeds, even adjacent ones', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 1000; seed++) {
      const rng = new Prng(seed);
      seen.add(`${rng.nextUint32()}:${rng.nextUint32()}`);
    }
    assert.equal(seen.size, 1000);

    // Two streams from adjacent seeds should agree on about 1 in 2^32 positions: never, over 10,000 draws.
    const a = draws(new Prng(1), 10_000);
    const b = draws(new Prng(2), 10_000);
    assert.equal(
      a.filter((x, i) => x === b[i]).length,
      0,
      'seeds 1 and 2 produce the same value at the same position',
    );
  });

  void it('produces 32-bit unsigned integers', () => {
    const rng = new Prng(3);
    for (const x of draws(rng, 10_000)) {
      assert.ok(Number.isInteger(x) && x >= 0 && x < 2 ** 32, `out of range: ${x}`);
    }
  });

  void it('fork gives a deterministic stream', () => {
    const childA = new Prng(9).fork();
    const childB = new Prng(9).fork();
    assert.deepEqual(draws(childA, 1000), draws(childB, 1000));
  });

  void it('fork gives a stream independent of the parent', () => {
    const parent = new Prng(9);
    const child = parent.fork();
    const fromChild = draws(child, 1000);
    const fromParent = draws(parent, 1000);
    assert.notDeepEqual(fromChild, fromParent);
    assert.equal(fromChild.filter((x) => fromParent.includes(x)).length, 0, 'child echoes the parent');

    // Two forks in a row are unrelated to each other too.
    const p = new Prng(10);
    assert.notDeepEqual(draws(p.fork(), 100), draws(p.fork(), 100));
  });

  void it("drawing from a fork does not disturb the parent's stream", () => {
    const p1 = new Prng(77);
    const p2 = new Prng(77);
    const c1 = p1.fork();
    p2.fork(); // Forked but never used.
    draws(c1, 5000);
    assert.deepEqual(draws(p1, 1000), draws(p2, 1000));
  });

  void it('int(n) stays in [0, n)', () => {
    const rng = new Prng(11);
    for (const n of [1, 2, 3, 7, 27, 100, 1000, 7000, 2 ** 31, 2 ** 32]) {
      for (let k = 0; k < 2000; k++) {
        const x = rng.int(n);
        assert.ok(Number.isInteger(x) && x >= 0 && x < n, `int(${n}) gave ${x}`);
      }
    }
    assert.equal(rng.int(1), 0);
  });

  void it('int(n) is roughly uniform (chi-square)', () => {
    const rng = new Prng(12);
    for (const n of [2, 10, 27, 100]) {
      const draws = 200_000;
      const counts = new Array<number>(n).fill(0);
      for (let k = 0; k < draws; k++) {
        const x = rng.int(n);
        counts[x] = (counts[x] ?? 0) + 1;
      }
      const expected = draws / n;
      const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      // Critical value for p = 0.001 is about df + 3.5 * sqrt(2 * df) + 7 for these df; allow that much.
      const df = n - 1;
      const bound = df + 3.5 * Math.sqrt(2 * df) + 7;
      assert.ok(chi2 < bound, `int(${n}): chi-square ${chi2.toFixed(1)} >= ${bound.toFixed(1)}`);
      // And every bucket is hit.
      assert.ok(
        counts.every((c) => c > 0),
        `int(${n}) never produced some value`,
      );
    }
  });

  void it('int(n) rejects a bad n with RangeError', () => {
    const rng = new Prng(13);
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32 + 1, -0.5]) {
      assert.throws(
        () => rng.int(n),
        (e: unknown) => e instanceof RangeError,
        `int(${n}) should throw RangeError`,
      );
    }
  });

  void it('float() is in [0, 1) with a mean near 1/2', () => {
    const rng = new Prng(14);
    let sum = 0;
    const count = 100_000;
    for (let k = 0; k < count; k++) {
      const x = rng.float();
      assert.ok(x >= 0 && x < 1, `float gave ${x}`);
      sum += x;
    }
    assert.ok(Math.abs(sum / count - 0.5) < 0.005, `mean ${sum / count}`);
  });

  void it('between(lo, hi) is inclusive at both ends and stays inside', () => {
    const rng = new Prng(15);
    const seen = new Set<number>();
    for (let k = 0; k < 10_000; k++) {
      const x = rng.between(450, 454);
      assert.ok(x >= 450 && x <= 454, `between gave ${x}`);
      seen.add(x);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [450, 451, 452, 453, 454],
    );
  });

  void it('bigInt() is a non-negative safe integer spread over 53 bits', () => {
    const rng = new Prng(16);
    let max = 0;
    for (let k = 0; k < 10_000; k++) {
      const x = rng.bigInt();
      assert.ok(Number.isSafeInteger(x) && x >= 0, `bigInt gave ${x}`);
      max = Math.max(max, x);
    }
    assert.ok(max > 2 ** 52, 'bigInt never set its top bits');
  });
});
