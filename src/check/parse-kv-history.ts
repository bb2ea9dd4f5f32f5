import { keywordOf, parseEdnMap, type EdnValue } from './edn-map.js';
import { HistoryParseError } from './errors.js';
import type { KvInput, KvOutput } from './kv-model.js';
import type { Operation } from './model.js';

const KV_FUNCTIONS = new Set(['get', 'put', 'append', 'delete']);

/**
 * Reads a key-value history in Jepsen's EDN line format, one event a line:
 * `{:process P, :type :invoke|:ok|:fail|:info, :f :get|:put|:append|:delete, :key "K", :value "V"}`.
 * The line order is real time, so an operation's call and return are the numbers of its invoke and completion
 * lines. `:ok` completes the process's pending call (for get it carries the value read); `:fail` means the
 * operation did not happen, so it is dropped; `:info`, or no completion before the end, means it may or may not
 * have happened: its return is +Infinity and its output unknown. Blank lines are skipped.
 */
export function parseKvHistory(text: string): Operation<KvInput, KvOutput>[] {
  const ops: (Operation<KvInput, KvOutput> | undefined)[] = [];
  const pending = new Map<number, { index: number; input: KvInput; call: number; line: number }>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const event = parseEdnMap(raw.trim(), line);
    const process = event.get('process');
    if (typeof process !== 'number') throw new HistoryParseError(line, ':process must be an integer');
    const type = keywordOf(event.get('type'));
    const f = keywordOf(event.get('f'));
    if (f === undefined || !KV_FUNCTIONS.has(f)) {
      throw new HistoryParseError(line, `:f must be one of :get, :put, :append, :delete`);
    }
    const key = event.get('key');
    if (typeof key !== 'string') throw new HistoryParseError(line, ':key must be a string');
    const value = event.get('value');
    const open = pending.get(process);
    switch (type) {
      case 'invoke': {
        if (open) {
          throw new HistoryParseError(
            line,
            `process ${process} invokes while its call on line ${open.line} is still pending`,
          );
        }
        const input: KvInput =
          f === 'get' || f === 'delete'
            ? { op: f, key }
            : { op: f as 'put' | 'append', key, value: stringValue(value, line) };
        pending.set(process, { index: ops.length, input, call: i, line });
        ops.push(undefined);
        return;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        if (!open)
          throw new HistoryParseError(line, `:${type} for process ${process}, which has no pending call`);
        if (open.input.op !== f || open.input.key !== key) {
          throw new HistoryParseError(
            line,
            `:${type} ${describe(f, key)} does not match the call ${describe(open.input.op, open.input.key)} on line ${open.line}`,
          );
        }
        pending.delete(process);
        if (type === 'fail') return;
        const output: KvOutput =
          type === 'info'
            ? { value: '', unknown: true }
            : { value: f === 'get' ? (value === null ? '' : stringValue(value, line)) : '' };
        ops[open.index] = {
          clientId: process,
          input: open.input,
          call: open.call,
          output,
          return: type === 'info' ? Number.POSITIVE_INFINITY : i,
        };
        return;
      }
      default:
        throw new HistoryParseError(line, ':type must be one of :invoke, :ok, :fail, :info');
    }
  });
  for (const [process, open] of pending) {
    ops[open.index] = {
      clientId: process,
      input: open.input,
      call: open.call,
      output: { value: '', unknown: true },
      return: Number.POSITIVE_INFINITY,
    };
  }
  return ops.filter((op) => op !== undefined);
}

function stringValue(value: EdnValue | undefined, line: number): string {
  if (typeof value !== 'string') throw new HistoryParseError(line, ':value must be a string');
  return value;
}

function describe(f: string, key: string): string {
  return `:${f} ${JSON.stringify(key)}`;
}
