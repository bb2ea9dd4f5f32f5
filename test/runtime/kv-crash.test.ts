// kill -9 of the leader under concurrent clients of the key/value service: every acknowledged write survives,
// and the history the clients saw is linearizable.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  checkOperations,
  kvModel,
  type KvInput,
  type KvOutput,
  type Operation,
} from '../../src/check/index.js';
import { b64, call, unb64, v3 } from './kv-http.js';
import { TestCluster, until } from './member-processes.js';

const CLIENTS = 6;
const KEYS = 3;
const REQUEST_TIMEOUT_MS = 3_000;

describe('the key/value service when the leader is killed', { timeout: 120_000 }, () => {
  let cluster: TestCluster | null = null;
  after(async () => {
    await cluster?.destroy();
  });

  it('keeps every acknowledged write, and the clients history is linearizable', async () => {
    const c = await TestCluster.create(3);
    cluster = c;
    const clientPeers = c.members.map((m) => `${m.id}=127.0.0.1:${m.clientPort}`).join(',');
    // Snapshots every 100 entries: the restarted member recovers from a snapshot plus the log's tail.
    const extra = ['--client-peers', clientPeers, '--snapshot-every', '100'];
    for (const m of c.members) c.start(m.id, extra);
    const first = await c.waitLeader(45_000);

    const history: Operation<KvInput, KvOutput>[] = [];
    const acked: string[] = [];
    const live = new Set(c.members.map((m) => m.id));
    let stop = false;
    let writes = 0;
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;

    const client = async (clientId: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const targets = [...live];
        const member = c.member(targets[(clientId + n) % targets.length] as number);
        const key = `k${(clientId + n) % KEYS}`;
        const call = now();
        if (n % 2 === 0) {
          // A write: the shared key (checked for linearizability) and a key of its own (checked for durability),
          // in one txn so both happen or neither.
          const value = `c${clientId}-${n}`;
          const r = await v3(
            member.clientPort,
            'txn',
            {
              success: [
                { request_put: { key: b64(key), value: b64(value) } },
                { request_put: { key: b64(`ack/${value}`), value: b64(value) } },
              ],
            },
            REQUEST_TIMEOUT_MS,
          ).catch(() => null);
          const ok = r?.status === 200 && (r.json as { succeeded?: boolean }).succeeded === true;
          writes++;
          if (ok) acked.push(value);
          // A write that failed or timed out may still have happened: its outcome is unknown.
          history.push({
            clientId,
            input: { op: 'put', key, value },
            call,
            output: ok ? { value: '' } : { value: '', unknown: true },
            return: ok ? now() : Number.POSITIVE_INFINITY,
          });
          if (!ok) await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          const r = await v3(member.clientPort, 'range', { key: b64(key) }, REQUEST_TIMEOUT_MS).catch(
            () => null,
          );
          // A failed read changed nothing and told nothing: it is left out of the history.
          if (r?.status !== 200) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            continue;
          }
          const kvs = (r.json as { kvs?: { value?: string }[] }).kvs;
          history.push({
            clientId,
            input: { op: 'get', key },
            call,
            output: { value: unb64(kvs?.[0]?.value ?? '') },
            return: now(),
          });
        }
      }
    };

    const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
    await until('some writes before the crash', 20_000, () => (acked.length >= 150 ? true : undefined));
    const killedAt = acked.length;
    live.delete(first.id);
    await c.kill9(first.id);
    const others = c.members.map((m) => m.id).filter((id) => id !== first.id);
    await c.waitLeader(20_000, others);
    await until('writes after the crash', 20_000, () => (acked.length >= killedAt + 150 ? true : undefined));
    stop = true;
    await Promise.all(clients);

    // Every acknowledged write is readable on the surviving majority.
    const survivor = c.member(others[0] as number);
    const all = await v3(survivor.clientPort, 'range', { key: b64('ack/'), range_end: b64('ack0') });
    assert.equal(all.status, 200, all.text);
    const stored = new Set(
      ((all.json as { kvs?: { value: string }[] }).kvs ?? []).map((kv) => unb64(kv.value)),
    );
    const lost = acked.filter((v) => !stored.has(v));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);

    const result = checkOperations(kvModel, history, { timeoutMs: 20_000 });
    assert.equal(result.verdict, 'ok', `history of ${history.length} operations (${writes} writes)`);

    // The killed member comes back from its snapshot and log, and catches up with the others.
    c.start(first.id, extra);
    const revisions = await until('the restarted member to catch up', 30_000, async () => {
      const r = await Promise.all(
        c.members.map(async (m) => {
          const res = await v3(
            m.clientPort,
            'range',
            { key: b64('ack/'), range_end: b64('ack0'), count_only: true, serializable: true },
            1_000,
          );
          return res.json as { count?: string; header: { revision: string } };
        }),
      );
      const counts = r.map((x) => `${x.header.revision}/${x.count ?? '0'}`);
      return counts.every((x) => x === counts[0]) ? counts : undefined;
    });
    assert.ok(Number((revisions[0] as string).split('/')[1]) >= acked.length);
    const restarted = (await c.status(first.id)) as unknown as { snapshotIndex: number };
    assert.ok(restarted.snapshotIndex > 0, 'the log was compacted into a snapshot');

    // Without a quorum, the last member knows no leader: writes and reads get etcd's 503 JSON error at once.
    const [gone1, gone2, last] = [first.id, ...others] as [number, number, number];
    await c.kill9(gone1);
    await c.kill9(gone2);
    const lastPort = c.member(last).clientPort;
    await until('the last member to know no leader', 10_000, async () => {
      const health = await call(lastPort, 'GET', '/health', undefined, 1_000);
      return health.status === 503 ? true : undefined;
    });
    for (const [route, request] of [
      ['put', { key: b64('x'), value: b64('y') }],
      ['range', { key: b64('x') }],
    ] as const) {
      const r = await v3(lastPort, route, request);
      assert.equal(r.status, 503, r.text);
      assert.deepEqual(r.json, {
        error: 'etcdserver: no leader',
        message: 'etcdserver: no leader',
        code: 14,
      });
    }
  });
});
