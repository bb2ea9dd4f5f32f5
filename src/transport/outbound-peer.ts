import { connect, type Socket } from 'node:net';
import type { NodeId } from '../core/index.js';
import { formatAddress, type Address } from './address.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { FrameDecoder, frameBody } from './frame.js';
import { decodeHello, encodeHello } from './handshake.js';
import type { Logger } from './logger.js';
import { PeerQueue, type QueueLimits } from './peer-queue.js';

/** A handshake reply is a few dozen bytes: the dialled side may send nothing bigger. */
const MAX_HANDSHAKE_FRAME_BYTES = 1024;

/** What an OutboundPeer is told by its transport. */
export interface OutboundPeerOptions {
  readonly self: NodeId;
  readonly peer: NodeId;
  readonly clusterId: string;
  readonly address: Address;
  readonly queue: QueueLimits;
  readonly backoff: BackoffOptions;
  /** Time allowed for the TCP connect and the handshake reply, in ms. */
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  /** Messages to the peer were or may have been lost. */
  readonly onUnreachable: () => void;
}

/** Counters and state of one outbound connection, for status pages and tests. */
export interface PeerStats {
  readonly connected: boolean;
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  /** Frames dropped because the queue was full. */
  readonly dropped: number;
  /** Frames handed to the socket. */
  readonly sent: number;
  /** Connections established (handshake completed), over the transport's life. */
  readonly connections: number;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/**
 * The one connection a member keeps to a peer, for messages it sends there (the peer's own messages come back
 * over the connection the peer dials). Dials, handshakes, and writes queued frames in batches; on failure it
 * reports the peer unreachable and redials after a jittered exponential backoff. Messages wait in a bounded
 * queue meanwhile (see PeerQueue for the drop policy).
 */
export class OutboundPeer {
  private state: State = 'idle';
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: PeerQueue;
  private readonly backoff: Backoff;
  private address: Address;
  private flushScheduled = false;
  /** False while the socket's buffer is full: wait for 'drain' (frames keep waiting in the bounded queue). */
  private writable = true;
  /** A full queue reports the peer unreachable once per connection, not once per dropped frame. */
  private dropReported = false;
  private sent = 0;
  private connections = 0;

  constructor(private readonly options: OutboundPeerOptions) {
    this.queue = new PeerQueue(options.queue);
    this.backoff = new Backoff(options.backoff);
    this.address = options.address;
  }

  /** Starts dialling, if the peer's address is known. */
  start(): void {
    if (this.state === 'idle' && this.address.port !== 0) this.dial();
  }

  /** The peer's address changed (or became known): the next dial uses it. */
  setAddress(address: Address, started: boolean): void {
    this.address = address;
    if (started && this.state === 'idle') this.dial();
  }

  /** Queues a frame and schedules a flush. */
  send(frame: Uint8Array): void {
    if (this.state === 'stopped') return;
    if (this.queue.push(frame) > 0 && !this.dropReported) {
      this.dropReported = true;
      this.options.logger.warn(
        { peer: this.options.peer, dropped: this.queue.dropped },
        'outbound queue full: dropping the oldest messages',
      );
      this.options.onUnreachable();
    }
    this.scheduleFlush();
  }

  /** This peer's counters. */
  stats(): PeerStats {
    return {
      connected: this.state === 'open',
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.byteLength,
      dropped: this.queue.dropped,
      sent: this.sent,
      connections: this.connections,
    };
  }

  /** Closes the socket and the retry timer for good; queued frames are dropped. */
  stop(): void {
    this.state = 'stopped';
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue.clear();
  }

  private dial(): void {
    const { self, peer, clusterId, logger } = this.options;
    this.state = 'connecting';
    this.writable = true;
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.options.connectTimeoutMs);
    const decoder = new FrameDecoder(MAX_HANDSHAKE_FRAME_BYTES);
    let failure = 'connection closed';
    const fail = (reason: string, error?: unknown): void => {
      failure = reason;
      logger.warn({ peer, address: formatAddress(this.address), err: error }, reason);
      socket.destroy();
    };
    socket.on('connect', () => {
      socket.write(frameBody(encodeHello({ clusterId, from: self, to: peer })));
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.state !== 'connecting') {
        fail('peer sent data after the handshake');
        return;
      }
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        fail('bad handshake reply', error);
        return;
      }
      const [first, ...rest] = frames;
      if (first === undefined) return;
      try {
        const hello = decodeHello(first);
        if (hello.clusterId !== clusterId || hello.from !== peer || hello.to !== self || rest.length > 0) {
          fail(
            `handshake reply from ${hello.from} in cluster ${JSON.stringify(hello.clusterId)} ` +
              `for ${hello.to} is not from peer ${peer} in this cluster`,
          );
          return;
        }
      } catch (error) {
        fail('bad handshake reply', error);
        return;
      }
      this.state = 'open';
      this.connections++;
      this.dropReported = false;
      socket.setTimeout(0);
      this.backoff.reset();
      logger.debug({ peer, address: formatAddress(this.address) }, 'connected');
      this.scheduleFlush();
    });
    socket.on('drain', () => {
      this.writable = true;
      this.scheduleFlush();
    });
    socket.on('timeout', () => {
      fail(this.state === 'open' ? 'socket timeout' : 'connect or handshake timed out');
    });
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.state === 'stopped') return;
      const wasOpen = this.state === 'open';
      this.state = 'waiting';
      const delay = this.backoff.next();
      logger[wasOpen ? 'info' : 'debug'](
        { peer, address: formatAddress(this.address), reason: failure, retryInMs: delay },
        wasOpen ? 'connection lost' : 'connect failed',
      );
      this.options.onUnreachable();
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.state === 'waiting') this.dial();
      }, delay);
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.state !== 'open' || !this.writable) return;
    this.flushScheduled = true;
    // Everything sent in this tick (a Ready's worth of messages) leaves in one batch: one writev, not one
    // syscall per frame.
    process.nextTick(() => {
      this.flush();
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (this.state !== 'open' || socket === null || !this.writable) return;
    socket.cork();
    for (let frame = this.queue.shift(); frame !== undefined; frame = this.queue.shift()) {
      this.sent++;
      if (!socket.write(frame)) {
        this.writable = false;
        break;
      }
    }
    socket.uncork();
  }
}
