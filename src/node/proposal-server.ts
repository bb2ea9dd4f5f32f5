import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { ProposalDroppedError } from '../core/index.js';
import {
  ByteWriter,
  CodecError,
  FrameDecoder,
  silentLogger,
  type Address,
  type Logger,
} from '../transport/index.js';
import {
  MemberStoppedError,
  NotLeaderError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
} from './errors.js';
import {
  decodeProposeRequest,
  proposeFrameBytes,
  writeAnswerFrame,
  type ProposalAnswer,
  type RefusalReason,
} from './proposal-codec.js';
import type { RaftMember } from './raft-member.js';
import { CommandSlab } from './command-slab.js';

/** How the proposal port is set up. Only `listen` is required. */
export interface ProposalServerOptions {
  /** Where to listen (port 0 picks a free one; `address()` says which). */
  readonly listen: Address;
  /** The largest command accepted (default 1 MiB); a larger frame closes its connection. */
  readonly maxCommandBytes?: number;
  /** How long a proposal may wait for its commit before it is answered `timeout` (default 10 s). */
  readonly proposeTimeoutMs?: number;
  /** Proposals outstanding on one connection, at most (default 4,096); beyond it they are answered `dropped`. */
  readonly maxOutstandingPerConnection?: number;
  /** Open connections, at most (default 1,024); more are closed at once. */
  readonly maxConnections?: number;
  /** Where the server says why it closed a connection (default: nowhere). */
  readonly logger?: Logger;
}

/** Defaults of the options above. */
export const PROPOSAL_SERVER_DEFAULTS = {
  maxCommandBytes: 1024 * 1024,
  proposeTimeoutMs: 10_000,
  maxOutstandingPerConnection: 4096,
  maxConnections: 1024,
} as const;

/** A proposal waiting for its answer; `deadline` orders the timeout sweep. */
interface Outstanding {
  readonly connection: Connection;
  readonly id: number;
  readonly deadline: number;
  settled: boolean;
}

/**
 * A member's proposal port: the binary client protocol of proposal-codec.ts over TCP. A client keeps a
 * connection open and pipelines proposals on it; each is handed to `member.propose` as it arrives and answered
 * when it commits (or is refused), in whatever order that happens.
 *
 * Answers settled in one turn of the event loop leave in one socket write. A malformed frame (an unknown tag, a
 * bad varint, an oversized length prefix, trailing bytes) closes that connection with a logged reason; it never
 * reaches the member, and nothing a client sends can throw out of the server. Proposals already handed to the
 * member from a closed connection still run their course (their answers are discarded).
 */
export class ProposalServer {
  private readonly connections = new Set<Connection>();
  /** Outstanding proposals in the order they arrived, which (with one timeout for all) is deadline order. */
  private deadlines: Outstanding[] = [];
  private deadlinesHead = 0;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly bound: Address,
    readonly member: RaftMember,
    readonly settings: Required<Omit<ProposalServerOptions, 'listen' | 'logger'>>,
    readonly logger: Logger,
  ) {
    // One sweep for every proposal's timeout, rather than a timer each: tens of thousands of proposals a second
    // would otherwise create and clear as many timers. A timeout is late by at most the sweep's period.
    const period = Math.max(1, Math.min(100, Math.floor(settings.proposeTimeoutMs / 10)));
    this.sweeper = setInterval(() => {
      this.sweep();
    }, period);
  }

  /** Listens on `options.listen` and serves `member`. */
  static async start(member: RaftMember, options: ProposalServerOptions): Promise<ProposalServer> {
    const settings = {
      maxCommandBytes: options.maxCommandBytes ?? PROPOSAL_SERVER_DEFAULTS.maxCommandBytes,
      proposeTimeoutMs: options.proposeTimeoutMs ?? PROPOSAL_SERVER_DEFAULTS.proposeTimeoutMs,
      maxOutstandingPerConnection:
        options.maxOutstandingPerConnection ?? PROPOSAL_SERVER_DEFAULTS.maxOutstandingPerConnection,
      maxConnections: options.maxConnections ?? PROPOSAL_SERVER_DEFAULTS.maxConnections,
    };
    for (const [name, value] of Object.entries(settings)) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
      }
    }
    const logger = options.logger ?? silentLogger;
    let self: ProposalServer | null = null;
    const server = createServer((socket) => {
      if (self === null) socket.destroy();
      else self.accept(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => {
      logger.error({ err: error }, 'proposal port listener error');
    });
    const info = server.address() as AddressInfo;
    self = new ProposalServer(
      server,
      { host: options.listen.host, port: info.port },
      member,
      settings,
      logger,
    );
    return self;
  }

  /** Where the port listens. */
  address(): Address {
    return this.bound;
  }

  /** Stops listening and closes every connection (proposals in flight still run their course in the member). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  /** Remembers a proposal for the timeout sweep. */
  track(outstanding: Outstanding): void {
    this.deadlines.push(outstanding);
  }

  private accept(socket: Socket): void {
    if (this.closed || this.connections.size >= this.settings.maxConnections) {
      this.logger.warn({ remote: socket.remoteAddress }, 'proposal port: too many connections, refusing');
      socket.destroy();
      return;
    }
    const connection = new Connection(this, socket);
    this.connections.add(connection);
    socket.on('close', () => {
      this.connections.delete(connection);
    });
  }

  /** Answers `timeout` to every proposal past its deadline, and forgets the settled ones at the front. */
  private sweep(): void {
    const now = performance.now();
    const queue = this.deadlines;
    let head = this.deadlinesHead;
    while (head < queue.length) {
      const o = queue[head] as Outstanding;
      if (!o.settled) {
        if (o.deadline > now) break;
        o.connection.settle(o, { type: 'refused', id: o.id, reason: 'timeout', leader: null });
      }
      head++;
    }
    if (head === queue.length) {
      this.deadlines = [];
      this.deadlinesHead = 0;
    } else if (head >= 1024 && head * 2 >= queue.length) {
      this.deadlines = queue.slice(head);
      this.deadlinesHead = 0;
    } else {
      this.deadlinesHead = head;
    }
  }
}

