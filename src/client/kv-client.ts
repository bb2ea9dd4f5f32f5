import type { Agent } from 'node:http';
import type { Bytes } from './bytes.js';
import {
  KvClosedError,
  KvRequestError,
  KvResponseError,
  KvTimeoutError,
  KvUnavailableError,
} from './errors.js';
import { HttpCallError, httpCall, keepAliveAgent } from './http-call.js';
import { findLeader, normalizeEndpoint } from './leader.js';
import { CLIENT_ID_HEADER, SEQ_HEADER, SessionPool, type Session } from './sessions.js';
import { Txn } from './txn.js';
import type {
  DeleteOptions,
  DeleteResult,
  KeyValue,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  TxnRequest,
  TxnResult,
} from './types.js';
import {
  PATHS,
  decodeDelete,
  decodePut,
  decodeRange,
  decodeTxn,
  encodeDelete,
  encodePut,
  encodeRange,
  encodeTxn,
  txnWrites,
} from './wire.js';

export interface KvClientOptions {
  /** The members' client URLs (`http://host:port`); any member serves any request, the leader fastest. */
  readonly endpoints: readonly string[];
  /** How long one attempt may take before it is abandoned and retried elsewhere (default 5 s). */
  readonly timeoutMs?: number;
  /** How long a call may take over all its attempts before it fails (default 15 s). */
  readonly deadlineMs?: number;
  /** Send to the leader once it is known (default true); false spreads calls over the endpoints in turn. */
  readonly preferLeader?: boolean;
  /** The HTTP agent (default: a keep-alive agent of the client's own, destroyed by close()). */
  readonly agent?: Agent;
}

/** How long leader discovery waits for each endpoint's status. */
const DISCOVERY_TIMEOUT_MS = 2_000;

/** The longest pause between two attempts of one call. */
const MAX_BACKOFF_MS = 1_000;

/**
 * A client of the key-value service over its etcd-compatible JSON API (raft-ts's or etcd 3.4's gateway).
 *
 * Retries: a call is retried on another endpoint after a connection error, a timeout, or a 5xx answer (503: no
 * leader), until its deadline. Reads are always safe to retry. Every write (put, delete, a txn that writes) is
 * sent under an exactly-once session (a client id and sequence number in headers): raft-ts applies it once
 * however many times it arrives. etcd ignores those headers, so against etcd a retried write may apply twice.
 * 4xx answers are not retried: they throw KvRequestError.
 */
export class KvClient {
  private readonly endpoints: readonly string[];
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly preferLeader: boolean;
  private readonly agent: Agent;
  private readonly ownsAgent: boolean;
  private readonly sessions = new SessionPool();
  /** The leader's URL once found; cleared when it fails. */
  private leader: string | null = null;
  private discovery: Promise<void> | null = null;
  /** When discovery last ran, so that a leaderless cluster is not asked again on every attempt. */
  private discoveredAt = -Infinity;
  /** The endpoint used when no leader is known, advanced after each failure. */
  private next = 0;
  private closed = false;

  constructor(options: KvClientOptions) {
    if (options.endpoints.length === 0) throw new RangeError('KvClient needs at least one endpoint');
    this.endpoints = [...new Set(options.endpoints.map(normalizeEndpoint))];
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.deadlineMs = options.deadlineMs ?? 15_000;
    if (!(this.timeoutMs > 0) || !(this.deadlineMs > 0)) throw new RangeError('timeouts must be positive');
    this.preferLeader = options.preferLeader ?? true;
    this.ownsAgent = options.agent === undefined;
    this.agent = options.agent ?? keepAliveAgent();
  }

  /** Sets `key` to `value`. */
  put(key: Bytes, value: Bytes, options?: PutOptions): Promise<PutResult> {
    return this.call(PATHS.put, encodePut(key, value, options), true, decodePut);
  }

  /** The value of one key, or undefined when the key does not exist (linearizable unless `serializable`). */
  async get(key: Bytes, options?: { readonly serializable?: boolean }): Promise<KeyValue | undefined> {
    const result = await this.range(key, options?.serializable === true ? { serializable: true } : {});
    return result.kvs[0];
  }

  /** One key, or the keys of a range (`rangeEnd` or `prefix`), with the store's revision. */
  range(key: Bytes, options?: RangeOptions): Promise<RangeResult> {
    return this.call(PATHS.range, encodeRange(key, options), false, decodeRange);
  }

  /** Deletes one key, or the keys of a range. */
  delete(key: Bytes, options?: DeleteOptions): Promise<DeleteResult> {
    return this.call(PATHS.delete, encodeDelete(key, options), true, decodeDelete);
  }

