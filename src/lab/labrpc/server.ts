import { decode, encode } from '../labgob.js';

/**
 * An RPC handler: decoded arguments in, a reply value out. It runs to completion when a request arrives; a
 * handler that can only answer later (a key/value server waiting for its command to commit) returns a
 * `PendingReply` and resolves it from a later simulator event.
 */
export type RpcHandler = (args: unknown) => unknown;

/**
 * A reply still to come: the Go handler that blocks before filling in its reply. Resolve it once; later
 * resolutions are ignored.
 */
export class PendingReply {
  private settled = false;
  private value: unknown;
  private listener: ((value: unknown) => void) | undefined;

  /** Gives the reply: labrpc encodes it and carries it back to the caller (if the caller is still there). */
  resolve(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.value = value;
    this.listener?.(value);
  }

  /** Whether `resolve` was called. */
  get resolved(): boolean {
    return this.settled;
  }

  /** For the server: runs `fn` with the reply once there is one (at once if there already is). */
  onResolve(fn: (value: unknown) => void): void {
    if (this.settled) fn(this.value);
    else this.listener = fn;
  }
}

/** A named set of handlers, addressed as "Service.Method" (e.g. "Raft.AppendEntries"). */
export class Service {
  constructor(
    readonly name: string,
    private readonly methods: Readonly<Record<string, RpcHandler>>,
  ) {}

  /** The handler for `method`, if this service has one. */
  handler(method: string): RpcHandler | undefined {
    return Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
  }
}

/** Raised for a call to a service or method that no server registered: a bug in the caller, as in labrpc. */
export class UnknownMethodError extends Error {
  readonly code = 'LABRPC_UNKNOWN_METHOD';
  constructor(svcMeth: string, known: readonly string[]) {
    super(`labrpc: unknown method ${svcMeth}; expecting one of ${known.join(', ') || '(no services)'}`);
    this.name = 'UnknownMethodError';
  }
}

/** A server: a collection of services, and a count of the requests dispatched to it. */
export class Server {
  private readonly services = new Map<string, Service>();
  private incoming = 0;

  addService(service: Service): void {
    this.services.set(service.name, service);
  }

  /** Requests that reached this server's handlers. */
  getCount(): number {
    return this.incoming;
  }

  /**
   * Decodes `args`, runs the handler for `svcMeth` and hands the encoded reply to `done`: before returning, unless
   * the handler answered with a PendingReply.
   */
  dispatch(svcMeth: string, args: Uint8Array, done: (reply: Uint8Array) => void): void {
    this.incoming++;
    const dot = svcMeth.lastIndexOf('.');
    const handler = this.services.get(svcMeth.slice(0, dot))?.handler(svcMeth.slice(dot + 1));
    if (dot < 0 || handler === undefined) throw new UnknownMethodError(svcMeth, [...this.services.keys()]);
    const result = handler(decode(args));
    if (result instanceof PendingReply) {
      result.onResolve((value) => {
        done(encode(value));
      });
    } else {
      done(encode(result));
    }
  }
}
