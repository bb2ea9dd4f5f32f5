import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJepsenHistory } from './parse-jepsen-history.js';

const line = (process: number, type: string, f: string, value: string): string =>
  `INFO  jepsen.util - ${process}\t:${type}\t:${f}\t${value}`;

describe('parseJepsenHistory', () => {
  test('reads reads, writes and compare-and-sets, with tabs or spaces between fields', () => {
    const text = [
      line(0, 'invoke', 'read', 'nil'),
      line(1, 'invoke', 'cas', '[3 0]'),
      line(0, 'ok', 'read', 'nil'),
      'INFO  jepsen.util - 1   :fail   :cas    [3 0]',
      line(0, 'invoke', 'write', '4'),
      line(0, 'ok', 'write', '4'),
      line(1, 'invoke', 'read', 'nil'),
      line(1, 'ok', 'read', '4'),
    ].join('\n');
    assert.deepEqual(parseJepsenHistory(text), [
      { clientId: 0, input: { f: 'read' }, call: 0, output: { type: 'ok', value: null }, return: 2 },
      { clientId: 1, input: { f: 'cas', from: 3, to: 0 }, call: 1, output: { type: 'fail' }, return: 3 },
      { clientId: 0, input: { f: 'write', value: 4 }, call: 4, output: { type: 'ok' }, return: 5 },
      { clientId: 1, input: { f: 'read' }, call: 6, output: { type: 'ok', value: 4 }, return: 7 },
    ]);
  });

  test(':info leaves the operation open for ever; a failed read returns in place, unknown', () => {
    const text = [
      line(0, 'invoke', 'cas', '[1 2]'),
      line(0, 'info', 'cas', ':timed-out'),
      line(1, 'invoke', 'read', 'nil'),
      line(1, 'fail', 'read', ':timed-out'),
      line(2, 'invoke', 'write', '3'),
    ].join('\n');
    assert.deepEqual(parseJepsenHistory(text), [
      {
        clientId: 0,
        input: { f: 'cas', from: 1, to: 2 },
        call: 0,
        output: { type: 'unknown' },
        return: Number.POSITIVE_INFINITY,
      },
      { clientId: 1, input: { f: 'read' }, call: 2, output: { type: 'unknown' }, return: 3 },
      {
        clientId: 2,
        input: { f: 'write', value: 3 },
        call: 4,
        output: { type: 'unknown' },
        return: Number.POSITIVE_INFINITY,
      },
    ]);
  });

  test('malformed lines are refused with a named error and the line number', () => {
    const cases: [string, RegExp][] = [
      [
        `${line(0, 'invoke', 'read', 'nil')}\nWARN something else`,
        /^line 2: not a jepsen\.util history line/,
      ],
      [line(0, 'invoke', 'write', 'x'), /^line 1: unknown value "x"/],
      [line(0, 'invoke', 'cas', '4'), /a cas is invoked with \[from to\]/],
      [line(0, 'ok', 'read', '1'), /no pending call/],
      [
        `${line(0, 'invoke', 'read', 'nil')}\n${line(0, 'ok', 'write', '1')}`,
        /completes the :read called on line 1/,
      ],
      [
        `${line(0, 'invoke', 'read', 'nil')}\n${line(0, 'ok', 'read', '[1 2]')}`,
        /a read returns nil or an integer/,
      ],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseJepsenHistory(text),
        { name: 'HistoryParseError', code: 'CHECK_HISTORY_PARSE', message },
        text,
      );
    }
  });
});
