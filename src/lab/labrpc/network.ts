import type { Prng, Simulator, TimerHandle } from '../../sim/index.js';
import { decode, encode } from '../labgob.js';
import type { NetworkObserver } from './network-observer.js';
import type { Server } from './server.js';

/** The outcome of a call: the decoded reply, or `ok: false` for a lost request, lost reply or dead peer. */
export type CallResult = { readonly ok: true; readonly reply: unknown } | { readonly ok: false };

/** labrpc's constants (spec: lab-tests.md section 3). */
const SHORT_DELAY_MS = 27; // unreliable: each request waits 0..26 ms
const DROP_PER_MILLE = 100; // unreliable: 10% of requests and 10% of replies are lost
const LONG_DELAY_MS = 7000; // a call to a disconnected or dead peer fails after 0..6999 ms
const SHORT_FAIL_MS = 100; // ... or 0..99 ms with long delays off
const REORDER_OF_900 = 600; // long reordering: 2/3 of replies arrive late
const REORDER_BASE_MS = 200;
const REORDER_SPREAD_MS = 2000;
const HANDLER_POLL_MS = 100; // while a handler has not answered, labrpc checks this often whether the server died

/** Where a client end points, and whether it may send. */
interface EndState {
  enabled: boolean;
  server: string | undefined;
}

/**
 * The lab's simulated network (labrpc), on the simulator's clock. Every call is counted and its arguments
 * encoded; requests and replies are delivered as simulator events, never synchronously, so a handler never runs
 * inside its caller's stack.
 */
export class Network {
  private readonly ends = new Map<string, EndState>();
  private readonly servers = new Map<string, Server>();
  private reliableNet = true;
  private longDelaysOn = false;
  private longReorderingOn = false;
  private latencyMs: { readonly min: number; readonly max: number } | null = null;
  private totalCalls = 0;
  private totalBytes = 0;
  private observer: NetworkObserver | null = null;

  constructor(
    private readonly sim: Simulator,
    private readonly rand: Prng,
  ) {}

  /** Reports every call's fate to `observer` from now on (a trace); it must not touch the network. */
  observe(observer: NetworkObserver | null): void {
    this.observer = observer;
  }

  /** A new client end; it sends nothing until `connect`ed and `enable`d. */
  makeEnd(name: string): ClientEnd {
    if (this.ends.has(name)) throw new Error(`labrpc: MakeEnd: ${name} already exists`);
    this.ends.set(name, { enabled: false, server: undefined });
    return new ClientEnd(name, this);
  }

  addServer(name: string, server: Server): void {
    this.servers.set(name, server);
  }

  /** Removes a server: calls in flight to it fail, and new calls fail as to a dead peer. */
  deleteServer(name: string): void {
    this.servers.delete(name);
  }

  /** Points end `endName` at server `serverName` (for life). */
  connect(endName: string, serverName: string): void {
    this.endState(endName).server = serverName;
  }

  /** Enables or disables an end: a disabled end's calls fail as to a dead peer. */
  enable(endName: string, enabled: boolean): void {
    this.endState(endName).enabled = enabled;
  }

  reliable(yes: boolean): void {
    this.reliableNet = yes;
  }

  longDelays(yes: boolean): void {
    this.longDelaysOn = yes;
  }

  longReordering(yes: boolean): void {
    this.longReorderingOn = yes;
  }

  /**
   * Gives every request a one-way latency of `minMs`..`maxMs` ms (whole ms, uniform), on top of the unreliable
   * network's short delay; `null` (the default, and labrpc's own behaviour) for none. In virtual time a handler
   * costs nothing, so a world whose clients call in a loop (the key/value tests) needs messages to take time, as
   * real ones do, or its clients would run unboundedly many operations in one instant.
   */
  latency(range: { readonly minMs: number; readonly maxMs: number } | null): void {
    if (
      range !== null &&
      !(
        Number.isInteger(range.minMs) &&
        range.minMs >= 0 &&
        Number.isInteger(range.maxMs) &&
        range.maxMs >= range.minMs
      )
    ) {
      throw new RangeError(
        `labrpc: latency needs whole ms with 0 <= minMs <= maxMs, got ${JSON.stringify(range)}`,
      );
    }
    this.latencyMs = range === null ? null : { min: range.minMs, max: range.maxMs };
  }

