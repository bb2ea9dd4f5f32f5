import { createHash } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { NodeId } from '../core/index.js';
import type { RangeRequest, RangeResponse, WriteOutcome, WriteRequest } from '../kv/etcd/index.js';
import {
  MemberError,
  MemberStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  routeMemberRequest,
  type Address,
  type RaftMember,
} from '../node/index.js';
import { dashboardHtml } from '../dashboard/index.js';
import { GatewayError, Unavailable } from './gateway-error.js';
import {
  deleteRangeJson,
  deleteRangeRequest,
  parseBody,
  putJson,
  putRequest,
  rangeJson,
  rangeRequest,
  txnJson,
  txnRequest,
  type HeaderBase,
} from './gateway-json.js';
import { WriteTimeoutError, type KvService } from './kv-service.js';
import { ServiceMetrics } from './metrics.js';

/** etcd's default request size limit (--max-request-bytes), 1.5 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1_572_864;

/** The exactly-once headers: a client's id and the sequence number of its request. */
export const CLIENT_ID_HEADER = 'x-raft-ts-client-id';
export const SEQ_HEADER = 'x-raft-ts-seq';
/** Set on a request a follower forwards to the leader, so that it is never forwarded twice. */
const FORWARDED_HEADER = 'x-raft-ts-forwarded';

export interface KvHttpServerOptions {
  readonly listen: Address;
  /** Every member's client address (this one's included), to forward to the leader and for GET /status. */
  readonly clientPeers: ReadonlyMap<NodeId, Address>;
  /** The cluster's name (its id in response headers is derived from it). */
  readonly clusterName: string;
  /** Bodies over this many bytes get 413 (default 1.5 MiB). */
  readonly maxBodyBytes?: number;
  /** How long a write or a read may wait for Raft before a 503 "request timed out" (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** A client must send its whole request within this (default 10 s); a slow one gets 408 and is cut off. */
  readonly bodyTimeoutMs?: number;
  /** Extra fields for GET /status (counters of the wiring, such as fsyncs). */
  readonly extraStatus?: () => Record<string, unknown>;
  readonly logger?: Logger;
}

/** What a route answers. */
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * A member's client port: the etcd v3 JSON gateway subset (`POST /v3/kv/put|range|deleterange|txn`), a plain
 * REST face (`GET/PUT/DELETE /v1/kv/{key}`), `GET /health`, `GET /status`, `GET /metrics`, and the member's own
 * `POST /propose`. Writes and linearizable reads are served by the leader; a follower forwards them to the leader's
 * client port (serializable ranges it serves itself).
 */
export class KvHttpServer {
  private requests = 0;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly maxBody: number;
  private readonly timeoutMs: number;
  private readonly clusterId: string;
  readonly metrics: ServiceMetrics;

  private constructor(
    private readonly member: RaftMember,
    private readonly service: KvService,
    private readonly options: KvHttpServerOptions,
    private server: Server | null = null,
    private bound: Address | null = null,
  ) {
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.clusterId = clusterIdOf(options.clusterName, options.clientPeers);
    this.metrics = new ServiceMetrics(() => ({
      ...member.status(),
      revision: service.revision,
      keys: service.keys,
    }));
  }

  static async start(
    member: RaftMember,
    service: KvService,
    options: KvHttpServerOptions,
  ): Promise<KvHttpServer> {
    const kv = new KvHttpServer(member, service, options);
    const bodyTimeout = options.bodyTimeoutMs ?? 10_000;
    const server = createServer(
      {
        // A client that never finishes its request is answered 408 and disconnected; the others go on.
        requestTimeout: bodyTimeout,
        headersTimeout: Math.min(bodyTimeout, 60_000),
        connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(bodyTimeout / 4))),
        keepAliveTimeout: 60_000,
      },
      (req, res) => {
        kv.handle(req, res);
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    kv.server = server;
    kv.bound = { host: options.listen.host, port: (server.address() as AddressInfo).port };
    return kv;
  }

  address(): Address {
    return this.bound as Address;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  // ---------------------------------------------------------------- routing

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const route = routeName(req.method ?? 'GET', path);
    res.once('finish', () => {
      this.metrics.requests.inc({ route, code: String(res.statusCode) });
      this.metrics.requestSeconds.observe({ route }, (performance.now() - started) / 1000);
    });
    if (route === 'propose') {
      routeMemberRequest(this.member, req, res, this.maxBody, this.timeoutMs, this.options.extraStatus);
      return;
    }
    // Counted where a client sent it: one a follower forwards would otherwise count twice in the cluster's total.
    const fromClient = req.headers[FORWARDED_HEADER] === undefined;
    if (fromClient && (route.startsWith('v3') || route.startsWith('v1'))) this.requests++;
    this.serve(req, route, url).then(
      (answer) => {
        send(res, answer);
      },
      (error: unknown) => {
        if (error instanceof BodyTooLarge) {
          send(res, {
            status: 413,
            body: new GatewayError(8, `request body over ${this.maxBody} bytes`, 413).body(),
            headers: { connection: 'close' },
          });
          return;
        }
        if (error instanceof BodyAborted) {
          res.destroy();
          return;
        }
        send(res, this.errorAnswer(error));
      },
    );
  }

