// Real processes, real disks: proposals from concurrent clients survive kill -9 of the leader, and of everyone.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Entry } from '../../src/core/index.js';
import { payloadOf, runClients, TestCluster, until, type Ack } from './member-processes.js';

/** Every acknowledged proposal is in `log` exactly once, at the index and term it was acknowledged with. */
function checkAcked(
  name: string,
  log: readonly Entry[],
  acks: readonly Ack[],
  unknown: readonly string[],
): void {
  const seen = new Map<string, number>();
  for (const entry of log) {
    const payload = payloadOf(entry);
    if (payload === null) continue;
    assert.equal(
      seen.has(payload),
      false,
      `${name}: ${payload} appears twice (indices ${seen.get(payload)} and ${entry.index})`,
    );
    seen.set(payload, entry.index);
  }
  const first = log[0]?.index ?? 1;
  for (const ack of acks) {
    const entry = log[ack.index - first];
    assert.ok(entry !== undefined, `${name}: acknowledged ${ack.payload} at ${ack.index} is missing`);
    assert.equal(payloadOf(entry), ack.payload, `${name}: index ${ack.index} holds another entry`);
    assert.equal(entry.term, ack.term, `${name}: index ${ack.index} has another term`);
  }
  // Proposals whose outcome was unknown may or may not be there (never twice: checked above); nothing else may be.
  const proposed = new Set([...acks.map((a) => a.payload), ...unknown]);
  for (const payload of seen.keys())
    assert.ok(proposed.has(payload), `${name}: ${payload} was never proposed`);
}

/** The logs of every member, read back from their storage once they are all stopped; they must be identical. */
async function checkLogs(
  cluster: TestCluster,
  acks: readonly Ack[],
  unknown: readonly string[],
): Promise<number> {
  const logs = await Promise.all(cluster.members.map((m) => cluster.readLog(m.id)));
  const reference = logs[0] as readonly Entry[];
  logs.forEach((log, i) => {
    checkAcked(`member ${i + 1}`, log, acks, unknown);
    assert.equal(log.length, reference.length, `member ${i + 1}'s log length differs from member 1's`);
    log.forEach((entry, j) => {
      const other = reference[j] as Entry;
      assert.equal(entry.index, other.index);
      assert.equal(entry.term, other.term, `member ${i + 1} disagrees with member 1 at index ${entry.index}`);
      assert.equal(payloadOf(entry), payloadOf(other), `member ${i + 1} disagrees at index ${entry.index}`);
    });
  });
  return reference.length;
}

describe('member processes under kill -9', { timeout: 120_000 }, () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
  });

  it('keeps every acknowledged proposal, once and in order, when the leader is killed and restarted', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    cluster.startAll();
    const leader = await cluster.waitLeader(20_000);
    // Set from the clients' callback, midway: the kill, and the watch for the next leader.
    const chaos: { killing?: Promise<void>; newLeader?: Promise<{ id: number; ms: number }> } = {};
    const { acks, unknown } = await runClients(cluster, {
      clients: 16,
      total: 1000,
      prefix: 'a',
      deadlineMs: 60_000,
      onAck: (_ack, acked) => {
        if (acked !== 500 || chaos.killing !== undefined) return;
        const killedAt = Date.now();
        chaos.killing = cluster.kill9(leader.id);
        const others = cluster.members.map((m) => m.id).filter((id) => id !== leader.id);
        chaos.newLeader = until(
          'a new leader after the kill',
          10_000,
          async () => {
            const found = (await cluster.statuses(others)).find(
              (s) => s.role === 'leader' && s.term > leader.term,
            );
            return found === undefined ? undefined : { id: found.id, ms: Date.now() - killedAt };
          },
          10,
        );
      },
    });
    assert.ok(chaos.killing !== undefined && chaos.newLeader !== undefined, 'the leader was killed midway');
    await chaos.killing;
    const elected = await chaos.newLeader;
    console.log(`new leader ${elected.id} within ${elected.ms} ms of kill -9 of ${leader.id}`);
    assert.ok(elected.ms < 2_000, `a new leader took ${elected.ms} ms (over 2 s)`);
    assert.ok(acks.length >= 900, `only ${acks.length} of 1000 proposals were acknowledged`);

    cluster.start(leader.id);
    const maxAck = Math.max(...acks.map((a) => a.index));
    await cluster.waitConverged(30_000, maxAck);
    for (const m of cluster.members)
      assert.equal(await cluster.stop(m.id), 0, `member ${m.id} stops cleanly`);
    const length = await checkLogs(cluster, acks, unknown);
    console.log(
      `${acks.length} acknowledged, ${unknown.length} unknown, ${length} entries on each of 3 logs`,
    );
  });

  it('loses nothing acknowledged when every member is killed at once mid-stream', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    cluster.startAll();
    await cluster.waitLeader(20_000);
    const chaos: { killAll?: Promise<unknown> } = {};
    const { acks, unknown } = await runClients(cluster, {
      clients: 16,
      total: 100_000,
      prefix: 'b',
      deadlineMs: 60_000,
      stop: () => chaos.killAll !== undefined,
      onAck: (_ack, acked) => {
        if (acked === 300 && chaos.killAll === undefined) {
          chaos.killAll = Promise.all(cluster.members.map((m) => cluster.kill9(m.id)));
        }
      },
    });
    assert.ok(chaos.killAll !== undefined);
    await chaos.killAll;
    // Straight from the disks of the dead: every acknowledged entry is durable on a majority.
    const logs = await Promise.all(cluster.members.map((m) => cluster.readLog(m.id)));
    for (const ack of acks) {
      const holders = logs.filter((log) => {
        const entry = log[ack.index - (log[0]?.index ?? 1)];
        return entry !== undefined && payloadOf(entry) === ack.payload && entry.term === ack.term;
      });
      assert.ok(
        holders.length >= 2,
        `${ack.payload} (index ${ack.index}) is on ${holders.length} disks only`,
      );
    }
    cluster.startAll();
    await cluster.waitLeader(20_000);
    await cluster.waitConverged(30_000, Math.max(...acks.map((a) => a.index)));
    for (const m of cluster.members) assert.equal(await cluster.stop(m.id), 0);
    const length = await checkLogs(cluster, acks, unknown);
    console.log(`${acks.length} acknowledged before the crash, ${length} entries on each log after restart`);
  });
});
