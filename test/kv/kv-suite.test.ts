// The ported kvraft suite under `npm test`: every test under two seeds, plus the determinism promise (the same
// seed prints the same lines). `npm run lab -- --run '3A|3B' --seeds N` is the place for wider sweeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { replayCommand, runLabTest } from '../../src/lab/runner/index.js';
import { suite } from './suite.js';

const SEEDS = [1, 2];

describe('kvraft suite', () => {
  test('has all 23 tests of parts 3A and 3B, each named once', () => {
    const names = suite.map((t) => t.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.filter((n) => n.endsWith('3A')).length, 14);
    assert.equal(names.filter((n) => n.endsWith('3B')).length, 9);
  });

  for (const labTest of suite) {
    for (const seed of SEEDS) {
      test(`${labTest.name} seed ${seed}`, async () => {
        const result = await runLabTest(labTest, seed);
        assert.ok(result.passed, `${result.lines.join('\n')}\nreplay: ${replayCommand(labTest.name, seed)}`);
        assert.match(result.lines.at(-1) ?? '', /^ {2}\.\.\. Passed --/);
      });
    }
  }
});

describe('kvraft determinism', () => {
  for (const name of ['TestOnePartition3A', 'TestSnapshotUnreliableRecoverConcurrentPartition3B']) {
    test(`${name} prints the same lines twice under one seed`, async () => {
      const labTest = suite.find((t) => t.name === name);
      assert.ok(labTest !== undefined);
      const first = await runLabTest(labTest, 7);
      const second = await runLabTest(labTest, 7);
      assert.deepEqual(second.lines, first.lines);
    });
  }
});
