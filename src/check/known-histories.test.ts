import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { casRegisterModel } from './cas-register-model.js';
import { checkOperations } from './check.js';
import { kvModel } from './kv-model.js';
import { parseJepsenHistory } from './parse-jepsen-history.js';
import { parseKvHistory } from './parse-kv-history.js';

// The shared data sits beside the repository (CI clones it as a sibling of shared/): ../shared/data from the root.
const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

describe('the key-value histories of ../shared/data/kv-histories get their known verdicts', () => {
  const dir = `${data}kv-histories/`;
  const files = readdirSync(dir).filter((name) => name.endsWith('.txt'));

  test('all six are there', () => {
    assert.deepEqual(files.sort(), [
      'c01-bad.txt',
      'c01-ok.txt',
      'c10-bad.txt',
      'c10-ok.txt',
      'c50-bad.txt',
      'c50-ok.txt',
    ]);
  });

  for (const name of files) {
    test(name, () => {
      const history = parseKvHistory(readFileSync(dir + name, 'utf8'));
      const result = checkOperations(kvModel, history, { timeoutMs: 60_000 });
      assert.equal(result.verdict, name.endsWith('-ok.txt') ? 'ok' : 'illegal');
      if (result.verdict === 'illegal') {
        for (const piece of result.partitions.filter((p) => p.verdict === 'illegal')) {
          const violation = piece.violation;
          assert.ok(violation, piece.label);
          // The blocked operation closes the prefix, and something was tried before failing on it.
          assert.equal(violation.prefix.includes(violation.blocked), true);
          assert.ok(violation.statesTried.length >= 1);
        }
      }
    });
  }
});

describe("Jepsen's etcd histories in ../shared/data/jepsen-etcd get their known verdicts", () => {
  const dir = `${data}jepsen-etcd/`;
  // The README's list, as Porcupine's tests state it; every other non-empty history is not linearizable.
  const linearizable = new Set(
    '002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102'.split(' '),
  );
  const files = readdirSync(dir)
    .filter((name) => /^etcd_\d{3}\.log$/.test(name))
    .sort();

  test('102 non-empty histories, 23 of them linearizable', () => {
    const nonEmpty = files.filter((name) => readFileSync(dir + name, 'utf8').trim() !== '');
    assert.equal(nonEmpty.length, 102);
    assert.equal(nonEmpty.filter((name) => linearizable.has(name.slice(5, 8))).length, 23);
  });

  test('each one, through the compare-and-set register model', () => {
    const wrong: string[] = [];
    for (const name of files) {
      const text = readFileSync(dir + name, 'utf8');
      if (text.trim() === '') continue; // etcd_095.log: the cluster never started
      const result = checkOperations(casRegisterModel, parseJepsenHistory(text), { timeoutMs: 60_000 });
      const expected = linearizable.has(name.slice(5, 8)) ? 'ok' : 'illegal';
      if (result.verdict !== expected) wrong.push(`${name}: ${result.verdict}, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
  });
});
