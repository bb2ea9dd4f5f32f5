import { createServer, type Server, type Socket } from 'node:net';
import type { Message, NodeId } from '../core/index.js';
import { checkAddress, formatAddress, type Address } from './address.js';
import type { BackoffOptions } from './backoff.js';
import { decodeMessage } from './codec.js';
import { CodecError, TransportError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, frameBody } from './frame.js';
import { decodeHello, encodeHello, type Hello } from './handshake.js';
import { silentLogger, type Logger } from './logger.js';
import { OutboundPeer, type PeerStats } from './outbound-peer.js';
import type { QueueLimits } from './peer-queue.js';
import type { Transport } from './transport.js';

/** A handshake is a few dozen bytes: until a connection has sent one, no bigger frame is accepted. */
const MAX_HANDSHAKE_FRAME_BYTES = 1024;
/**
 * Connections that have not completed a handshake, at most: a stranger opening sockets by the thousand costs a
 * bounded number of file descriptors and buffers (each also closed after connectTimeoutMs).
 */
const MAX_UNAUTHENTICATED_CONNECTIONS = 64;
/** Idle time before TCP keepalive probes an inbound connection. */
const INBOUND_KEEPALIVE_MS = 10_000;

/** How a TcpTransport is set up. Only `id`, `clusterId` and `members` are required. */
export interface TcpTransportOptions {
  /** This member's id. */
  readonly id: NodeId;
  /** Names the cluster: a connection from another cluster is refused even if its member id fits. */
  readonly clusterId: string;
  /** Every member's address, this one's included. Ids not listed here are refused. */
  readonly members: ReadonlyMap<NodeId, Address>;
  /** Where to listen; by default this member's address in `members`. */
  readonly listen?: Address;
  /** The cap on a received frame's body, checked before allocating (default 64 MiB); also refused on send. */
  readonly maxFrameBytes?: number;
  /** The bounds of each peer's outbound queue (default 4,096 messages and 64 MiB). */
  readonly queue?: Partial<QueueLimits>;
  /** Reconnection backoff (default 50 ms doubling to 2 s, jitter from Math.random). */
  readonly backoff?: Partial<BackoffOptions>;
  /** Time allowed for a TCP connect plus handshake, either way (default 2 s). */
  readonly connectTimeoutMs?: number;
  /** Where the transport says why it closed a connection (default: nowhere). */
  readonly logger?: Logger;
}

/** Defaults of the options above. */
export const TCP_TRANSPORT_DEFAULTS = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  queue: { maxMessages: 4096, maxBytes: 64 * 1024 * 1024 },
  backoff: { initialMs: 50, maxMs: 2000 },
  connectTimeoutMs: 2000,
} as const;

type State = 'new' | 'starting' | 'running' | 'stopped';

/**
 * The Transport over TCP (node:net). Each member listens on its address and dials every other member; a
 * connection carries messages one way, from the dialler to the listener, after a handshake in which both sides
 * name themselves and the cluster. Anything a peer sends that breaks the protocol (a stranger, the wrong cluster,
 * an unknown id, garbage bytes, an oversized or truncated frame, a message with a forged sender) closes that
 * connection with a logged reason; nothing a peer sends can throw out of the transport.
 */
export class TcpTransport implements Transport {
  private state: State = 'new';
  private server: Server | null = null;
  private readonly peers = new Map<NodeId, OutboundPeer>();
  private readonly sockets = new Set<Socket>();
  private unauthenticated = 0;
  private readonly messageHandlers = new Set<(message: Message) => void>();
  private readonly unreachableHandlers = new Set<(peer: NodeId) => void>();
  private readonly maxFrameBytes: number;
  private readonly connectTimeoutMs: number;
  private readonly logger: Logger;
  private readonly listenAddress: Address;

