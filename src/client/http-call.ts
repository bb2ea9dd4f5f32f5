import { Agent, request } from 'node:http';

/** An HTTP answer: status and parsed JSON body (null when the body is not JSON). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** Why an HTTP call failed before any answer. */
export type HttpFailure =
  /** Nothing was sent: the connection was refused or the name did not resolve. */
  | { readonly kind: 'refused'; readonly detail: string }
  /** The connection failed after the request may have left (reset, hang-up): the outcome is unknown. */
  | { readonly kind: 'broken'; readonly detail: string }
  /** No complete answer within the timeout. */
  | { readonly kind: 'timeout'; readonly detail: string };

export class HttpCallError extends Error {
  constructor(readonly failure: HttpFailure) {
    super(`${failure.kind}: ${failure.detail}`);
  }
}

/** Errors that mean the request never reached a server. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/** Keep-alive connections, so that a steady stream of requests does not pay a TCP handshake each. */
export function keepAliveAgent(maxSockets = Infinity): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/**
 * One HTTP request with a JSON or raw body, through `agent`, that gives up after `timeoutMs` (the request is
 * aborted and its socket destroyed). Resolves with any HTTP status; rejects with HttpCallError otherwise.
 */
export function httpCall(
  agent: Agent,
  url: URL,
  method: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (failure: HttpFailure): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      reject(new HttpCallError(failure));
    };
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          fail({ kind: 'broken', detail: error.message });
        });
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: parseJson(text), text });
        });
      },
    );
    const timer = setTimeout(() => {
      fail({ kind: 'timeout', detail: `no answer from ${url.origin} within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      fail({ kind: NOT_SENT.has(code) ? 'refused' : 'broken', detail: `${url.origin}: ${code}` });
    });
    req.end(body);
  });
}

/** The JSON value of a body, or null when it is empty or not JSON. */
function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
