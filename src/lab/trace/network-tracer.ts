import { decode } from '../labgob.js';
import type { NetworkObserver } from '../labrpc/index.js';
import { rpcFields, rpcType } from './rpc-fields.js';
import type { TraceRecorder } from './trace-recorder.js';

/**
 * Records labrpc's calls as `send`, `recv`, `reply`, `delay`, `done` and `drop` events. labrpc knows ends and
 * servers by name only, so the tester names each end's two servers (`nameEnd`) when it makes it.
 */
export class NetworkTracer implements NetworkObserver {
  private readonly ends = new Map<string, { readonly from: number; readonly to: number }>();

  constructor(private readonly trace: TraceRecorder) {}

  /** End `endName` carries server `from`'s calls to server `to`. */
  nameEnd(endName: string, from: number, to: number): void {
    this.ends.set(endName, { from, to });
  }

  sent(call: number, endName: string, svcMeth: string, args: unknown, bytes: number): void {
    const end = this.ends.get(endName) ?? { from: -1, to: -1 };
    const type = rpcType(svcMeth, args);
    this.trace.emit({ k: 'send', id: call, from: end.from, to: end.to, type, bytes, ...rpcFields(args) });
  }

  unreachable(call: number): void {
    this.trace.emit({ k: 'drop', id: call, why: 'unreachable' });
  }

  requestLost(call: number): void {
    this.trace.emit({ k: 'drop', id: call, why: 'request lost' });
  }

  delivered(call: number): void {
    this.trace.emit({ k: 'recv', id: call });
  }

  replied(call: number, reply: Uint8Array): void {
    // Decoding again costs a copy, but only in a traced run, and it keeps labrpc unaware of what it carries.
    this.trace.emit({ k: 'reply', id: call, bytes: reply.byteLength, ...rpcFields(decode(reply)) });
  }

  replyLost(call: number, serverGone: boolean): void {
    this.trace.emit({ k: 'drop', id: call, why: serverGone ? 'server gone' : 'reply lost' });
  }

  delayed(call: number, ms: number): void {
    this.trace.emit({ k: 'delay', id: call, ms });
  }

  replyDelivered(call: number): void {
    this.trace.emit({ k: 'done', id: call });
  }
}