  constructor(private readonly options: TcpTransportOptions) {
    const own = options.members.get(options.id);
    if (own === undefined) {
      throw new TransportError('TRANSPORT_BAD_CONFIG', `member ${options.id} is not in the member list`);
    }
    this.listenAddress = options.listen ?? own;
    this.maxFrameBytes = options.maxFrameBytes ?? TCP_TRANSPORT_DEFAULTS.maxFrameBytes;
    this.connectTimeoutMs = options.connectTimeoutMs ?? TCP_TRANSPORT_DEFAULTS.connectTimeoutMs;
    this.logger = options.logger ?? silentLogger;
    const queue = { ...TCP_TRANSPORT_DEFAULTS.queue, ...options.queue };
    const backoff = { ...TCP_TRANSPORT_DEFAULTS.backoff, random: Math.random, ...options.backoff };
    try {
      new FrameDecoder(this.maxFrameBytes);
      checkAddress(this.listenAddress);
      for (const [peer, address] of options.members) {
        checkAddress(address);
        if (peer === options.id) continue;
        this.peers.set(
          peer,
          new OutboundPeer({
            self: options.id,
            peer,
            clusterId: options.clusterId,
            address,
            queue,
            backoff,
            connectTimeoutMs: this.connectTimeoutMs,
            logger: this.logger,
            onUnreachable: () => {
              this.emitUnreachable(peer);
            },
          }),
        );
      }
      encodeHello({ clusterId: options.clusterId, from: options.id, to: options.id });
    } catch (error) {
      throw new TransportError('TRANSPORT_BAD_CONFIG', `bad transport options: ${String(error)}`, {
        cause: error,
      });
    }
  }

