import type { KvErr } from '../types.js';

/**
 * The kvraft RPCs as the 2021-2023 lab has them: "KVServer.Get" and "KVServer.PutAppend", each request carrying
 * the clerk's id and request number for duplicate detection.
 */

/** A reply's error: the state machine's, ErrWrongLeader (try another server), or ErrBadRequest (a malformed request). */
export type KvRpcErr = KvErr | 'ErrWrongLeader' | 'ErrBadRequest';

/** KVServer.Get's arguments. */
export interface GetArgs {
  readonly key: string;
  readonly clientId: number;
  readonly seq: number;
}

/** KVServer.Get's reply: `value` is '' for a missing key. */
export interface GetReply {
  readonly err: KvRpcErr;
  readonly value: string;
}

/** KVServer.PutAppend's arguments. */
export interface PutAppendArgs {
  readonly key: string;
  readonly value: string;
  readonly op: 'Put' | 'Append';
  readonly clientId: number;
  readonly seq: number;
}

/** KVServer.PutAppend's reply. */
export interface PutAppendReply {
  readonly err: KvRpcErr;
}

/** The errors a reply may carry. */
const ERRS: readonly KvRpcErr[] = ['OK', 'ErrNoKey', 'ErrWrongLeader', 'ErrBadRequest'];

/** Checks GetArgs from the wire; returns them or why they are malformed. */
export function parseGetArgs(value: unknown): GetArgs | string {
  if (!isRecord(value)) return 'Get arguments must be an object';
  const { key, clientId, seq } = value;
  if (typeof key !== 'string') return 'key must be a string';
  const ids = checkIds(clientId, seq);
  if (ids !== null) return ids;
  return { key, clientId: clientId as number, seq: seq as number };
}

/** Checks PutAppendArgs from the wire; returns them or why they are malformed. */
export function parsePutAppendArgs(value: unknown): PutAppendArgs | string {
  if (!isRecord(value)) return 'PutAppend arguments must be an object';
  const { key, value: v, op, clientId, seq } = value;
  if (typeof key !== 'string') return 'key must be a string';
  if (typeof v !== 'string') return 'value must be a string';
  if (op !== 'Put' && op !== 'Append') return 'op must be "Put" or "Append"';
  const ids = checkIds(clientId, seq);
  if (ids !== null) return ids;
  return { key, value: v, op, clientId: clientId as number, seq: seq as number };
}

/** Checks a Get reply from the wire (null if malformed: the clerk then treats the call as lost). */
export function parseGetReply(value: unknown): GetReply | null {
  if (!isRecord(value) || !isErr(value.err) || typeof value.value !== 'string') return null;
  return { err: value.err, value: value.value };
}

/** Checks a PutAppend reply from the wire (null if malformed). */
export function parsePutAppendReply(value: unknown): PutAppendReply | null {
  if (!isRecord(value) || !isErr(value.err)) return null;
  return { err: value.err };
}

function checkIds(clientId: unknown, seq: unknown): string | null {
  if (typeof clientId !== 'number' || !Number.isSafeInteger(clientId) || clientId < 0) {
    return 'clientId must be a safe integer >= 0';
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    return 'seq must be a safe integer >= 1';
  return null;
}

function isErr(value: unknown): value is KvRpcErr {
  return ERRS.includes(value as KvRpcErr);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