  private async serve(req: IncomingMessage, route: string, url: string): Promise<Answer> {
    switch (route) {
      case 'dashboard':
        return {
          status: 200,
          body: await dashboardHtml(),
          headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        };
      case 'health':
        return this.health();
      case 'status':
        return { status: 200, body: this.status(), headers: { 'access-control-allow-origin': '*' } };
      case 'metrics':
        return {
          status: 200,
          body: await this.metrics.registry.metrics(),
          headers: { 'content-type': this.metrics.registry.contentType },
        };
      case 'v3-put':
      case 'v3-range':
      case 'v3-deleterange':
      case 'v3-txn':
        return this.v3(req, route);
      case 'v1-kv':
        return this.v1(req, url);
      case 'not-allowed':
        await readBody(req, this.maxBody);
        return {
          status: 405,
          body: GatewayError.badRequest(`method ${req.method ?? ''} not allowed`).body(),
        };
      default:
        return { status: 404, body: { error: 'not found', message: `no route ${url}`, code: 5 } };
    }
  }

  private health(): Answer {
    const s = this.member.status();
    if (s.stopped !== null)
      return { status: 503, body: { health: 'false', reason: `stopped: ${s.stopped}` } };
    if (s.leader === null) return { status: 503, body: { health: 'false', reason: 'no leader' } };
    return { status: 200, body: { health: 'true', reason: '' } };
  }

  /** GET /status: the member's state, the store's revision, and where every member serves clients. */
  status(): Record<string, unknown> {
    return {
      ...this.member.status(),
      ...this.options.extraStatus?.(),
      revision: this.service.revision,
      keys: this.service.keys,
      requests: this.requests,
      members: [...this.options.clientPeers].map(([id, a]) => ({ id, client: `http://${hostPort(a)}` })),
    };
  }

  // ---------------------------------------------------------------- etcd's gateway

  private async v3(req: IncomingMessage, route: string): Promise<Answer> {
    const body = await readBody(req, this.maxBody);
    const json = parseBody(body);
    const session = sessionOf(req);
    switch (route) {
      case 'v3-range': {
        const request = rangeRequest(json);
        return this.range(req, body, request, (r) => ({ status: 200, body: rangeJson(this.base(req), r) }));
      }
      case 'v3-put':
        return this.write(req, body, { type: 'put', request: putRequest(json) }, session);
      case 'v3-deleterange':
        return this.write(req, body, { type: 'deleteRange', request: deleteRangeRequest(json) }, session);
      default:
        return this.write(req, body, { type: 'txn', request: txnRequest(json) }, session);
    }
  }

  /** A write: on the leader, proposed and answered once applied; elsewhere, forwarded to the leader. */
  private async write(
    req: IncomingMessage,
    body: Uint8Array,
    write: WriteRequest,
    session: { clientId: string; seq: number } | null,
    answer: (outcome: WriteOutcome) => Answer = (o) => this.writeAnswer(o, req),
  ): Promise<Answer> {
    if (this.member.status().role !== 'leader') return this.forward(req, body);
    let outcome: WriteOutcome;
    try {
      outcome = await this.service.write(write, session, this.timeoutMs);
    } catch (error) {
      this.metrics.proposals.inc({ result: error instanceof WriteTimeoutError ? 'timeout' : 'failed' });
      if (error instanceof NotLeaderError) return this.forward(req, body);
      throw error;
    }
    this.metrics.proposals.inc({ result: 'applied' });
    return answer(outcome);
  }

  private writeAnswer(outcome: WriteOutcome, req: IncomingMessage): Answer {
    if (!outcome.ok) throw GatewayError.of(outcome.error);
    const r = outcome.response;
    const base = this.base(req);
    const json =
      r.type === 'put'
        ? putJson(base, r.response)
        : r.type === 'deleteRange'
          ? deleteRangeJson(base, r.response)
          : txnJson(base, r.response);
    return { status: 200, body: json };
  }

