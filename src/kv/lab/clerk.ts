import type { CallResult, ClientEnd } from '../../lab/index.js';
import type { Prng } from '../../sim/index.js';
import {
  type GetArgs,
  type KvRpcErr,
  parseGetReply,
  parsePutAppendReply,
  type PutAppendArgs,
} from './rpc.js';

/**
 * After a whole round of servers without an answer, the clerk waits this long before the next round: no server
 * could take the request (an election is under way, or the clerk reaches only a minority), and asking again at
 * once would only add RPCs.
 */
export const RETRY_ROUND_MS = 50;

/** What a clerk needs of the simulated world: its random stream and virtual-time waits. */
export interface ClerkWorld {
  readonly rand: Prng;
  /** Resolves after `ms` of virtual time. */
  sleep(ms: number): Promise<void>;
  /** Resolves with what a later simulator event passes to `settle` (here: an RPC's outcome). */
  until<T>(start: (settle: (value: T) => void) => void): Promise<T>;
}

/** Raised when a clerk is asked for a second call while one is outstanding: the lab allows one at a time. */
export class ClerkBusyError extends Error {
  readonly code = 'KV_CLERK_BUSY';
  constructor() {
    super('clerk: one call at a time (the previous call has not returned)');
    this.name = 'ClerkBusyError';
  }
}

/** Raised when a server calls a request malformed: the clerk and server disagree on the protocol, a bug. */
export class BadRequestError extends Error {
  readonly code = 'KV_BAD_REQUEST';
  constructor(method: string) {
    super(`clerk: a server rejected ${method} as malformed`);
    this.name = 'BadRequestError';
  }
}

/** The lab's MakeClerk(servers): a clerk over the given client ends (shuffled by the tester). */
export function makeClerk(servers: readonly ClientEnd[], world: ClerkWorld): Clerk {
  return new Clerk(servers, world);
}

/**
 * The kvraft client. Each call gets the next sequence number and keeps trying servers until one that is leader
 * applies it: first the server that answered last time, then the others in turn. A retry carries the same
 * (clientId, seq), so a request that ran before is not run again. Calls never fail: like the lab's clerk, it
 * keeps trying forever.
 */
export class Clerk {
  /** A random 53-bit id: clerks made in different worlds (or restarts) do not collide. */
  readonly clientId: number;
  private seq = 0;
  private leader = 0;
  private busy = false;

  constructor(
    private readonly servers: readonly ClientEnd[],
    private readonly world: ClerkWorld,
  ) {
    this.clientId = world.rand.bigInt();
  }

  /** The current value of `key`, or '' if it has none. */
  async get(key: string): Promise<string> {
    const reply = await this.call(
      'KVServer.Get',
      (seq): GetArgs => ({ key, clientId: this.clientId, seq }),
      parseGetReply,
    );
    return reply.value;
  }

  /** Replaces the value of `key`. */
  async put(key: string, value: string): Promise<void> {
    await this.putAppend(key, value, 'Put');
  }

  /** Appends `value` to the value of `key` (a missing key counts as ''). */
  async append(key: string, value: string): Promise<void> {
    await this.putAppend(key, value, 'Append');
  }

  private async putAppend(key: string, value: string, op: 'Put' | 'Append'): Promise<void> {
    await this.call(
      'KVServer.PutAppend',
      (seq): PutAppendArgs => ({ key, value, op, clientId: this.clientId, seq }),
      parsePutAppendReply,
    );
  }

  /** Sends one request until a leader answers it; returns the reply. */
  private async call<R extends { readonly err: KvRpcErr }>(
    method: string,
    makeArgs: (seq: number) => GetArgs | PutAppendArgs,
    parse: (reply: unknown) => R | null,
  ): Promise<R> {
    if (this.busy) throw new ClerkBusyError();
    this.busy = true;
    try {
      const args = makeArgs(++this.seq);
      const n = this.servers.length;
      for (let tries = 1; ; tries++) {
        const end = this.servers[this.leader] as ClientEnd;
        const result = await this.world.until<CallResult>((settle) => {
          end.call(method, args, settle);
        });
        const reply = result.ok ? parse(result.reply) : null;
        if (reply?.err === 'ErrBadRequest') throw new BadRequestError(method);
        if (reply !== null && reply.err !== 'ErrWrongLeader') return reply;
        this.leader = (this.leader + 1) % n;
        if (tries % n === 0) await this.world.sleep(RETRY_ROUND_MS);
      }
    } finally {
      this.busy = false;
    }
  }
}
