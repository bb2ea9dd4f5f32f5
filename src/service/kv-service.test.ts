import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RangeRequest, WriteRequest } from '../kv/etcd/index.js';
import { NotLeaderError, RaftMember } from '../node/index.js';
import { MemoryStorage, MemoryVolume } from '../storage/index.js';
import { MemoryNetwork } from '../transport/index.js';
import { KvService } from './kv-service.js';
import { until } from '../../test/support/until.js';

const te = new TextEncoder();
const td = new TextDecoder();
const timing = { tickMs: 10 };

const put = (key: string, value: string): WriteRequest => ({
  type: 'put',
  request: { key: te.encode(key), value: te.encode(value), prevKv: false, ignoreValue: false },
});
const everything: RangeRequest = {
  key: new Uint8Array([0]),
  rangeEnd: new Uint8Array([0]),
  limit: 0,
  revision: 0,
  keysOnly: false,
  countOnly: false,
  serializable: false,
};

function startSolo(volume: MemoryVolume): Promise<RaftMember> {
  return RaftMember.start({
    id: 1,
    peers: [1],
    storage: new MemoryStorage(volume),
    transport: new MemoryNetwork([1]).transport(1),
    timing,
  });
}

describe('KvService', { timeout: 30_000 }, () => {
  const running: RaftMember[] = [];
  after(async () => {
    await Promise.all(running.map((m) => m.stop()));
  });

  it('answers writes once applied, reads by ReadIndex, snapshots, and restarts from the snapshot and the tail', async () => {
    const volume = new MemoryVolume();
    const member = await startSolo(volume);
    const service = new KvService(member, { snapshotEvery: 10 });
    await until('a leader', () => member.status().role === 'leader' || undefined);
    for (let i = 0; i < 25; i++) {
      const outcome = await service.write(put(`k${i % 7}`, `v${i}`), { clientId: 'c', seq: i + 1 }, 5_000);
      assert.ok(outcome.ok && outcome.response.type === 'put');
      assert.equal(outcome.response.response.revision, i + 2, 'each put is the next revision');
    }
    // A retry of the latest request is answered from the session, not applied again.
    const retry = await service.write(put('k0', 'again'), { clientId: 'c', seq: 25 }, 5_000);
    assert.ok(retry.ok && retry.response.type === 'put' && retry.response.response.revision === 26);
    const read = await service.linearizableRange(everything, 5_000);
    assert.ok(read.ok);
    assert.equal(read.response.count, 7);
    assert.equal(read.response.revision, 26);
    await until('a snapshot in storage', () => (volume.snapshot?.index ?? 0) >= 20 || undefined);
    assert.ok(member.status().snapshotIndex >= 20, 'the log was compacted');
    await member.stop();
    await service.done();

    const again = await startSolo(volume);
    running.push(again);
    const restored = new KvService(again, { snapshotEvery: 10 });
    await until('a leader again', () => again.status().role === 'leader' || undefined);
    const restoredRead = await restored.linearizableRange(everything, 5_000);
    assert.ok(restoredRead.ok);
    assert.deepEqual(
      restoredRead.response.kvs.map((kv) => `${td.decode(kv.key)}=${td.decode(kv.value)}`),
      read.response.kvs.map((kv) => `${td.decode(kv.key)}=${td.decode(kv.value)}`),
    );
    assert.equal(restored.revision, 26);
    // The session survived the restart: the client's latest request is still answered without running.
    const late = await restored.write(put('k0', 'late retry'), { clientId: 'c', seq: 25 }, 5_000);
    assert.ok(late.ok && late.response.type === 'put' && late.response.response.revision === 26);
  });

  it('refuses a linearizable read on a follower with NotLeaderError', async () => {
    const network = new MemoryNetwork([1, 2, 3]);
    const members = await Promise.all(
      [1, 2, 3].map((id) =>
        RaftMember.start({
          id,
          peers: [1, 2, 3],
          storage: new MemoryStorage(),
          transport: network.transport(id),
          timing,
        }),
      ),
    );
    running.push(...members);
    const services = members.map((m) => new KvService(m));
    await until('a leader', () => members.some((m) => m.status().role === 'leader') || undefined);
    const i = members.findIndex((m) => m.status().role !== 'leader');
    await assert.rejects((services[i] as KvService).linearizableRange(everything, 1_000), NotLeaderError);
  });
});
