// The ported kvraft suite under `npm test`: every test under two seeds, plus the determinism promise (the same
// seed prints the same lines). `npm run lab -- --run '3A|3B' --seeds N` is the place for wider sweeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testSameLinesTwice, testUnderSeeds } from '../support/suite-under-seeds.js';
import { suite } from './suite.js';

const SEEDS = [1, 2];

describe('kvraft suite', () => {
  test('has all 23 tests of parts 3A and 3B, each named once', () => {
    const names = suite.map((t) => t.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.filter((n) => n.endsWith('3A')).length, 14);
    assert.equal(names.filter((n) => n.endsWith('3B')).length, 9);
  });

  testUnderSeeds(suite, SEEDS);
});

describe('kvraft determinism', () => {
  testSameLinesTwice(suite, ['TestOnePartition3A', 'TestSnapshotUnreliableRecoverConcurrentPartition3B']);
});
