import type { CasInput, CasOutput } from './cas-register-model.js';
import { HistoryParseError } from './errors.js';
import type { Operation } from './model.js';

/** `INFO  jepsen.util - <process> :<type> :<f> <value>`, fields separated by tabs or spaces. */
const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

type Value = number | null | 'timed-out' | readonly [number, number];

/**
 * Reads a Jepsen log of a compare-and-set register (the etcd test's `jepsen.util` lines) into operations for
 * `casRegisterModel`. Times are line numbers. `:ok` and `:fail` complete a process's pending call (a failed
 * read is a timeout: it returns there with an unknown output); `:info` does not complete it: the operation may
 * take effect at any time after its call or never, so it returns at +Infinity with an unknown output, as
 * Knossos and Porcupine read it. Operations still pending at the end are read the same way. Blank lines are
 * skipped; any other line is a `HistoryParseError`.
 */
export function parseJepsenHistory(text: string): Operation<CasInput, CasOutput>[] {
  const ops: (Operation<CasInput, CasOutput> | undefined)[] = [];
  const pending = new Map<number, { index: number; input: CasInput; call: number; line: number }>();
  const lines = text.split('\n');
  const unknownForever = (process: number, open: { index: number; input: CasInput; call: number }): void => {
    ops[open.index] = {
      clientId: process,
      input: open.input,
      call: open.call,
      output: { type: 'unknown' },
      return: Number.POSITIVE_INFINITY,
    };
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const match = LINE.exec(raw);
    if (!match) {
      throw new HistoryParseError(line, `not a jepsen.util history line: ${JSON.stringify(raw)}`);
    }
    const process = Number(match[1]);
    const type = match[2] as 'invoke' | 'ok' | 'fail' | 'info';
    const f = match[3] as 'read' | 'write' | 'cas';
    const value = parseValue(match[4] ?? '', line);
    const open = pending.get(process);
    if (type === 'invoke') {
      if (open) {
        throw new HistoryParseError(
          line,
          `process ${process} invokes while its call on line ${open.line} is pending`,
        );
      }
      pending.set(process, { index: ops.length, input: parseInput(f, value, line), call: i, line });
      ops.push(undefined);
      return;
    }
    if (!open)
      throw new HistoryParseError(line, `:${type} for process ${process}, which has no pending call`);
    if (open.input.f !== f) {
      throw new HistoryParseError(
        line,
        `:${type} :${f} completes the :${open.input.f} called on line ${open.line}`,
      );
    }
    pending.delete(process);
    if (type === 'info') {
      unknownForever(process, open);
      return;
    }
    let output: CasOutput;
    if (type === 'ok') {
      if (f === 'read' && !(value === null || typeof value === 'number')) {
        throw new HistoryParseError(line, 'a read returns nil or an integer');
      }
      output = f === 'read' ? { type: 'ok', value: value as number | null } : { type: 'ok' };
    } else if (f === 'read') {
      // A read that failed (timed out) changed nothing but told nothing: unknown, returned here.
      output = { type: 'unknown' };
    } else if (f === 'cas') {
      output = { type: 'fail' };
    } else {
      // A failed write definitely did not happen; leave it out of the history.
      return;
    }
    ops[open.index] = { clientId: process, input: open.input, call: open.call, output, return: i };
  });
  for (const [process, open] of pending) unknownForever(process, open);
  return ops.filter((op) => op !== undefined);
}

function parseValue(text: string, line: number): Value {
  if (text === 'nil') return null;
  if (text === ':timed-out') return 'timed-out';
  if (/^-?\d+$/.test(text)) return Number(text);
  const pair = /^\[\s*(-?\d+)\s+(-?\d+)\s*\]$/.exec(text);
  if (pair) return [Number(pair[1]), Number(pair[2])];
  throw new HistoryParseError(line, `unknown value ${JSON.stringify(text)}`);
}

function parseInput(f: 'read' | 'write' | 'cas', value: Value, line: number): CasInput {
  switch (f) {
    case 'read':
      if (value !== null) throw new HistoryParseError(line, 'a read is invoked with nil');
      return { f };
    case 'write':
      if (typeof value !== 'number') throw new HistoryParseError(line, 'a write is invoked with an integer');
      return { f, value };
    case 'cas':
      if (typeof value !== 'object' || value === null)
        throw new HistoryParseError(line, 'a cas is invoked with [from to]');
      return { f, from: value[0], to: value[1] };
  }
}