/** One client connection: decodes its requests, hands them to the member, batches its answers. */
class Connection {
  private readonly decoder: FrameDecoder;
  private readonly remote: string;
  private readonly commands = new CommandSlab();
  private outstanding = 0;
  /** Answers of this turn of the event loop, written together by `flush`. */
  private answers: ByteWriter | null = null;
  private open = true;

  constructor(
    private readonly server: ProposalServer,
    readonly socket: Socket,
  ) {
    // The cap is checked on the 4-byte length prefix, before any byte of a body is buffered.
    this.decoder = new FrameDecoder(proposeFrameBytes(server.settings.maxCommandBytes));
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    socket.on('error', (error) => {
      server.logger.debug({ remote: this.remote, err: error }, 'proposal connection error');
    });
    socket.on('close', () => {
      this.open = false;
    });
  }

  /** Answers a proposal, once: later answers (a timeout racing the commit) are ignored. */
  settle(o: Outstanding, answer: ProposalAnswer): void {
    if (o.settled) return;
    o.settled = true;
    this.outstanding--;
    this.send(answer);
  }

  private receive(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.refuse(error);
      return;
    }
    for (const frame of frames) {
      if (!this.open) return;
      let request;
      try {
        request = decodeProposeRequest(frame, this.commands.allocate);
      } catch (error) {
        this.refuse(error);
        return;
      }
      this.propose(request.id, request.command);
    }
  }

  private propose(id: number, command: Uint8Array): void {
    const { member, settings } = this.server;
    if (this.outstanding >= settings.maxOutstandingPerConnection) {
      this.send({ type: 'refused', id, reason: 'dropped', leader: null });
      return;
    }
    this.outstanding++;
    const o: Outstanding = {
      connection: this,
      id,
      deadline: performance.now() + settings.proposeTimeoutMs,
      settled: false,
    };
    this.server.track(o);
    member.propose(command).then(
      ({ index, term }) => {
        this.settle(o, { type: 'committed', id, index, term });
      },
      (error: unknown) => {
        const refusal = refusalOf(error);
        this.settle(o, { type: 'refused', id, reason: refusal.reason, leader: refusal.leader });
      },
    );
  }

  private send(answer: ProposalAnswer): void {
    if (!this.open) return;
    if (this.answers === null) {
      this.answers = new ByteWriter(1024);
      // After the promise callbacks of this turn: every answer settled by one Ready leaves in one write.
      process.nextTick(this.flush);
    }
    writeAnswerFrame(this.answers, answer);
  }

  private readonly flush = (): void => {
    const answers = this.answers;
    this.answers = null;
    if (answers === null || !this.open) return;
    if (!this.socket.write(answers.view()) && !this.socket.isPaused()) {
      // A client that does not read its answers: read no more of its requests until it does, so that its
      // answers cannot pile up in this process without bound.
      this.socket.pause();
      this.socket.once('drain', () => {
        this.socket.resume();
      });
    }
  };

  /** A malformed frame: the stream cannot be trusted any further, so the connection closes. */
  private refuse(error: unknown): void {
    const reason = error instanceof CodecError ? error.code : 'bad frame';
    this.server.logger.warn({ remote: this.remote, err: error }, `closing proposal connection: ${reason}`);
    this.open = false;
    this.socket.destroy();
  }
}

/** The protocol's reason for a rejection of `member.propose`. */
function refusalOf(error: unknown): { reason: RefusalReason; leader: number | null } {
  if (error instanceof NotLeaderError) return { reason: 'not_leader', leader: error.leaderId };
  if (error instanceof ProposalDroppedError) return { reason: 'dropped', leader: null };
  if (error instanceof ProposalLostError) return { reason: 'lost', leader: null };
  if (error instanceof ProposalOutcomeUnknownError) return { reason: 'unknown', leader: null };
  if (error instanceof MemberStoppedError) return { reason: 'stopped', leader: null };
  // Anything else (a bug): the member did not take it, or failed; say stopped, outcome unknown.
  return { reason: 'stopped', leader: null };
}