  /** Requests dispatched to server `name` (incoming RPCs). */
  getCount(name: string): number {
    return this.servers.get(name)?.getCount() ?? 0;
  }

  /** Every call made, delivered or not. */
  getTotalCount(): number {
    return this.totalCalls;
  }

  /** Bytes of every request sent plus every reply delivered. */
  getTotalBytes(): number {
    return this.totalBytes;
  }

  /** ClientEnd.call's body: counts, encodes, and schedules the request's fate. */
  send(endName: string, svcMeth: string, args: unknown, onReply: (result: CallResult) => void): void {
    const request = encode(args);
    const call = ++this.totalCalls;
    this.totalBytes += request.byteLength;
    const observer = this.observer;
    observer?.sent(call, endName, svcMeth, args, request.byteLength);

    const end = this.endState(endName);
    const serverName = end.server;
    const server = serverName === undefined ? undefined : this.servers.get(serverName);
    const reliable = this.reliableNet;
    const fail = (): void => {
      onReply({ ok: false });
    };

    if (!end.enabled || serverName === undefined || server === undefined) {
      // No handler runs; the caller learns of the failure only after a while, as with a real timeout.
      observer?.unreachable(call);
      const delay = this.rand.int(this.longDelaysOn ? LONG_DELAY_MS : SHORT_FAIL_MS);
      this.sim.schedule(delay, fail);
      return;
    }

    const latency =
      this.latencyMs === null
        ? 0
        : this.latencyMs.min + this.rand.int(this.latencyMs.max - this.latencyMs.min + 1);
    const delay = latency + (reliable ? 0 : this.rand.int(SHORT_DELAY_MS));
    this.sim.schedule(delay, () => {
      if (!reliable && this.rand.int(1000) < DROP_PER_MILLE) {
        observer?.requestLost(call);
        fail(); // The request is lost; the handler never runs.
        return;
      }
      observer?.delivered(call);
      // The server may be deleted or cut off while its handler runs: its reply is then lost.
      const serverDead = (): boolean => !end.enabled || this.servers.get(serverName) !== server;
      // Settled by the reply or by the server's death, whichever comes first (closures share it, hence an object).
      const pending: { answered: boolean; poll: TimerHandle | undefined } = {
        answered: false,
        poll: undefined,
      };
      server.dispatch(svcMeth, request, (reply) => {
        if (pending.answered) return;
        pending.answered = true;
        if (pending.poll !== undefined) this.sim.cancel(pending.poll);
        observer?.replied(call, reply);
        const dead = serverDead();
        if (dead || (!reliable && this.rand.int(1000) < DROP_PER_MILLE)) {
          observer?.replyLost(call, dead);
          this.sim.schedule(0, fail);
          return;
        }
        const deliver = (): void => {
          this.totalBytes += reply.byteLength;
          observer?.replyDelivered(call);
          onReply({ ok: true, reply: decode(reply) });
        };
        if (this.longReorderingOn && this.rand.int(900) < REORDER_OF_900) {
          const delay = REORDER_BASE_MS + this.rand.int(1 + this.rand.int(REORDER_SPREAD_MS));
          observer?.delayed(call, delay);
          this.sim.schedule(delay, deliver);
        } else {
          this.sim.schedule(0, deliver);
        }
      });
      if (pending.answered) return;
      // The handler answers later. Like labrpc, give up on it as soon as its server dies or the end is cut.
      const check = (): void => {
        if (pending.answered) return;
        if (serverDead()) {
          pending.answered = true;
          observer?.replyLost(call, true);
          fail();
          return;
        }
        pending.poll = this.sim.schedule(HANDLER_POLL_MS, check);
      };
      pending.poll = this.sim.schedule(HANDLER_POLL_MS, check);
    });
  }

  private endState(name: string): EndState {
    const end = this.ends.get(name);
    if (end === undefined) throw new Error(`labrpc: no end named ${name}`);
    return end;
  }
}

/** One server's handle on one peer: `call` sends an RPC over the network. */
export class ClientEnd {
  constructor(
    readonly name: string,
    private readonly net: Network,
  ) {}

  /** Sends `args` to "Service.Method" at the peer; `onReply` runs later, from a simulator event. */
  call(svcMeth: string, args: unknown, onReply: (result: CallResult) => void): void {
    this.net.send(this.name, svcMeth, args, onReply);
  }
}
