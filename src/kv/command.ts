import type { KvCommand, KvOp } from './types.js';

/**
 * Checks that `value` (read from a log entry or a request, so of unknown shape) is a key/value command. Returns
 * the command, or the reason it is not one.
 */
export function parseCommand(
  value: unknown,
): { ok: true; command: KvCommand } | { ok: false; reason: string } {
  if (!isRecord(value)) return { ok: false, reason: 'not an object' };
  const { clientId, seq, op } = value;
  if (!isId(clientId, 0)) return { ok: false, reason: 'clientId must be a safe integer >= 0' };
  if (!isId(seq, 1)) return { ok: false, reason: 'seq must be a safe integer >= 1' };
  const parsedOp = parseOp(op);
  if (typeof parsedOp === 'string') return { ok: false, reason: parsedOp };
  return { ok: true, command: { clientId, seq, op: parsedOp } };
}

/** Checks an operation's shape; returns it, or why it is not one. */
export function parseOp(value: unknown): KvOp | string {
  if (!isRecord(value)) return 'op must be an object';
  const { op, key, value: v } = value;
  if (typeof key !== 'string') return 'key must be a string';
  switch (op) {
    case 'get':
    case 'delete':
      return { op, key };
    case 'put':
    case 'append':
      if (typeof v !== 'string') return `${op} needs a string value`;
      return { op, key, value: v };
    default:
      return 'op must be one of get, put, append, delete';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isId(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}
