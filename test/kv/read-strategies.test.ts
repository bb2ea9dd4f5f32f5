// Both read strategies stay correct: the kvraft test with random keys, crashes, partitions and an unreliable
// network, whose whole history goes through the linearizability checker, passes with Gets through the log and
// with Gets through ReadIndex (the default, which kv-suite.test.ts runs over the whole suite).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readThroughLog, readThroughReadIndex } from '../../src/kv/lab/index.js';
import { replayCommand, runLabTest } from '../../src/lab/runner/index.js';
import { suiteWith } from './suite.js';

const NAME = 'TestPersistPartitionUnreliableLinearizable3A';

describe('read strategies', () => {
  for (const readStrategy of [readThroughLog, readThroughReadIndex]) {
    test(`${NAME} passes its linearizability check with reads through ${readStrategy.name}`, async () => {
      const labTest = suiteWith({ readStrategy }).find((t) => t.name === NAME);
      assert.ok(labTest !== undefined);
      const result = await runLabTest(labTest, 3);
      assert.ok(result.passed, `${result.lines.join('\n')}\nreplay: ${replayCommand(NAME, 3)}`);
      // A check that timed out would let the test pass unchecked: it must have judged the history.
      assert.ok(!result.lines.some((line) => line.includes('linearizability check timed out')));
    });
  }
});
