import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HistoryParseError } from './errors.js';
import { parseKvHistory } from './parse-kv-history.js';

const line = (process: number, type: string, f: string, key: string, value: string): string =>
  `{:process ${process}, :type :${type}, :f :${f}, :key "${key}", :value ${value}}`;

function parseError(text: string): HistoryParseError {
  try {
    parseKvHistory(text);
  } catch (error) {
    assert.ok(error instanceof HistoryParseError, String(error));
    assert.equal(error.code, 'CHECK_HISTORY_PARSE');
    return error;
  }
  assert.fail('expected a HistoryParseError');
}

describe('parseKvHistory', () => {
  test('pairs each invoke with the next completion of the same process; line numbers are the times', () => {
    const text = [
      line(0, 'invoke', 'append', '1', '"x 0 0 y"'),
      line(1, 'invoke', 'get', '1', 'nil'),
      line(1, 'ok', 'get', '1', '""'),
      line(0, 'ok', 'append', '1', '"x 0 0 y"'),
      '',
      line(1, 'invoke', 'put', '2', '"a \\"quoted\\" value"'),
      line(1, 'ok', 'put', '2', '"a \\"quoted\\" value"'),
    ].join('\n');
    assert.deepEqual(parseKvHistory(text), [
      {
        clientId: 0,
        input: { op: 'append', key: '1', value: 'x 0 0 y' },
        call: 0,
        output: { value: '' },
        return: 3,
      },
      { clientId: 1, input: { op: 'get', key: '1' }, call: 1, output: { value: '' }, return: 2 },
      {
        clientId: 1,
        input: { op: 'put', key: '2', value: 'a "quoted" value' },
        call: 5,
        output: { value: '' },
        return: 6,
      },
    ]);
  });

  test('a failed operation did not happen; one that never completed may have, at any time after its call', () => {
    const text = [
      line(0, 'invoke', 'put', 'k', '"1"'),
      line(0, 'fail', 'put', 'k', '"1"'),
      line(0, 'invoke', 'append', 'k', '"2"'),
      line(0, 'info', 'append', 'k', '"2"'),
      line(1, 'invoke', 'get', 'k', 'nil'),
    ].join('\n');
    assert.deepEqual(parseKvHistory(text), [
      {
        clientId: 0,
        input: { op: 'append', key: 'k', value: '2' },
        call: 2,
        output: { value: '', unknown: true },
        return: Number.POSITIVE_INFINITY,
      },
      {
        clientId: 1,
        input: { op: 'get', key: 'k' },
        call: 4,
        output: { value: '', unknown: true },
        return: Number.POSITIVE_INFINITY,
      },
    ]);
  });

  test('malformed lines are refused with the line number', () => {
    const ok = line(0, 'invoke', 'get', 'k', 'nil');
    assert.match(parseError(`${ok}\n{:process 0, :type :ok`).message, /^line 2: /);
    assert.match(parseError('{:process 0 :type}').message, /^line 1: expected a value/);
    assert.match(parseError('[1 2]').message, /^line 1: expected "\{"/);
    assert.match(parseError('{:process "zero", :type :invoke, :f :get, :key "k"}').message, /:process/);
    assert.match(parseError(line(0, 'invoke', 'cas', 'k', 'nil')).message, /:f must be one of/);
    assert.match(parseError(line(0, 'ok', 'get', 'k', '""')).message, /no pending call/);
    assert.match(parseError(`${ok}\n${ok}`).message, /^line 2: process 0 invokes while its call on line 1/);
    assert.match(
      parseError(`${ok}\n${line(0, 'ok', 'get', 'other', '""')}`).message,
      /does not match the call/,
    );
    assert.match(parseError(line(0, 'invoke', 'put', 'k', 'nil')).message, /:value must be a string/);
    assert.match(
      parseError(line(0, 'invoke', 'get', 'k', 'nil').replace(':invoke', ':done')).message,
      /:type/,
    );
    assert.match(parseError(`{:process 0, :key "unterminated}`).message, /unterminated string/);
    assert.match(parseError(`{:process 0} extra`).message, /trailing text/);
    assert.match(parseError(`{:process 0, :process 1}`).message, /duplicate key :process/);
  });
});
