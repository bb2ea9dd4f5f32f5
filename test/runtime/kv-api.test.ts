// The key/value service on a cluster started as `npm start` starts it (`raft-ts cluster`): etcd's gateway JSON
// through the leader and through followers, the plain REST face, and bad input.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeClusterBase } from './free-ports.js';
import { b64, call, v3 } from './kv-http.js';
import { RAFT_TS_BIN, until, waitExit } from './member-processes.js';

interface StatusJson {
  id: number;
  role: string;
  term: number;
  leader: number | null;
  revision: number;
  requests: number;
  members: { id: number; client: string }[];
}

const BODY_TIMEOUT_MS = 1_500;

describe('the key/value service of a local cluster', { timeout: 120_000 }, () => {
  let dir = '';
  let base = 0;
  let cluster: ChildProcess | null = null;
  let output = '';
  let leader = 0;
  let follower = 0;
  let clusterId = '';
  const port = (id: number): number => base + 1000 + id - 1;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raft-ts-kv-'));
    base = await freeClusterBase(3);
    // The command line of `npm start`, on free ports, with a short body timeout for the slow-client case.
    cluster = spawn(
      process.execPath,
      [
        RAFT_TS_BIN,
        'cluster',
        '--nodes',
        '3',
        '--base-port',
        String(base),
        '--client-base-port',
        String(base + 1000),
        '--data-dir',
        dir,
        '--body-timeout-ms',
        String(BODY_TIMEOUT_MS),
      ],
      // Its own process group: the cleanup kills the group, members included, whatever happened.
      { detached: true },
    );
    cluster.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cluster.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const agreed = await until('one leader that every member knows', 45_000, async () => {
      const all = await Promise.all(
        [1, 2, 3].map(
          async (id) => (await call(port(id), 'GET', '/status', undefined, 1_000)).json as StatusJson,
        ),
      );
      const l = all.find((s) => s.role === 'leader');
      return l !== undefined && all.every((s) => s.leader === l.id && s.term === l.term) ? l : undefined;
    });
    leader = agreed.id;
    follower = leader === 1 ? 2 : 1;
    assert.match(
      output,
      /curl -X POST http:\/\/127\.0\.0\.1:\d+\/v3\/kv\/put/,
      'npm start prints a curl example',
    );
    assert.match(output, /\/status/);
  });

  after(async () => {
    const child = cluster;
    if (child?.pid !== undefined) {
      child.kill('SIGTERM');
      await waitExit(child, 15_000).catch(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // Gone already.
        }
      });
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** The header every response carries; member_id names the member asked, as in etcd (not the leader it forwarded to). */
  const header = (revision: number, memberId = leader): Record<string, string> => ({
    cluster_id: clusterId,
    member_id: String(memberId),
    revision: String(revision),
    raft_term: String(termNow),
  });
  let termNow = 0;

  it('answers put, range, deleterange and txn with etcd-shaped JSON, through a follower and the leader', async () => {
    const status = (await call(port(leader), 'GET', '/status')).json as StatusJson;
    termNow = status.term;
    assert.deepEqual(
      status.members.map((m) => m.client),
      [1, 2, 3].map((id) => `http://127.0.0.1:${port(id)}`),
    );
    const first = await v3(port(follower), 'put', { key: b64('foo'), value: b64('bar') });
    assert.equal(first.status, 200, first.text);
    clusterId = (first.json as { header: { cluster_id: string } }).header.cluster_id;
    assert.match(clusterId, /^\d+$/, 'int64 fields are JSON strings');
    assert.deepEqual(first.json, { header: header(2, follower) });

    const fooKv = {
      key: b64('foo'),
      create_revision: '2',
      mod_revision: '2',
      version: '1',
      value: b64('bar'),
    };
    for (const id of [leader, follower]) {
      const read = await v3(port(id), 'range', { key: b64('foo') });
      assert.deepEqual(
        read.json,
        { header: header(2, id), kvs: [fooKv], count: '1' },
        `range on member ${id}`,
      );
    }
    const missing = await v3(port(follower), 'range', { key: b64('nope') });
    assert.deepEqual(missing.json, { header: header(2, follower) }, 'zero fields (kvs, count) are omitted');

    const second = await v3(port(leader), 'put', { key: b64('foo2'), value: b64('x'), prev_kv: true });
    assert.deepEqual(second.json, { header: header(3) });
    const prefix = await v3(port(follower), 'range', { key: b64('foo'), range_end: b64('fop'), limit: 1 });
    assert.deepEqual(prefix.json, { header: header(3, follower), kvs: [fooKv], more: true, count: '2' });
    const all = await v3(port(leader), 'range', {
      key: 'AA==',
      range_end: 'AA==',
      keys_only: true,
      count_only: false,
    });
    assert.deepEqual(all.json, {
      header: header(3),
      kvs: [
        { key: b64('foo'), create_revision: '2', mod_revision: '2', version: '1' },
        { key: b64('foo2'), create_revision: '3', mod_revision: '3', version: '1' },
      ],
      count: '2',
    });

    // Compare-and-swap: succeeds once on the expected value, then fails on the stale one.
    const cas = {
      compare: [{ key: b64('foo'), target: 'VALUE', result: 'EQUAL', value: b64('bar') }],
      success: [{ request_put: { key: b64('foo'), value: b64('baz'), prev_kv: true } }],
      failure: [{ request_range: { key: b64('foo') } }],
    };
    const won = await v3(port(follower), 'txn', cas);
    assert.deepEqual(won.json, {
      header: header(4, follower),
      succeeded: true,
      responses: [{ response_put: { header: { revision: '4' }, prev_kv: fooKv } }],
    });
    const lost = await v3(port(leader), 'txn', cas);
    assert.deepEqual(lost.json, {
      header: header(4),
      responses: [
        {
          response_range: {
            header: { revision: '4' },
            kvs: [{ ...fooKv, mod_revision: '4', version: '2', value: b64('baz') }],
            count: '1',
          },
        },
      ],
    });
    const byVersion = await v3(port(leader), 'txn', {
      compare: [{ key: b64('lock'), target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key: b64('lock'), value: b64('me') } }],
    });
    assert.deepEqual(byVersion.json, {
      header: header(5),
      succeeded: true,
      responses: [{ response_put: { header: { revision: '5' } } }],
    });

    const deleted = await v3(port(follower), 'deleterange', {
      key: b64('foo'),
      range_end: b64('fop'),
      prev_kv: true,
    });
    assert.deepEqual(deleted.json, {
      header: header(6, follower),
      deleted: '2',
      prev_kvs: [
        { ...fooKv, mod_revision: '4', version: '2', value: b64('baz') },
        { key: b64('foo2'), create_revision: '3', mod_revision: '3', version: '1', value: b64('x') },
      ],
    });
    const none = await v3(port(leader), 'deleterange', { key: b64('foo') });
    assert.deepEqual(none.json, { header: header(6) }, 'deleting nothing keeps the revision');
  });

  it('serves /v1/kv/{key} with raw bodies, /health and /metrics', async () => {
    assert.equal((await call(port(follower), 'PUT', '/v1/kv/hello', 'world')).status, 200);
    const got = await call(port(follower), 'GET', '/v1/kv/hello');
    assert.deepEqual([got.status, got.text], [200, 'world']);
    assert.equal((await call(port(leader), 'GET', '/v1/kv/absent')).status, 404);
    assert.equal((await call(port(leader), 'DELETE', '/v1/kv/hello')).status, 200);
    assert.equal((await call(port(follower), 'GET', '/v1/kv/hello')).status, 404);
    const health = await call(port(follower), 'GET', '/health');
    assert.deepEqual([health.status, health.json], [200, { health: 'true', reason: '' }]);
    const metrics = await call(port(leader), 'GET', '/metrics');
    for (const name of [
      'raft_ts_http_requests_total',
      'raft_ts_http_request_duration_seconds',
      'raft_ts_proposals_total',
      'raft_ts_commit_latency_seconds',
      'raft_ts_fsync_duration_seconds',
      'raft_ts_log_entries',
      'raft_ts_term',
      'raft_ts_leader_changes',
    ]) {
      assert.match(metrics.text, new RegExp(`^${name}`, 'm'), name);
    }
    const cors = await fetch(`http://127.0.0.1:${port(follower)}/status`);
    assert.equal(cors.headers.get('access-control-allow-origin'), '*');
    const s = (await cors.json()) as StatusJson;
    assert.ok(s.requests > 0 && s.revision >= 6, JSON.stringify(s));
  });

  it('counts a request once in the cluster, on the member the client sent it to, even when it is forwarded', async () => {
    const total = async (): Promise<number> => {
      const all = await Promise.all(
        [1, 2, 3].map(async (id) => ((await call(port(id), 'GET', '/status')).json as StatusJson).requests),
      );
      return all.reduce((a, b) => a + b, 0);
    };
    const before = await total();
    assert.equal((await call(port(follower), 'PUT', '/v1/kv/counted', 'once')).status, 200);
    assert.equal(await total(), before + 1);
  });

  it('applies a write with a client id and sequence number once, however often it is retried', async () => {
    const session = (seq: number): Record<string, string> => ({
      'x-raft-ts-client-id': 'test-client',
      'x-raft-ts-seq': String(seq),
    });
    const put = (id: number, seq: number, value: string): ReturnType<typeof call> =>
      call(
        port(id),
        'POST',
        '/v3/kv/put',
        JSON.stringify({ key: b64('once'), value: b64(value), prev_kv: true }),
        5_000,
        session(seq),
      );
    const first = await put(follower, 1, 'v1');
    assert.equal(first.status, 200, first.text);
    const retried = await put(leader, 1, 'v1');
    // The same answer, revision included; only member_id differs: it names the member asked.
    type Put = { header: Record<string, string> };
    const firstPut = first.json as Put;
    assert.deepEqual(
      retried.json,
      { ...firstPut, header: { ...firstPut.header, member_id: String(leader) } },
      'the retry gets the first answer, revision included',
    );
    const read = await v3(port(leader), 'range', { key: b64('once') });
    const kv = (read.json as { kvs: { version: string }[] }).kvs[0];
    assert.equal(kv?.version, '1', 'the retry did not write again');
    assert.equal((await put(leader, 2, 'v2')).status, 200);
    const stale = await put(follower, 1, 'v1');
    assert.equal(stale.status, 412, stale.text);
    assert.match((stale.json as { message: string }).message, /older than its latest/);
    const halfSession = await call(
      port(leader),
      'POST',
      '/v3/kv/put',
      JSON.stringify({ key: b64('once') }),
      5_000,
      {
        'x-raft-ts-seq': '3',
      },
    );
    assert.equal(halfSession.status, 400);
  });

  it('refuses bad input with a clear JSON error, keeps serving others, and changes nothing', async () => {
    const before = (
      (await v3(port(leader), 'range', { key: 'AA==', range_end: 'AA==' })).json as {
        header: { revision: string };
      }
    ).header.revision;
    const cases: [string, string | Uint8Array, number, RegExp][] = [
      ['put', '{"key": "Zm9v", "value": ', 400, /malformed JSON/],
      ['put', '[1, 2]', 400, /JSON object/],
      ['put', '{"key": "not base64!", "value": "YmFy"}', 400, /base64/],
      ['put', '{"key": 5, "value": "YmFy"}', 400, /"key" must be a base64 string/],
      ['put', '{"key": "Zm9v", "value": "YmFy", "prev_kv": "yes"}', 400, /"prev_kv" must be true or false/],
      ['put', '{"value": "YmFy"}', 400, /key is not provided/],
      ['range', '{"key": "Zm9v", "limit": "many"}', 400, /"limit" must be an integer/],
      ['txn', '{"compare": {"key": "Zm9v"}}', 400, /"compare" must be a list/],
      [
        'txn',
        '{"success": [{"request_put": {"key": "Zm9v"}}, {"request_put": {"key": "Zm9v"}}]}',
        400,
        /duplicate key/,
      ],
      ['put', new Uint8Array(1_572_864 + 1).fill(0x20), 413, /over 1572864 bytes/],
    ];
    for (const [route, body, status, message] of cases) {
      for (const id of [leader, follower]) {
        const r = await call(port(id), 'POST', `/v3/kv/${route}`, body);
        assert.equal(
          r.status,
          status,
          `${route} ${String(body).slice(0, 60)} on ${id}: ${r.text.slice(0, 200)}`,
        );
        const json = r.json as { error: string; message: string; code: number };
        assert.match(json.message, message);
        assert.equal(json.error, json.message);
        assert.equal(typeof json.code, 'number');
      }
    }

    // A client that sends half its body and then nothing: cut off after the body timeout, while others are served.
    const slowStarted = Date.now();
    const slow = new Promise<string>((resolve) => {
      const socket = connect(port(leader), '127.0.0.1', () => {
        socket.write(
          'POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"key":',
        );
      });
      let got = '';
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('close', () => {
        resolve(got);
      });
      socket.on('error', () => undefined);
      socket.setTimeout(BODY_TIMEOUT_MS * 6, () => socket.destroy());
    });
    const meanwhile = await v3(port(leader), 'range', { key: b64('lock') });
    assert.equal(meanwhile.status, 200, 'another client is served while the slow one hangs');
    const slowAnswer = await slow;
    const waited = Date.now() - slowStarted;
    assert.match(
      slowAnswer,
      /^HTTP\/1\.1 408/,
      `the slow client is answered 408, got ${JSON.stringify(slowAnswer)}`,
    );
    assert.ok(waited < BODY_TIMEOUT_MS * 5, `cut off after ${waited} ms`);

    const afterAll = (
      (await v3(port(leader), 'range', { key: 'AA==', range_end: 'AA==' })).json as {
        header: { revision: string };
      }
    ).header.revision;
    assert.equal(afterAll, before, 'no bad request changed the store');
  });
});
