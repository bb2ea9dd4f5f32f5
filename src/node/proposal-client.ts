import { connect, type Socket } from 'node:net';
import { ByteWriter, FrameDecoder, formatAddress, type Address } from '../transport/index.js';
import { decodeProposalAnswer, MAX_ANSWER_FRAME_BYTES, writeProposeFrame } from './proposal-codec.js';
import { ProposalConnectionError, ProposalRefusedError } from './proposal-errors.js';

/** How a ProposalClient connects. */
export interface ProposalClientOptions {
  /** Time allowed for the TCP connect (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/** A proposal sent and not yet answered. */
interface Waiting {
  readonly resolve: (value: { index: number; term: number }) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A client of a member's proposal port (proposal-codec.ts): one TCP connection on which any number of proposals
 * may be outstanding at once, each answered by id. Proposals made in one turn of the event loop leave in one
 * socket write.
 *
 * `propose` resolves with the entry's `{index, term}` once the member has committed it, or rejects with a
 * ProposalRefusedError (its `reason`, and the known `leader` for `not_leader`), or with a ProposalConnectionError
 * when the connection closes first (the outcome is then unknown). The client does not retry or follow leaders:
 * that is the caller's policy.
 */
export class ProposalClient {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  /** Proposals of this turn, written together by `flush`. */
  private batch: ByteWriter | null = null;
  private failure: ProposalConnectionError | null = null;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly address: Address,
  ) {
    const decoder = new FrameDecoder(MAX_ANSWER_FRAME_BYTES);
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
        for (const frame of frames) this.answer(frame);
      } catch (error) {
        this.fail(new ProposalConnectionError(`bad answer from ${formatAddress(address)}`, { cause: error }));
      }
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.fail(new ProposalConnectionError(`connection to ${formatAddress(address)} closed`));
        resolve();
      });
    });
    socket.on('error', (error) => {
      this.fail(
        new ProposalConnectionError(`connection to ${formatAddress(address)} failed`, { cause: error }),
      );
    });
  }

  /** Connects to a member's proposal port. Rejects with a ProposalConnectionError if it cannot. */
  static connect(address: Address, options: ProposalClientOptions = {}): Promise<ProposalClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port });
      socket.setNoDelay(true);
      socket.setTimeout(options.connectTimeoutMs ?? 5_000);
      const failed = (error: Error): void => {
        socket.destroy();
        reject(
          new ProposalConnectionError(`cannot connect to ${formatAddress(address)}: ${error.message}`, {
            cause: error,
          }),
        );
      };
      const timedOut = (): void => {
        failed(new Error('connect timed out'));
      };
      socket.once('error', failed);
      socket.once('timeout', timedOut);
      socket.once('connect', () => {
        socket.off('error', failed);
        socket.off('timeout', timedOut);
        socket.setTimeout(0);
        resolve(new ProposalClient(socket, address));
      });
    });
  }

  /** Proposals sent and not yet answered. */
  get outstanding(): number {
    return this.waiting.size;
  }

  /** Proposes `command`; see the class comment for how it settles. */
  propose(command: Uint8Array): Promise<{ index: number; term: number }> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const bytes: unknown = command;
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(new TypeError('a proposal must be a Uint8Array'));
    }
    const id = this.nextId++;
    if (this.batch === null) {
      this.batch = new ByteWriter(4096);
      process.nextTick(this.flush);
    }
    writeProposeFrame(this.batch, id, command);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
    });
  }

  /** Closes the connection; proposals still outstanding reject with a ProposalConnectionError. */
  async close(): Promise<void> {
    this.flush();
    this.socket.end();
    // A member that does not close its side promptly is not waited for.
    const timer = setTimeout(() => {
      this.socket.destroy();
    }, 1_000);
    await this.closedPromise;
    clearTimeout(timer);
  }

  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = null;
    if (batch === null || this.failure !== null) return;
    this.socket.write(batch.view());
  };

  private answer(frame: Uint8Array): void {
    const answer = decodeProposalAnswer(frame);
    const waiting = this.waiting.get(answer.id);
    if (waiting === undefined) {
      throw new ProposalConnectionError(`an answer to request ${answer.id}, which is not outstanding`);
    }
    this.waiting.delete(answer.id);
    if (answer.type === 'committed') waiting.resolve({ index: answer.index, term: answer.term });
    else waiting.reject(new ProposalRefusedError(answer.reason, answer.leader));
  }

  private fail(error: ProposalConnectionError): void {
    this.failure ??= error;
    this.socket.destroy();
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