  /** Listens, then starts dialling every peer whose address is known. */
  async start(): Promise<void> {
    if (this.state !== 'new')
      throw new TransportError('TRANSPORT_STATE', `start() on a ${this.state} transport`);
    this.state = 'starting';
    const server = createServer((socket) => {
      this.accept(socket);
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.listenAddress.port, this.listenAddress.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.state = 'stopped';
      this.server = null;
      throw new TransportError(
        'TRANSPORT_BAD_CONFIG',
        `cannot listen on ${formatAddress(this.listenAddress)}: ${String(error)}`,
        { cause: error },
      );
    }
    server.on('error', (error) => {
      this.logger.error({ err: error }, 'listener error');
    });
    // stop() may have run while listen() was pending (TypeScript cannot see that across the await).
    if (this.isStopped()) return;
    this.state = 'running';
    for (const peer of this.peers.values()) peer.start();
  }

  /** Where the transport listens (the real port when it was asked for port 0). Only once started. */
  address(): Address {
    const info = this.server?.address();
    if (info === null || info === undefined || typeof info === 'string') {
      throw new TransportError('TRANSPORT_STATE', 'the transport is not listening');
    }
    return { host: info.address, port: info.port };
  }

  /** Sets (or changes) a peer's address: the next dial goes there. */
  setPeerAddress(peer: NodeId, address: Address): void {
    const target = this.peer(peer);
    try {
      checkAddress(address);
    } catch (error) {
      throw new TransportError('TRANSPORT_BAD_CONFIG', `bad address for member ${peer}: ${String(error)}`, {
        cause: error,
      });
    }
    target.setAddress(address, this.state === 'running');
  }

  /**
   * Encodes the message and queues it for `message.to`. Throws CodecError for a message that cannot be encoded or
   * is above the frame cap, TransportError for an unknown peer. After stop(), does nothing.
   */
  send(message: Message): void {
    if (this.state === 'stopped') return;
    const peer = this.peer(message.to);
    const frame = encodeFrame(message);
    if (frame.length - 4 > this.maxFrameBytes) {
      throw new CodecError(
        'CODEC_FRAME_TOO_LARGE',
        `a ${message.type} of ${frame.length} bytes is above the frame cap of ${this.maxFrameBytes}`,
      );
    }
    peer.send(frame);
  }

  /** See Transport.onMessage. */
  onMessage(handler: (message: Message) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** See Transport.onPeerUnreachable: called on each failed dial, lost connection, and first drop per connection. */
  onPeerUnreachable(handler: (peer: NodeId) => void): () => void {
    this.unreachableHandlers.add(handler);
    return () => this.unreachableHandlers.delete(handler);
  }

  /** One peer's outbound counters. */
  stats(peer: NodeId): PeerStats {
    return this.peer(peer).stats();
  }

  /** Closes the listener, every socket and every timer. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const peer of this.peers.values()) peer.stop();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server?.listening === true) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private peer(id: NodeId): OutboundPeer {
    const peer = this.peers.get(id);
    if (peer === undefined) throw new TransportError('TRANSPORT_UNKNOWN_PEER', `no member ${id}`);
    return peer;
  }

  private accept(socket: Socket): void {
    if (this.state !== 'running' && this.state !== 'starting') {
      socket.destroy();
      return;
    }
    if (this.unauthenticated >= MAX_UNAUTHENTICATED_CONNECTIONS) {
      this.logger.warn(
        { remote: socket.remoteAddress },
        'too many connections without a handshake: refusing',
      );
      socket.destroy();
      return;
    }
    this.unauthenticated++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    // Several inbound connections from one peer may coexist (it restarted, and the old one is half-open): a new
    // handshake does not close the old, so that a stranger who knows a member id cannot cut that member off.
    // Keepalive reaps the half-open ones.
    socket.setKeepAlive(true, INBOUND_KEEPALIVE_MS);
    socket.setTimeout(this.connectTimeoutMs);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
    let peer: NodeId | null = null;
    const refuse = (reason: string, error?: unknown): void => {
      this.logger.warn({ remote, peer, err: error }, `closing inbound connection: ${reason}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        refuse(error instanceof CodecError ? error.code : 'bad frame', error);
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        if (peer === null) {
          let hello: Hello;
          try {
            hello = decodeHello(frame);
          } catch (error) {
            refuse('bad handshake', error);
            return;
          }
          const why = this.helloError(hello);
          if (why !== null) {
            refuse(why);
            return;
          }
          peer = hello.from;
          this.unauthenticated--;
          decoder.maxFrameBytes = this.maxFrameBytes;
          socket.setTimeout(0);
          socket.write(
            frameBody(encodeHello({ clusterId: this.options.clusterId, from: this.options.id, to: peer })),
          );
          continue;
        }
        let message: Message;
        try {
          message = decodeMessage(frame);
        } catch (error) {
          refuse(error instanceof CodecError ? error.code : 'bad message', error);
          return;
        }
        if (message.from !== peer || message.to !== this.options.id) {
          refuse(`a message from ${message.from} to ${message.to} on the connection of ${peer}`);
          return;
        }
        this.deliver(message);
      }
    });
    socket.on('timeout', () => {
      refuse('no handshake in time');
    });
    socket.on('error', (error) => {
      this.logger.debug({ remote, peer, err: error }, 'inbound socket error');
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (peer === null) this.unauthenticated--;
    });
  }

  private helloError(hello: Hello): string | null {
    if (hello.clusterId !== this.options.clusterId) {
      return `handshake from cluster ${JSON.stringify(hello.clusterId)}, not ${JSON.stringify(this.options.clusterId)}`;
    }
    if (hello.to !== this.options.id)
      return `handshake addressed to member ${hello.to}, not ${this.options.id}`;
    if (hello.from === this.options.id || !this.peers.has(hello.from)) {
      return `handshake from ${hello.from}, not a peer in the configuration`;
    }
    return null;
  }

  private deliver(message: Message): void {
    for (const handler of this.messageHandlers) {
      try {
        handler(message);
      } catch (error) {
        // A throwing handler is the caller's bug; it must not kill the connection or escape into the event loop.
        this.logger.error({ err: error, type: message.type, from: message.from }, 'message handler threw');
      }
    }
  }

  private emitUnreachable(peer: NodeId): void {
    for (const handler of this.unreachableHandlers) {
      try {
        handler(peer);
      } catch (error) {
        this.logger.error({ err: error, peer }, 'unreachable handler threw');
      }
    }
  }
}
