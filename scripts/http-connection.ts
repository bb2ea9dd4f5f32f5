// One keep-alive HTTP/1.1 connection that carries one request at a time, for the load generators. node:http's
// client costs tens of microseconds of CPU per request (request and response objects, header maps, streams); on
// this 2-core machine the load generator shares the CPU with the servers it measures, so a heavy client takes
// from them what they would serve. This one writes each request as one prepared string and reads the answer with
// a small parser (status line, Content-Length or chunked body), like wrk does.
import { connect, type Socket } from 'node:net';

/** An HTTP answer: its status and its body as text. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** A request that got no complete answer in time, or a connection that failed. */
export class HttpConnectionError extends Error {
  override readonly name = 'HttpConnectionError';
}

export class HttpConnection {
  private socket: Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: {
    resolve: (answer: HttpAnswer) => void;
    reject: (error: Error) => void;
    timer: NodeJS.Timeout;
  } | null = null;

  constructor(
    private readonly url: URL,
    private readonly timeoutMs = 10_000,
  ) {}

  /** POSTs `body` (JSON) to `path`, over the open connection or a new one. */
  post(path: string, body: string): Promise<HttpAnswer> {
    if (this.pending !== null) return Promise.reject(new HttpConnectionError('a request is in flight'));
    const socket = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new HttpConnectionError(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending = { resolve, reject, timer };
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port || 80) });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('error', (error) => {
      this.fail(new HttpConnectionError(error.message));
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.fail(new HttpConnectionError('connection closed'));
    });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    return socket;
  }

  /** Settles the request in flight once its whole answer is in the buffer. */
  private parse(): void {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0 || this.pending === null) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    let body: string;
    let consumed: number;
    if (length !== null) {
      consumed = headEnd + 4 + Number(length[1]);
      if (this.buffer.length < consumed) return;
      body = this.buffer.toString('utf8', headEnd + 4, consumed);
    } else if (lower.includes('\r\ntransfer-encoding: chunked')) {
      const parts: Buffer[] = [];
      let at = headEnd + 4;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        if (Number.isNaN(size)) {
          this.fail(new HttpConnectionError('malformed chunked body'));
          return;
        }
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          consumed = lineEnd + 4;
          break;
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
    } else {
      this.fail(new HttpConnectionError('an answer without Content-Length or chunked encoding'));
      return;
    }
    this.buffer = this.buffer.subarray(consumed);
    const { resolve, timer } = this.pending;
    clearTimeout(timer);
    this.pending = null;
    resolve({ status, body });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    clearTimeout(pending.timer);
    this.close();
    pending.reject(error);
  }
}
