// The shape both lab suites take under `npm test` (test/lab/lab-suite.test.ts, test/kv/kv-suite.test.ts): every
// test under a few seeds, and the determinism promise (the same seed prints the same lines).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replayCommand, runLabTest } from '../../src/lab/runner/index.js';
import type { LabTest } from '../../src/lab/tester/index.js';

/** Declares one node:test per lab test and seed; a failure shows the test's lines and the replay command. */
export function testUnderSeeds(suite: readonly LabTest[], seeds: readonly number[]): void {
  for (const labTest of suite) {
    for (const seed of seeds) {
      test(`${labTest.name} seed ${seed}`, async () => {
        const result = await runLabTest(labTest, seed);
        assert.ok(result.passed, `${result.lines.join('\n')}\nreplay: ${replayCommand(labTest.name, seed)}`);
        assert.match(result.lines.at(-1) ?? '', /^ {2}\.\.\. Passed --/);
      });
    }
  }
}

/** Declares, for each named test, that two runs under one seed print the same lines. */
export function testSameLinesTwice(suite: readonly LabTest[], names: readonly string[]): void {
  for (const name of names) {
    test(`${name} prints the same lines twice under one seed`, async () => {
      const labTest = suite.find((t) => t.name === name);
      assert.ok(labTest !== undefined);
      const first = await runLabTest(labTest, 7);
      const second = await runLabTest(labTest, 7);
      assert.deepEqual(second.lines, first.lines);
    });
  }
}