  /** A range: serializable ones read here; linearizable ones by ReadIndex on the leader (forwarded to it). */
  private async range(
    req: IncomingMessage,
    body: Uint8Array,
    request: RangeRequest,
    answer: (r: RangeResponse) => Answer,
  ): Promise<Answer> {
    let result;
    if (request.serializable) {
      result = this.service.localRange(request);
    } else {
      if (this.member.status().role !== 'leader') return this.forward(req, body);
      try {
        result = await this.service.linearizableRange(request, this.timeoutMs);
      } catch (error) {
        if (error instanceof NotLeaderError) return this.forward(req, body);
        throw error;
      }
    }
    if (!result.ok) throw GatewayError.of(result.error);
    return answer(result.response);
  }

  // ---------------------------------------------------------------- plain REST

  private async v1(req: IncomingMessage, url: string): Promise<Answer> {
    const [path, query = ''] = url.split('?') as [string, string?];
    let keyText: string;
    try {
      keyText = decodeURIComponent(path.slice('/v1/kv/'.length));
    } catch {
      throw GatewayError.badRequest('the key in the path is not valid percent-encoding');
    }
    const key = new Uint8Array(Buffer.from(keyText, 'utf8'));
    if (key.length === 0) throw GatewayError.badRequest('etcdserver: key is not provided');
    const body = await readBody(req, this.maxBody);
    const session = sessionOf(req);
    if (req.method === 'GET') {
      const serializable = new URLSearchParams(query).get('serializable') === 'true';
      const request: RangeRequest = {
        key,
        rangeEnd: new Uint8Array(0),
        limit: 0,
        revision: 0,
        keysOnly: false,
        countOnly: false,
        serializable,
      };
      return this.range(req, body, request, (r) => {
        const kv = r.kvs[0];
        if (kv === undefined) {
          return {
            status: 404,
            body: { error: 'key not found', message: `key not found: ${keyText}`, code: 5 },
          };
        }
        return {
          status: 200,
          body: kv.value,
          headers: {
            'content-type': 'application/octet-stream',
            'x-raft-ts-revision': String(r.revision),
            'x-raft-ts-create-revision': String(kv.createRevision),
            'x-raft-ts-mod-revision': String(kv.modRevision),
            'x-raft-ts-version': String(kv.version),
          },
        };
      });
    }
    if (req.method === 'PUT') {
      return this.write(
        req,
        body,
        { type: 'put', request: { key, value: body, prevKv: false, ignoreValue: false } },
        session,
      );
    }
    return this.write(
      req,
      body,
      { type: 'deleteRange', request: { key, rangeEnd: new Uint8Array(0), prevKv: false } },
      session,
    );
  }

  // ---------------------------------------------------------------- forwarding and errors

  /** Sends the request on to the leader's client port and relays its answer; 503 if there is no leader to ask. */
  private forward(req: IncomingMessage, body: Uint8Array): Promise<Answer> {
    const leader = this.member.status().leader;
    const target =
      leader === null || leader === this.member.status().id
        ? undefined
        : this.options.clientPeers.get(leader);
    if (req.headers[FORWARDED_HEADER] !== undefined || target === undefined) {
      return Promise.reject(Unavailable.noLeader());
    }
    const headers: Record<string, string> = {
      'content-type': req.headers['content-type'] ?? 'application/json',
      'content-length': String(body.length),
      [FORWARDED_HEADER]: String(this.member.status().id),
    };
    for (const name of [CLIENT_ID_HEADER, SEQ_HEADER]) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: target.host,
          port: target.port,
          method: req.method ?? 'POST',
          path: req.url ?? '/',
          headers,
          agent: this.agent,
          timeout: this.timeoutMs * 2,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const relayed: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === 'string' && (name === 'content-type' || name.startsWith('x-raft-ts-'))) {
                relayed[name] = value;
              }
            }
            resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks), headers: relayed });
          });
          res.on('error', () => {
            reject(Unavailable.leaderChanged());
          });
        },
      );
      out.on('timeout', () => out.destroy());
      // The leader is unreachable (it may have just died): the client retries, perhaps elsewhere.
      out.on('error', () => {
        reject(Unavailable.noLeader());
      });
      out.end(body);
    });
  }

  private errorAnswer(error: unknown): Answer {
    const gateway = toGatewayError(error);
    if (gateway !== null) return { status: gateway.httpStatus, body: gateway.body() };
    this.options.logger?.error({ err: error }, 'request failed');
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: { error: message, message, code: 13 } };
  }

  /**
   * The response header's fields. member_id names the member the client asked, as in etcd, where every member
   * answers its own clients: for a request a follower forwarded here, that follower.
   */
  private base(req: IncomingMessage): HeaderBase {
    const s = this.member.status();
    const forwardedBy = Number(req.headers[FORWARDED_HEADER]);
    const asked = this.options.clientPeers.has(forwardedBy) ? forwardedBy : s.id;
    return { clusterId: this.clusterId, memberId: String(asked), raftTerm: s.term };
  }
}

