// The ported lab suite under `npm test`: every lab test under a few seeds, plus the determinism promise (the same
// seed prints the same lines). `npm run lab` is the place for wider sweeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runLabTest } from '../../src/lab/runner/index.js';
import { TraceRecorder } from '../../src/lab/trace/index.js';
import { testSameLinesTwice, testUnderSeeds } from '../support/suite-under-seeds.js';
import { suite } from './suite.js';

const SEEDS = [1, 2, 3];

describe('lab suite', () => {
  test('has all 30 tests of parts 2A-2D, each named once', () => {
    const names = suite.map((t) => t.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.filter((n) => /2[ABCD]$/.test(n)).length, 30);
  });

  test('includes the nemesis (2X), so that npm test runs it under the same seeds', () => {
    assert.ok(suite.some((t) => t.name === 'TestNemesis2X'));
  });

  testUnderSeeds(suite, SEEDS);
});

describe('lab determinism', () => {
  testSameLinesTwice(suite, [
    'TestManyElections2A',
    'TestFigure8Unreliable2C',
    'TestSnapshotInstallUnCrash2D',
  ]);

  for (const name of ['TestFigure8Unreliable2C', 'TestSnapshotInstallUnCrash2D']) {
    test(`${name} records the same trace twice under one seed, and tracing changes nothing`, async () => {
      const labTest = suite.find((t) => t.name === name);
      assert.ok(labTest !== undefined);
      const traces = [new TraceRecorder(name, 7), new TraceRecorder(name, 7)];
      const plain = await runLabTest(labTest, 7);
      const runs = [];
      for (const trace of traces) runs.push(await runLabTest(labTest, 7, undefined, trace));
      const [first, second] = runs.map((run, k) => traces[k]?.finish(run.passed, run.message) ?? '');
      assert.ok((first?.length ?? 0) > 10_000);
      assert.equal(second, first);
      assert.deepEqual(runs[0]?.lines, plain.lines);
    });
  }
});
