import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProposalDroppedError } from '../core/index.js';
import type { Address } from '../transport/index.js';
import { MemberError, NotLeaderError } from './errors.js';
import type { RaftMember } from './raft-member.js';

/** How the client port is set up. */
export interface ClientServerOptions {
  /** Where to listen (port 0 picks a free one; `address()` says which). */
  readonly listen: Address;
  /** The largest proposal body accepted (default 1 MiB); larger gets 413. */
  readonly maxBodyBytes?: number;
  /** How long a proposal may wait for its commit before the answer is 504, outcome unknown (default 10 s). */
  readonly proposeTimeoutMs?: number;
  /** Extra fields for GET /status (counters of the wiring, such as fsyncs). */
  readonly extraStatus?: () => Record<string, unknown>;
}

/**
 * A member's minimal client port over HTTP/1.1, for tests, `raft-ts status` and benchmarks (the key/value API is
 * built elsewhere):
 *
 * - `POST /propose`: the raw body is the command. 200 `{index, term}` once committed; 421 `{error: "not_leader",
 *   leader}` on a follower (leader is null during an election); 503 `{error, retry}` when refused (`dropped`:
 *   retry later; `lost`: replaced by another leader, safe to retry; `stopped`: outcome unknown); 504 when the
 *   commit did not come in time (outcome unknown).
 * - `GET /status`: the member's status as JSON.
 */
export class ClientServer {
  private constructor(
    private readonly server: Server,
    private readonly bound: Address,
  ) {}

  /** Listens on `options.listen` and serves `member`. */
  static async start(member: RaftMember, options: ClientServerOptions): Promise<ClientServer> {
    const maxBody = options.maxBodyBytes ?? 1024 * 1024;
    const timeoutMs = options.proposeTimeoutMs ?? 10_000;
    const server = createServer((req, res) => {
      routeMemberRequest(member, req, res, maxBody, timeoutMs, options.extraStatus);
    });
    // Benchmarks keep many connections busy; the defaults would close idle keep-alive sockets under them.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const info = server.address() as AddressInfo;
    return new ClientServer(server, { host: options.listen.host, port: info.port });
  }

  /** Where the port listens. */
  address(): Address {
    return this.bound;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * Serves one request of the minimal client port (`POST /propose`, `GET /status`, else 404): for servers that
 * extend the port with more routes.
 */
export function routeMemberRequest(
  member: RaftMember,
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
  timeoutMs: number,
  extraStatus: (() => Record<string, unknown>) | undefined,
): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/status' && req.method === 'GET') {
    reply(res, 200, { ...member.status(), ...extraStatus?.() });
    return;
  }
  if (path === '/propose' && req.method === 'POST') {
    readBody(req, maxBody).then(
      (body) => {
        if (body === null) {
          reply(res, 413, { error: 'too_large', maxBytes: maxBody });
          return;
        }
        propose(member, body, timeoutMs).then(
          (result) => {
            reply(res, 200, result);
          },
          (error: unknown) => {
            replyError(res, error);
          },
        );
      },
      () => {
        res.destroy();
      },
    );
    return;
  }
  reply(res, 404, { error: 'not_found', routes: ['POST /propose', 'GET /status'] });
}

/** A proposal that gives up waiting after `timeoutMs` (the entry may still commit later). */
async function propose(
  member: RaftMember,
  body: Uint8Array,
  timeoutMs: number,
): Promise<{ index: number; term: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError());
    }, timeoutMs);
  });
  try {
    return await Promise.race([member.propose(body), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class TimeoutError extends Error {
  readonly code = 'CLIENT_TIMEOUT';
}

function replyError(res: ServerResponse, error: unknown): void {
  if (error instanceof NotLeaderError) {
    reply(res, 421, { error: 'not_leader', leader: error.leaderId });
  } else if (error instanceof ProposalDroppedError) {
    reply(res, 503, { error: 'dropped', reason: error.reason, retry: true });
  } else if (error instanceof TimeoutError) {
    reply(res, 504, { error: 'timeout', retry: false });
  } else if (error instanceof MemberError && error.code === 'MEMBER_PROPOSAL_LOST') {
    reply(res, 503, { error: 'lost', retry: true });
  } else if (error instanceof MemberError && error.code === 'MEMBER_BAD_COMMAND') {
    reply(res, 400, { error: 'bad_command', message: error.message });
  } else {
    const message = error instanceof Error ? error.message : String(error);
    reply(res, 503, { error: 'stopped', message, retry: false });
  }
}

/** Reads the whole body, or resolves null once it passes `max` bytes (the rest is not buffered). */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(tooLarge ? null : new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