  /** A transaction: `txn().if(compare...).then(op...).else(op...).commit()`, or one given whole. */
  txn(): Txn;
  txn(request: TxnRequest): Promise<TxnResult>;
  txn(request?: TxnRequest): Txn | Promise<TxnResult> {
    const send = (txn: TxnRequest): Promise<TxnResult> =>
      this.call(PATHS.txn, encodeTxn(txn), txnWrites(txn), decodeTxn);
    return request === undefined ? new Txn(send) : send(request);
  }

  /** The leader's URL as last found (null if unknown). */
  knownLeader(): string | null {
    return this.leader;
  }

  /** Closes the client's idle connections; later calls throw KvClosedError. */
  close(): void {
    this.closed = true;
    if (this.ownsAgent) this.agent.destroy();
  }

  private async call<T>(
    path: string,
    body: object,
    writes: boolean,
    decode: (body: unknown) => T,
  ): Promise<T> {
    if (this.closed) throw new KvClosedError('the client is closed');
    // Encoding errors (a bad option) throw above, before a session is taken.
    const text = JSON.stringify(body);
    const session = writes ? this.sessions.acquire() : undefined;
    try {
      return await this.attempts(path, text, session, decode);
    } finally {
      if (session !== undefined) this.sessions.release(session);
    }
  }

  private async attempts<T>(
    path: string,
    text: string,
    session: Session | undefined,
    decode: (body: unknown) => T,
  ): Promise<T> {
    const deadline = Date.now() + this.deadlineMs;
    const headers: Record<string, string> =
      session === undefined
        ? {}
        : { [CLIENT_ID_HEADER]: String(session.clientId), [SEQ_HEADER]: String(session.seq) };
    let failure: unknown = undefined;
    let timedOut = false;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new KvClosedError('the client was closed during the call');
      const endpoint = await this.pick(deadline);
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const answer = await httpCall(
          this.agent,
          new URL(path, endpoint),
          'POST',
          text,
          headers,
          Math.min(this.timeoutMs, remaining),
        );
        if (answer.status === 200) return decode(answer.body);
        const { error, message, code } = errorOf(answer.body, answer.text);
        if (answer.status >= 400 && answer.status < 500) {
          throw new KvRequestError(answer.status, error, `${endpoint}${path}: ${message}`, code);
        }
        if (answer.status < 500) {
          throw new KvResponseError(`${endpoint}${path}: unexpected HTTP ${answer.status}`);
        }
        failure = new KvUnavailableError(`${endpoint}${path}: HTTP ${answer.status} ${message}`);
        timedOut = false;
      } catch (error) {
        if (!(error instanceof HttpCallError)) throw error;
        failure = error;
        timedOut = error.failure.kind === 'timeout';
      }
      this.failed(endpoint);
      // The first pass tries each endpoint at once; then the pauses grow, with jitter so clients spread out.
      const backoff =
        attempt + 1 < this.endpoints.length
          ? 0
          : Math.min(MAX_BACKOFF_MS, 50 * 2 ** (attempt + 1 - this.endpoints.length)) *
            (0.5 + Math.random() / 2);
      const pause = Math.min(backoff, deadline - Date.now());
      if (pause > 0) await sleep(pause);
    }
    const why = failure instanceof Error ? failure.message : 'no attempt fitted in the deadline';
    const message = `${path}: no endpoint answered within ${this.deadlineMs} ms (last: ${why})`;
    throw timedOut ? new KvTimeoutError(message, failure) : new KvUnavailableError(message, failure);
  }

  /** Where the next attempt goes: the leader when known (found once per failure), else the next endpoint. */
  private async pick(deadline: number): Promise<string> {
    if (this.preferLeader && this.leader === null && Date.now() - this.discoveredAt > 100) {
      this.discovery ??= findLeader(
        this.agent,
        this.endpoints,
        // Short: an endpoint that does not answer must not hold up the call long (it falls back to any endpoint).
        Math.max(1, Math.min(this.timeoutMs, DISCOVERY_TIMEOUT_MS, deadline - Date.now())),
      ).then((leader) => {
        this.leader = leader;
        this.discoveredAt = Date.now();
        this.discovery = null;
      });
      await this.discovery;
    }
    return this.leader ?? (this.endpoints[this.next % this.endpoints.length] as string);
  }

  private failed(endpoint: string): void {
    if (this.leader === endpoint) this.leader = null;
    if (this.endpoints[this.next % this.endpoints.length] === endpoint) this.next++;
  }
}

/** The error fields of a JSON error answer (raft-ts: {error, message}; etcd: {error, message, code}). */
function errorOf(body: unknown, text: string): { error: string; message: string; code?: number } {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const error = typeof b.error === 'string' ? b.error : 'error';
  const message = typeof b.message === 'string' ? b.message : text.slice(0, 200) || error;
  return typeof b.code === 'number' ? { error, message, code: b.code } : { error, message };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
