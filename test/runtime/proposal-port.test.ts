// The binary proposal port of `raft-ts node --propose`, on real member processes: pipelined proposals on one
// connection commit durably on every member, a follower names the leader, and garbage on the port changes nothing.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { ProposalClient, ProposalRefusedError } from '../../src/node/index.js';
import { freePorts, TestCluster } from './member-processes.js';

/** Writes `bytes` to the port and resolves true when the member closes the connection (false after 3 s). */
function closedByMember(port: number, bytes: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 3_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('the proposal port of raft-ts node', { timeout: 60_000 }, () => {
  const clusters: TestCluster[] = [];
  const clients: ProposalClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(clusters.map((c) => c.destroy()));
  });

  it('commits pipelined proposals from one connection on every member, in order', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    const proposePorts = await freePorts(3);
    const proposePort = (id: number): number => proposePorts[id - 1] as number;
    for (const m of cluster.members) cluster.start(m.id, ['--propose', `127.0.0.1:${proposePort(m.id)}`]);
    const leader = await cluster.waitLeader(20_000);

    const follower = cluster.members.find((m) => m.id !== leader.id)?.id ?? 0;
    const toFollower = await ProposalClient.connect({ host: '127.0.0.1', port: proposePort(follower) });
    clients.push(toFollower);
    await assert.rejects(toFollower.propose(new Uint8Array(1)), (error: unknown) => {
      assert.ok(error instanceof ProposalRefusedError);
      assert.equal(error.reason, 'not_leader');
      assert.equal(error.leader, leader.id);
      return true;
    });

    const c = await ProposalClient.connect({ host: '127.0.0.1', port: proposePort(leader.id) });
    clients.push(c);
    const payload = (i: number): Uint8Array => new TextEncoder().encode(`pipelined-${i}`);
    const pending = Array.from({ length: 500 }, (_, i) => c.propose(payload(i)));
    // Garbage on another connection to the same port meanwhile: that connection closes, nothing else changes.
    assert.equal(await closedByMember(proposePort(leader.id), Uint8Array.of(0, 0, 0, 3, 1, 99, 0)), true);
    const results = await Promise.all(pending);
    for (let k = 1; k < results.length; k++) {
      assert.ok((results[k]?.index ?? 0) > (results[k - 1]?.index ?? 0), 'increasing indexes');
    }
    const last = results.at(-1)?.index ?? 0;
    await cluster.waitConverged(20_000, last);
    const after = await cluster.status(leader.id);
    assert.equal(after.role, 'leader');
    assert.equal(after.term, leader.term);

    // Every acknowledged proposal is in every member's log on disk, at its index and term.
    await Promise.all(cluster.members.map((m) => cluster.stop(m.id)));
    for (const m of cluster.members) {
      const log = await cluster.readLog(m.id);
      const byIndex = new Map(log.map((e) => [e.index, e]));
      results.forEach((r, i) => {
        const entry = byIndex.get(r.index);
        assert.equal(entry?.term, r.term, `member ${m.id}, index ${r.index}`);
        assert.deepEqual(entry.command, payload(i));
      });
    }
  });
});
