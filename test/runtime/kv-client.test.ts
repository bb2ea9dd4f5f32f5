// KvClient and `raft-ts kv` against a real cluster of three `raft-ts node` processes: etcd-shaped results, a
// compare-and-swap, a follower-only client, the command line, and writes retried across a kill -9 of the leader
// (each applied once: exactly-once sessions).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CLIENT_ID_HEADER,
  KvClient,
  KvRequestError,
  SEQ_HEADER,
  compare,
  op,
  toText,
} from '../../src/client/index.js';
import { RAFT_TS_BIN, TestCluster } from './member-processes.js';
import { clientPeersFlag, startWithClientPeers } from './kv-cluster.js';

let cluster: TestCluster;
let endpoints: string[];

before(async () => {
  cluster = await TestCluster.create(3);
  startWithClientPeers(cluster);
  await cluster.waitLeader(15_000);
  endpoints = cluster.members.map((m) => `http://127.0.0.1:${m.clientPort}`);
});

after(async () => {
  await cluster.destroy();
});

function raftTs(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RAFT_TS_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `raft-ts kv` on the test cluster. */
function raftTsKv(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  return raftTs(['kv', '--endpoints', endpoints.join(','), ...args]);
}

void describe('raft-ts kv without a cluster', { timeout: 60_000 }, () => {
  it('documents its subcommands and flags in --help', () => {
    const help = raftTs(['kv', '--help']);
    assert.equal(help.code, 0);
    for (const word of ['put', 'get', 'del', '--endpoints', '--json', '--timeout-ms', 'Exit codes']) {
      assert.ok(help.stdout.includes(word), `kv --help mentions ${word}`);
    }
    assert.ok(raftTs(['--help']).stdout.includes('kv'));
    assert.ok(raftTs(['kv', 'get', '--help']).stdout.includes('--serializable'));
  });

  it('answers bad flags and arguments with one line and exit code 2', () => {
    for (const args of [
      ['kv', 'get', 'k', '--bogus'],
      ['kv', '--endpoints', 'ftp://127.0.0.1:1', 'get', 'k'],
      ['kv', '--endpoints', 'not a url', 'get', 'k'],
      ['kv', '--timeout-ms', '0', 'get', 'k'],
      ['kv', 'put', 'only-a-key'],
    ]) {
      const r = raftTs(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
    }
  });

  it('fails with exit code 4 and one line when no member answers', () => {
    const r = raftTs(['kv', '--endpoints', 'http://127.0.0.1:1', '--timeout-ms', '300', 'put', 'k', 'v']);
    assert.equal(r.code, 4);
    assert.match(r.stderr.trim(), /^raft-ts kv put: failed: .*ECONNREFUSED/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

void describe('KvClient on a real cluster', { timeout: 120_000 }, () => {
  it('puts, gets, ranges, deletes with etcd revisions, through the leader', async () => {
    const startTerm = (await cluster.waitLeader(5_000)).term;
    const client = new KvClient({ endpoints });
    try {
      const first = await client.put('fruit/apple', 'red');
      const second = await client.put('fruit/apple', 'green', { prevKv: true });
      assert.equal(second.header.revision, first.header.revision + 1);
      assert.equal(toText(second.prevKv?.value ?? new Uint8Array()), 'red');
      await client.put('fruit/banana', new TextEncoder().encode('yellow'));
      const apple = await client.get('fruit/apple');
      assert.ok(apple !== undefined);
      assert.deepEqual(
        [toText(apple.value), apple.version, apple.createRevision, apple.modRevision],
        ['green', 2, first.header.revision, second.header.revision],
      );
      assert.equal(await client.get('fruit/cherry'), undefined);
      const fruit = await client.range('fruit/', { prefix: true });
      assert.deepEqual(
        fruit.kvs.map((kv) => toText(kv.key)),
        ['fruit/apple', 'fruit/banana'],
      );
      assert.equal(fruit.count, 2);
      const limited = await client.range('fruit/', { prefix: true, limit: 1 });
      assert.deepEqual([limited.kvs.length, limited.count, limited.more], [1, 2, true]);
      const deleted = await client.delete('fruit/', { prefix: true, prevKv: true });
      assert.equal(deleted.deleted, 2);
      assert.equal(deleted.prevKvs.length, 2);
      assert.equal((await client.range('fruit/', { prefix: true })).count, 0);
      // The client found the leader (unless an election since then moved it: compare within one term).
      const leader = await cluster.waitLeader(5_000);
      if (leader.term === startTerm) assert.equal(client.knownLeader(), endpoints[leader.id - 1]);
    } finally {
      client.close();
    }
  });

  it('compare-and-swaps with a txn; a 400 is a KvRequestError', async () => {
    const client = new KvClient({ endpoints });
    try {
      const created = await client
        .txn()
        .if(compare.version('lock', '==', 0))
        .then(op.put('lock', 'alice'))
        .else(op.get('lock'))
        .commit();
      assert.equal(created.succeeded, true);
      const lost = await client
        .txn()
        .if(compare.version('lock', '==', 0))
        .then(op.put('lock', 'bob'))
        .else(op.get('lock'))
        .commit();
      assert.equal(lost.succeeded, false);
      const read = lost.responses[0];
      assert.ok(read?.type === 'range');
      assert.equal(toText(read.result.kvs[0]?.value ?? new Uint8Array()), 'alice');
      const swapped = await client
        .txn()
        .if(compare.value('lock', '==', 'alice'), compare.modRevision('lock', '==', created.header.revision))
        .then(op.put('lock', 'carol'), op.get('lock'))
        .commit();
      assert.equal(swapped.succeeded, true);
      assert.deepEqual(
        swapped.responses.map((r) => r.type),
        ['put', 'range'],
      );
      await assert.rejects(
        client.put('', 'no key'),
        (e: unknown) => e instanceof KvRequestError && e.status === 400,
      );
    } finally {
      client.close();
    }
  });

  it('works through one follower alone (it forwards to the leader)', async () => {
    const leader = (await cluster.waitLeader(5_000)).id;
    const follower = endpoints.find((_, i) => i + 1 !== leader) as string;
    const client = new KvClient({ endpoints: [follower], preferLeader: false });
    try {
      const put = await client.put('via-follower', 'yes');
      assert.ok(put.header.revision > 0);
      assert.equal(toText((await client.get('via-follower'))?.value ?? new Uint8Array()), 'yes');
    } finally {
      client.close();
    }
  });

  it('raft-ts kv put, get (exit 1 when missing), --json, del', () => {
    assert.deepEqual(raftTsKv(['put', 'greeting', 'hello world']), { code: 0, stdout: 'OK\n', stderr: '' });
    assert.deepEqual(raftTsKv(['get', 'greeting']), { code: 0, stdout: 'hello world\n', stderr: '' });
    const json = raftTsKv(['--json', 'get', 'greeting']);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { kv: { key: string; value: string; version: number } };
    assert.deepEqual([parsed.kv.key, parsed.kv.value, parsed.kv.version], ['greeting', 'hello world', 1]);
    assert.deepEqual(raftTsKv(['del', 'greeting']), { code: 0, stdout: '1\n', stderr: '' });
    const missing = raftTsKv(['get', 'greeting']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /key "greeting" not found/);
  });

  it('applies a write once when its answer is lost and the client sends it again', async () => {
    const leader = (await cluster.waitLeader(5_000)).id;
    const target = cluster.member(leader).clientPort;
    // A proxy to the leader that lets the first put through but drops its answer, as a connection cut just after
    // the commit would: the client cannot know the put was applied, and must retry it.
    const seen: { clientId: string | undefined; seq: string | undefined }[] = [];
    const proxy = createServer((req, res) => {
      const isPut = req.url === '/v3/kv/put';
      if (isPut)
        seen.push({
          clientId: req.headers[CLIENT_ID_HEADER] as string,
          seq: req.headers[SEQ_HEADER] as string,
        });
      const drop = isPut && seen.length === 1;
      const upstream = request(
        { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (drop) {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const client = new KvClient({
      endpoints: [`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`],
      preferLeader: false,
    });
    try {
      await client.put('once', 'v');
      assert.equal(seen.length, 2, 'the put was sent twice');
      assert.match(seen[0]?.clientId ?? '', /^\d+$/);
      assert.deepEqual(seen[1], seen[0], 'with the same client id and sequence number');
      const direct = new KvClient({ endpoints });
      try {
        assert.equal((await direct.get('once'))?.version, 1, 'and applied once');
      } finally {
        direct.close();
      }
    } finally {
      client.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('keeps every acknowledged write, each applied once, across a kill -9 of the leader', async () => {
    const client = new KvClient({ endpoints, timeoutMs: 2_000, deadlineMs: 20_000 });
    const leader = (await cluster.waitLeader(5_000)).id;
    try {
      // 8 writers each append their own counter key's versions: a write applied twice would show as an extra
      // version, one lost as a missing one.
      let killed = false;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        let acked = 0;
        for (let n = 1; n <= 40; n++) {
          await client.put(`crash/${w}`, String(n));
          acked = n;
          if (w === 0 && n === 10 && !killed) {
            killed = true;
            await cluster.kill9(leader);
          }
        }
        return acked;
      });
      const acked = await Promise.all(writers);
      assert.deepEqual(acked, new Array<number>(8).fill(40));
      for (let w = 0; w < 8; w++) {
        const kv = await client.get(`crash/${w}`);
        assert.equal(toText(kv?.value ?? new Uint8Array()), '40');
        assert.equal(kv?.version, 40, `crash/${w} was written ${kv?.version} times, not 40`);
      }
      assert.notEqual(client.knownLeader(), endpoints[leader - 1]);
    } finally {
      client.close();
      cluster.start(leader, clientPeersFlag(cluster));
    }
  });
});
