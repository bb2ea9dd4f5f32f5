// KvClient against scripted HTTP servers on 127.0.0.1: which endpoint it picks, what it retries and with which
// exactly-once headers, and which typed error it throws. (test/runtime/kv-client.test.ts runs it against a cluster.)
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { KvClosedError, KvRequestError, KvTimeoutError, KvUnavailableError } from './errors.js';
import { KvClient } from './kv-client.js';
import { CLIENT_ID_HEADER, SEQ_HEADER } from './sessions.js';
import { until } from '../../test/support/until.js';

interface Seen {
  readonly path: string;
  readonly body: unknown;
  readonly clientId: string | undefined;
  readonly seq: string | undefined;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

interface Fake {
  readonly url: string;
  readonly seen: Seen[];
  handle: Handler;
}

const servers: Server[] = [];
after(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const HEADER = { cluster_id: '1', member_id: '2', revision: '9', raft_term: '3' };

/** A member that answers every KV request with an empty success, and /status as given. */
async function fake(status?: Record<string, unknown>): Promise<Fake> {
  const state: Fake = {
    url: '',
    seen: [],
    handle: (req, _body, res) => {
      if (req.url === '/status')
        json(res, status === undefined ? 404 : 200, status ?? { error: 'not_found' });
      else json(res, 200, { header: HEADER });
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url?.startsWith('/v3/kv/') === true) {
        state.seen.push({
          path: req.url,
          body: JSON.parse(body) as unknown,
          clientId: req.headers[CLIENT_ID_HEADER] as string | undefined,
          seq: req.headers[SEQ_HEADER] as string | undefined,
        });
      }
      state.handle(req, body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** A port nobody listens on (a server opened and closed). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

void describe('KvClient', () => {
  it("finds the leader from a follower's /status and sends everything there", async () => {
    const leader = await fake({ id: 2, role: 'leader', term: 4, leader: 2 });
    const follower = await fake({
      id: 1,
      role: 'follower',
      term: 4,
      leader: 2,
      members: [
        { id: 1, client: 'http://unused.invalid:1' },
        { id: 2, client: leader.url },
      ],
    });
    // Only the follower is given: the leader is learnt from its members list.
    const client = new KvClient({ endpoints: [follower.url] });
    try {
      const put = await client.put('k', 'v');
      assert.equal(put.header.revision, 9);
      await client.get('k');
      assert.equal(client.knownLeader(), leader.url);
      assert.deepEqual(
        leader.seen.map((s) => s.path),
        ['/v3/kv/put', '/v3/kv/range'],
      );
      assert.equal(follower.seen.length, 0);
    } finally {
      client.close();
    }
  });

  it('finds an etcd leader through the maintenance status and the member list', async () => {
    const leader = await fake();
    const follower = await fake();
    follower.handle = (req, _body, res) => {
      if (req.url === '/v3/maintenance/status') {
        json(res, 200, { header: { member_id: '111' }, leader: '222', raftTerm: '5' });
      } else if (req.url === '/v3/cluster/member/list') {
        json(res, 200, {
          members: [
            { ID: '111', clientURLs: [follower.url] },
            { ID: '222', clientURLs: [leader.url + '/'] },
          ],
        });
      } else if (req.url === '/status') json(res, 404, { error: 'Not Found' });
      else json(res, 200, { header: HEADER });
    };
    const client = new KvClient({ endpoints: [follower.url] });
    try {
      await client.put('k', 'v');
      assert.equal(client.knownLeader(), leader.url);
      assert.equal(leader.seen.length, 1);
    } finally {
      client.close();
    }
  });

  it('retries a write elsewhere after 503 with the same client id and seq; the next write takes seq + 1', async () => {
    const noLeader = await fake();
    noLeader.handle = (_req, _body, res) => {
      json(res, 503, { error: 'no_leader', message: 'no leader', code: 14 });
    };
    const healthy = await fake();
    const client = new KvClient({ endpoints: [noLeader.url, healthy.url], preferLeader: false });
    try {
      await client.put('a', '1');
      await client.put('a', '2');
      const first = noLeader.seen[0];
      const retried = healthy.seen[0];
      assert.ok(first !== undefined && retried !== undefined);
      assert.match(first.clientId ?? '', /^\d+$/);
      assert.deepEqual([retried.clientId, retried.seq], [first.clientId, first.seq]);
      assert.equal(first.seq, '1');
      const second = [...noLeader.seen, ...healthy.seen].find((s) => s.seq === '2');
      assert.equal(second?.clientId, first.clientId);
      // Reads carry no session.
      await client.get('a');
      assert.equal(healthy.seen.at(-1)?.clientId, undefined);
    } finally {
      client.close();
    }
  });

  it('gives concurrent writes distinct sessions (the server keeps one outstanding write per client id)', async () => {
    const server = await fake();
    const client = new KvClient({ endpoints: [server.url] });
    try {
      await Promise.all([client.put('a', '1'), client.put('b', '2'), client.delete('c')]);
      const ids = new Set(server.seen.map((s) => s.clientId));
      assert.equal(ids.size, 3);
      assert.deepEqual(
        server.seen.map((s) => s.seq),
        ['1', '1', '1'],
      );
    } finally {
      client.close();
    }
  });

  it('skips an endpoint that refuses connections', async () => {
    const healthy = await fake();
    const client = new KvClient({ endpoints: [await deadUrl(), healthy.url] });
    try {
      const range = await client.range('k');
      assert.equal(range.header.revision, 9);
      assert.equal(healthy.seen.length, 1);
    } finally {
      client.close();
    }
  });

  it("does not retry a 4xx: KvRequestError with the server's error", async () => {
    const server = await fake();
    server.handle = (_req, _body, res) => {
      json(res, 400, { error: 'bad_request', message: 'key is not provided', code: 3 });
    };
    const client = new KvClient({ endpoints: [server.url] });
    try {
      await assert.rejects(
        client.put('', 'v'),
        (e: unknown) =>
          e instanceof KvRequestError &&
          e.status === 400 &&
          e.error === 'bad_request' &&
          e.code === 3 &&
          /key is not provided/.test(e.message),
      );
      assert.equal(server.seen.length, 1);
    } finally {
      client.close();
    }
  });

  it('times out each attempt and fails with KvTimeoutError at the deadline', async () => {
    const silent = await fake();
    silent.handle = () => undefined; // never answers
    const client = new KvClient({ endpoints: [silent.url], timeoutMs: 100, deadlineMs: 450 });
    try {
      const started = Date.now();
      await assert.rejects(client.get('k'), KvTimeoutError);
      const took = Date.now() - started;
      assert.ok(took >= 400 && took < 2_000, `took ${took} ms`);
      assert.ok(silent.seen.length >= 2, `${silent.seen.length} attempts`);
    } finally {
      client.close();
    }
  });

  it('fails with KvUnavailableError when every endpoint is down', async () => {
    const client = new KvClient({ endpoints: [await deadUrl(), await deadUrl()], deadlineMs: 300 });
    try {
      await assert.rejects(
        client.put('k', 'v'),
        (e: unknown) =>
          e instanceof KvUnavailableError && !(e instanceof KvTimeoutError) && /ECONNREFUSED/.test(e.message),
      );
    } finally {
      client.close();
    }
  });

  it('ends a call in flight with KvClosedError when the client is closed', async () => {
    const silent = await fake();
    silent.handle = () => undefined;
    const client = new KvClient({ endpoints: [silent.url], timeoutMs: 5_000 });
    const call = client.put('k', 'v');
    await until('the first answer to be swallowed', () => silent.seen.length === 1 || undefined, {
      timeoutMs: 5_000,
    });
    client.close();
    await assert.rejects(call, KvClosedError);
  });

  it('checks its options and refuses calls after close()', async () => {
    assert.throws(() => new KvClient({ endpoints: [] }), /at least one endpoint/);
    assert.throws(() => new KvClient({ endpoints: ['ftp://x'] }), /not an http:\/\/ URL/);
    const client = new KvClient({ endpoints: ['http://127.0.0.1:1'] });
    client.close();
    await assert.rejects(client.get('k'), KvClosedError);
  });
});
