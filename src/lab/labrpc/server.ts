import { decode, encode } from '../labgob.js';

/** An RPC handler: decoded arguments in, a reply value out. It runs to completion when a request arrives. */
export type RpcHandler = (args: unknown) => unknown;

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

  /** Decodes `args`, runs the handler for `svcMeth` and returns the encoded reply. */
  dispatch(svcMeth: string, args: Uint8Array): Uint8Array {
    this.incoming++;
    const dot = svcMeth.lastIndexOf('.');
    const handler = this.services.get(svcMeth.slice(0, dot))?.handler(svcMeth.slice(dot + 1));
    if (dot < 0 || handler === undefined) throw new UnknownMethodError(svcMeth, [...this.services.keys()]);
    return encode(handler(decode(args)));
  }
}
