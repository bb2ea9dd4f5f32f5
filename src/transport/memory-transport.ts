import type { Message, NodeId } from '../core/index.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { TransportError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * An in-process network of MemoryTransports, for tests of the layers above that want real transport semantics
 * without sockets: messages cross it encoded and decoded (so nobody shares an object, and an unencodable message
 * fails as it would on TCP), asynchronously and in order per pair.
 */
export class MemoryNetwork {
  private readonly transports = new Map<NodeId, MemoryTransport>();

  constructor(private readonly members: readonly NodeId[]) {}

  /** The transport of member `id` (one per id). */
  transport(id: NodeId): MemoryTransport {
    if (!this.members.includes(id)) throw new TransportError('TRANSPORT_BAD_CONFIG', `no member ${id}`);
    let t = this.transports.get(id);
    if (t === undefined) {
      t = new MemoryTransport(this, id);
      this.transports.set(id, t);
    }
    return t;
  }

  /** Whether `id` is a member. */
  has(id: NodeId): boolean {
    return this.members.includes(id);
  }

  /** The running transport of `id`, if any. */
  running(id: NodeId): MemoryTransport | undefined {
    const t = this.transports.get(id);
    return t?.isRunning() === true ? t : undefined;
  }

  /** Forgets a stopped transport, so that `transport(id)` makes a fresh one (a restarted member). */
  release(id: NodeId): void {
    if (this.transports.get(id)?.isRunning() === false) this.transports.delete(id);
  }
}

/** A Transport over a MemoryNetwork. */
export class MemoryTransport implements Transport {
  private state: 'new' | 'running' | 'stopped' = 'new';
  private outbox: { to: NodeId; bytes: Uint8Array }[] = [];
  private pending: NodeJS.Immediate | null = null;
  private readonly messageHandlers = new Set<(message: Message) => void>();
  private readonly unreachableHandlers = new Set<(peer: NodeId) => void>();

  constructor(
    private readonly network: MemoryNetwork,
    readonly id: NodeId,
  ) {}

  /** See Transport.start. */
  start(): Promise<void> {
    if (this.state !== 'new') {
      return Promise.reject(new TransportError('TRANSPORT_STATE', `start() on a ${this.state} transport`));
    }
    this.state = 'running';
    return Promise.resolve();
  }

  /** Whether started and not stopped. */
  isRunning(): boolean {
    return this.state === 'running';
  }

  /** See Transport.send. */
  send(message: Message): void {
    if (this.state === 'stopped') return;
    if (message.to === this.id || !this.network.has(message.to)) {
      throw new TransportError('TRANSPORT_UNKNOWN_PEER', `no member ${message.to}`);
    }
    this.outbox.push({ to: message.to, bytes: encodeMessage(message) });
    // One immediate per batch, like the TCP transport's one write per tick.
    this.pending ??= setImmediate(() => {
      this.flush();
    });
  }

  /** See Transport.onMessage. */
  onMessage(handler: (message: Message) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** See Transport.onPeerUnreachable: called for a message to a member whose transport is not running. */
  onPeerUnreachable(handler: (peer: NodeId) => void): () => void {
    this.unreachableHandlers.add(handler);
    return () => this.unreachableHandlers.delete(handler);
  }

  /** See Transport.stop. */
  stop(): Promise<void> {
    this.state = 'stopped';
    if (this.pending !== null) clearImmediate(this.pending);
    this.pending = null;
    this.outbox = [];
    return Promise.resolve();
  }

  /** Hands a message to this transport's handlers (the network calls it). */
  receive(message: Message): void {
    if (this.state !== 'running') return;
    for (const handler of this.messageHandlers) handler(message);
  }

  private flush(): void {
    this.pending = null;
    const batch = this.outbox;
    this.outbox = [];
    for (const { to, bytes } of batch) {
      if (this.state !== 'running') return;
      const target = this.network.running(to);
      if (target === undefined) {
        for (const handler of this.unreachableHandlers) handler(to);
        continue;
      }
      target.receive(decodeMessage(bytes));
    }
  }
}
