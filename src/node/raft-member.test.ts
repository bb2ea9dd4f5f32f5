import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryStorage, MemoryVolume, type Storage, type StorageWrite } from '../storage/index.js';
import { MemoryNetwork } from '../transport/index.js';
import type { Committed } from './committed-queue.js';
import { MemberStoppedError, NotLeaderError, ReadIndexLostError, ReadIndexTimeoutError } from './errors.js';
import { RaftMember } from './raft-member.js';
import { until } from '../../test/support/until.js';

/** Fast ticks: these tests run in one process on a memory network, where 10 ms is plenty. */
const timing = { tickMs: 10 };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A storage that counts writes, and fails every write once `failing` is set (an fsync error). */
class FaultyStorage implements Storage {
  writes = 0;
  failing = false;
  private readonly inner = new MemoryStorage();
  load(): ReturnType<Storage['load']> {
    return this.inner.load();
  }
  write(batch: StorageWrite): Promise<void> {
    this.writes++;
    if (this.failing) return Promise.reject(new Error('EIO: fsync failed'));
    return this.inner.write(batch);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function startCluster(storages: Storage[]): Promise<RaftMember[]> {
  const ids = storages.map((_, i) => i + 1);
  const network = new MemoryNetwork(ids);
  return Promise.all(
    ids.map((id) =>
      RaftMember.start({
        id,
        peers: ids,
        storage: storages[id - 1] as Storage,
        transport: network.transport(id),
        timing,
      }),
    ),
  );
}

function leaderOf(members: readonly RaftMember[]): RaftMember | undefined {
  return members.find((m) => m.status().role === 'leader');
}

describe('RaftMember', { timeout: 30_000 }, () => {
  const running: RaftMember[] = [];
  after(async () => {
    await Promise.all(running.map((m) => m.stop()));
  });

  it('elects a leader, commits proposals in order on every member, and names the leader to a follower', async () => {
    const members = await startCluster([new MemoryStorage(), new MemoryStorage(), new MemoryStorage()]);
    running.push(...members);
    const applied = members.map(() => [] as Committed[]);
    members.forEach((m, i) => {
      void (async () => {
        for await (const item of m.committed()) applied[i]?.push(item);
      })();
    });
    const leader = await until('a leader', () => leaderOf(members));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => leader.propose(bytes(`cmd-${i}`))),
    );
    const indices = results.map((r) => r.index);
    assert.deepEqual(
      indices,
      [...indices].sort((a, b) => a - b),
      'indices follow the proposal order',
    );
    const last = results.at(-1)?.index ?? 0;
    await until('every member to apply everything', () =>
      applied.every((a) => (a.at(-1)?.index ?? 0) >= last) ? true : undefined,
    );
    const commands = (a: Committed[]): string[] =>
      a.flatMap((c) =>
        c.type === 'entry' && c.command !== null ? [new TextDecoder().decode(c.command)] : [],
      );
    for (const a of applied)
      assert.deepEqual(
        commands(a),
        Array.from({ length: 100 }, (_, i) => `cmd-${i}`),
      );

    const follower = members.find((m) => m !== leader) as RaftMember;
    await assert.rejects(follower.propose(bytes('x')), (error: unknown) => {
      assert.ok(error instanceof NotLeaderError);
      assert.equal(error.code, 'MEMBER_NOT_LEADER');
      assert.equal(error.leaderId, leader.status().id);
      return true;
    });
  });

  it('covers many proposals of one turn with few writes (group commit)', async () => {
    const storages = [new FaultyStorage(), new FaultyStorage(), new FaultyStorage()];
    const members = await startCluster(storages);
    running.push(...members);
    const leader = await until('a leader', () => leaderOf(members));
    const index = members.indexOf(leader);
    const before = (storages[index] as FaultyStorage).writes;
    await Promise.all(Array.from({ length: 500 }, (_, i) => leader.propose(bytes(`g-${i}`))));
    const writes = (storages[index] as FaultyStorage).writes - before;
    assert.ok(writes < 50, `500 proposals took ${writes} leader writes`);
  });

  it('stops for good, with the error, when a storage write fails', async () => {
    const storages = [new FaultyStorage(), new FaultyStorage(), new FaultyStorage()];
    const members = await startCluster(storages);
    running.push(...members);
    const leader = await until('a leader', () => leaderOf(members));
    const storage = storages[members.indexOf(leader)] as FaultyStorage;
    storage.failing = true;
    const proposal = leader.propose(bytes('doomed'));
    await assert.rejects(proposal, MemberStoppedError);
    const failure = await leader.done();
    assert.match(failure?.message ?? '', /EIO: fsync failed/);
    assert.match(leader.status().stopped ?? '', /EIO/);
    await assert.rejects(leader.propose(bytes('after')), MemberStoppedError);
    const writes = storage.writes;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(storage.writes, writes, 'no write is retried after the failure');
    // The others elect a new leader among themselves.
    await until('a new leader', () => leaderOf(members.filter((m) => m !== leader)));
  });

  it('restarts from its storage with its log', async () => {
    const volume = new MemoryVolume();
    const solo = await RaftMember.start({
      id: 1,
      peers: [1],
      storage: new MemoryStorage(volume),
      transport: new MemoryNetwork([1]).transport(1),
      timing,
    });
    await until('a leader', () => (solo.status().role === 'leader' ? true : undefined));
    const { index } = await solo.propose(bytes('kept'));
    await solo.stop();
    const again = await RaftMember.start({
      id: 1,
      peers: [1],
      storage: new MemoryStorage(volume),
      transport: new MemoryNetwork([1]).transport(1),
      timing,
    });
    running.push(again);
    assert.ok(again.status().lastIndex >= index);
  });
  it('confirms reads by ReadIndex on the leader only, after the writes before them, and fails them without a quorum', async () => {
    const members = await startCluster([new MemoryStorage(), new MemoryStorage(), new MemoryStorage()]);
    running.push(...members);
    // A state machine that only consumes: the member needs a reader for what it commits.
    for (const m of members) {
      void (async () => {
        let count = 0;
        for await (const item of m.committed()) count += item.index > 0 ? 1 : 0;
        return count;
      })();
    }
    const leader = await until('a leader', () => leaderOf(members));
    const { index } = await leader.propose(bytes('before the read'));
    const readAt = await leader.readIndex();
    assert.ok(readAt >= index, `the read index ${readAt} covers the write at ${index}`);
    assert.ok(leader.status().applied >= readAt, 'entries through the read index were handed over');
    const follower = members.find((m) => m !== leader) as RaftMember;
    await assert.rejects(follower.readIndex(), NotLeaderError);
    // Without its followers the leader can confirm nothing: the read times out, or fails when it steps down.
    await Promise.all(members.filter((m) => m !== leader).map((m) => m.stop()));
    await assert.rejects(leader.readIndex(300), (error) => {
      assert.ok(error instanceof ReadIndexTimeoutError || error instanceof ReadIndexLostError, String(error));
      return true;
    });
  });

  it('compacts its log into a snapshot the state machine hands it, and restarts from the snapshot and the tail', async () => {
    const volume = new MemoryVolume();
    const start = (): Promise<RaftMember> =>
      RaftMember.start({
        id: 1,
        peers: [1],
        storage: new MemoryStorage(volume),
        transport: new MemoryNetwork([1]).transport(1),
        timing,
      });
    const solo = await start();
    const seen: Committed[] = [];
    void (async () => {
      for await (const item of solo.committed()) seen.push(item);
    })();
    await until('a leader', () => (solo.status().role === 'leader' ? true : undefined));
    let last = 0;
    for (let i = 0; i < 5; i++) last = (await solo.propose(bytes(`c${i}`))).index;
    await until('the entries handed over', () => (seen.some((c) => c.index === last) ? true : undefined));
    assert.throws(() => {
      solo.compact(last + 10, bytes('ahead'));
    }, /applied/);
    solo.compact(last - 1, bytes('state through last-1'));
    await until('the snapshot stored', () => (volume.snapshot?.index === last - 1 ? true : undefined));
    assert.equal(solo.status().snapshotIndex, last - 1);
    assert.ok(
      volume.entries.every((e) => e.index >= last),
      'the entries it covers are dropped',
    );
    await solo.stop();

    const again = await start();
    running.push(again);
    const replay: Committed[] = [];
    void (async () => {
      for await (const item of again.committed()) replay.push(item);
    })();
    await until('the tail replayed', () => (replay.some((c) => c.index >= last) ? true : undefined));
    const [first, second] = replay;
    assert.deepEqual(first, {
      type: 'snapshot',
      index: last - 1,
      term: first?.term,
      data: bytes('state through last-1'),
    });
    assert.ok(second?.type === 'entry' && second.index === last, 'then the entries after the snapshot');
  });
});