/** The errors of the member and the service, as etcd's gateway would answer them. */
function toGatewayError(error: unknown): GatewayError | null {
  if (error instanceof GatewayError) return error;
  if (error instanceof WriteTimeoutError) return Unavailable.timedOut();
  if (error instanceof ProposalDroppedError) {
    return error.reason === 'transferring' ? Unavailable.leaderChanged() : Unavailable.tooManyRequests();
  }
  if (error instanceof MemberStoppedError) return Unavailable.stopped();
  if (error instanceof MemberError) {
    switch (error.code) {
      case 'MEMBER_PROPOSAL_LOST':
      case 'MEMBER_READ_LOST':
        return Unavailable.leaderChanged();
      case 'MEMBER_READ_TIMEOUT':
      case 'MEMBER_PROPOSAL_UNKNOWN':
        return Unavailable.timedOut();
      case 'MEMBER_NOT_LEADER':
        return Unavailable.noLeader();
      default:
        return null;
    }
  }
  return null;
}

function routeName(method: string, path: string): string {
  const post = method === 'POST';
  if (path === '/') return method === 'GET' ? 'dashboard' : 'not-allowed';
  if (path === '/health') return method === 'GET' ? 'health' : 'not-allowed';
  if (path === '/status') return method === 'GET' ? 'status' : 'not-allowed';
  if (path === '/metrics') return method === 'GET' ? 'metrics' : 'not-allowed';
  if (path === '/propose') return 'propose';
  if (path === '/v3/kv/put') return post ? 'v3-put' : 'not-allowed';
  if (path === '/v3/kv/range') return post ? 'v3-range' : 'not-allowed';
  if (path === '/v3/kv/deleterange') return post ? 'v3-deleterange' : 'not-allowed';
  if (path === '/v3/kv/txn') return post ? 'v3-txn' : 'not-allowed';
  if (path.startsWith('/v1/kv/')) {
    return method === 'GET' || method === 'PUT' || method === 'DELETE' ? 'v1-kv' : 'not-allowed';
  }
  return 'unknown';
}

/** The exactly-once session of a request: both headers, or neither. */
function sessionOf(req: IncomingMessage): { clientId: string; seq: number } | null {
  const clientId = req.headers[CLIENT_ID_HEADER];
  const seqText = req.headers[SEQ_HEADER];
  if (clientId === undefined && seqText === undefined) return null;
  if (typeof clientId !== 'string' || typeof seqText !== 'string') {
    throw GatewayError.badRequest(`send both ${CLIENT_ID_HEADER} and ${SEQ_HEADER}, or neither`);
  }
  if (!/^[\x21-\x7e]{1,128}$/.test(clientId)) {
    throw GatewayError.badRequest(`${CLIENT_ID_HEADER} must be 1-128 printable ASCII characters`);
  }
  const seq = Number(seqText);
  if (!/^\d+$/.test(seqText) || !Number.isSafeInteger(seq) || seq < 1) {
    throw GatewayError.badRequest(`${SEQ_HEADER} must be a positive integer`);
  }
  return { clientId, seq };
}

class BodyTooLarge extends Error {}
class BodyAborted extends Error {}

/** Reads the whole body; past `max` bytes it rejects at once with BodyTooLarge (and discards the rest). */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('aborted', () => {
      reject(new BodyAborted());
    });
    req.on('error', () => {
      reject(new BodyAborted());
    });
  });
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  const { body } = answer;
  const isBytes = body instanceof Uint8Array;
  const payload = isBytes ? body : typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = isBytes
    ? 'application/octet-stream'
    : typeof body === 'string'
      ? 'text/plain; charset=utf-8'
      : 'application/json';
  res.writeHead(answer.status, {
    'content-type': contentType,
    'content-length': String(isBytes ? body.length : Buffer.byteLength(payload)),
    ...answer.headers,
  });
  res.end(payload);
}

function hostPort(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** A 64-bit cluster id for response headers, from the cluster name and its members' client addresses. */
function clusterIdOf(name: string, peers: ReadonlyMap<NodeId, Address>): string {
  const canonical = [...peers]
    .sort(([a], [b]) => a - b)
    .map(([id, a]) => `${id}=${hostPort(a)}`)
    .join(',');
  const digest = createHash('sha256').update(`${name}/${canonical}`).digest();
  return digest.readBigUInt64BE(0).toString();
}
