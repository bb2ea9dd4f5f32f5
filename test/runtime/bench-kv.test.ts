// `npm run bench:kv` on a real cluster, briefly: it finds the leader, runs both phases, and prints the table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startWithClientPeers } from './kv-cluster.js';
import { TestCluster } from './member-processes.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/bench-kv.ts', import.meta.url));
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.create(3);
  startWithClientPeers(cluster);
  await cluster.waitLeader(15_000);
});

after(async () => {
  await cluster.destroy();
});

function bench(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

void describe('bench:kv', { timeout: 90_000 }, () => {
  it('sends to the leader and prints ops/s and latencies for puts and ranges with the conditions', async () => {
    await cluster.waitLeader(5_000);
    const endpoints = cluster.members.map((m) => `http://127.0.0.1:${m.clientPort}`);
    const r = bench([
      '--endpoints',
      endpoints.join(','),
      '--connections',
      '2',
      '--duration',
      '1',
      '--keys',
      '50',
      '--value-size',
      '32',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The leader found (leadership may move on a loaded machine between our look and the script's).
    const target = /against raft-ts .*to the leader (http:\/\/[\d.:]+),/.exec(r.stdout)?.[1];
    assert.ok(target !== undefined && endpoints.includes(target), r.stdout);
    assert.match(r.stdout, /32-byte values, 50 keys, ranges linearizable/);
    assert.match(r.stdout, /conditions: Node v\d+\.\d+\.\d+, \d+ x /);
    for (const phase of ['put', 'range']) {
      const row = new RegExp(
        `^\\| ${phase} \\| 2 \\| ([\\d,]+) \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| 0 \\|$`,
        'm',
      );
      const match = row.exec(r.stdout);
      assert.ok(match !== null, `a ${phase} row without errors in\n${r.stdout}`);
      assert.ok(Number(match[1]?.replace(/,/g, '')) > 0);
    }
    // The puts landed, on keys of the key space only (random keys: not necessarily all 50 of them).
    const range = await fetch(`${endpoints[0] ?? ''}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({
        key: Buffer.from('bench/').toString('base64'),
        range_end: Buffer.from('bench0').toString('base64'),
        keys_only: true,
      }),
    });
    const keys = (((await range.json()) as { kvs?: { key: string }[] }).kvs ?? []).map((kv) =>
      Buffer.from(kv.key, 'base64').toString(),
    );
    assert.ok(keys.length > 0 && keys.length <= 50, `${keys.length} keys`);
    for (const key of keys) assert.match(key, /^bench\/[0-4]\d$/);
  });

  it('refuses bad flags with a usage line and exit code 2', () => {
    for (const args of [['--connections', '0'], ['--endpoints', 'ftp://x'], ['--bogus']]) {
      const r = bench(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /usage: npm run bench:kv/);
    }
  });
});
