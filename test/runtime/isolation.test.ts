// Strangers on the peer port and members started with the wrong --peers cannot disturb a running cluster.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeHello, frameBody } from '../../src/transport/index.js';
import { freePorts, runClients, spawnRaftTs, TestCluster, until, type Status } from './member-processes.js';

/** Opens a connection to `port`, writes `bytes`, and resolves when the member closes it (or after 3 s). */
function poke(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 3_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('isolation from strangers and misconfigured members', { timeout: 60_000 }, () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
  });

  it('keeps its leader and term, and keeps committing', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    cluster.startAll();
    const leader = await cluster.waitLeader(20_000);

    // Two misconfigured members: member 2 again, with a different address list; and a member 4 the cluster lacks.
    const [rogue2Peer, rogue2Client, rogue4Peer, rogue4Client] = (await freePorts(4)) as [
      number,
      number,
      number,
      number,
    ];
    const real = (id: number): string => `${id}=127.0.0.1:${cluster.member(id).peerPort}`;
    const rogues = [
      { id: 2, client: rogue2Client, peers: [real(1), `2=127.0.0.1:${rogue2Peer}`, real(3)] },
      { id: 4, client: rogue4Client, peers: [real(1), real(2), real(3), `4=127.0.0.1:${rogue4Peer}`] },
    ];
    const rogueProcesses = rogues.map((r) =>
      spawnRaftTs(
        [
          'node',
          '--id',
          String(r.id),
          '--peers',
          r.peers.join(','),
          '--client',
          `127.0.0.1:${r.client}`,
          '--data-dir',
          join(cluster.root, `rogue-${r.id}`),
          '--log-level',
          'warn',
        ],
        join(cluster.root, `rogue-${r.id}.log`),
      ),
    );
    try {
      const rogueStatus = async (port: number): Promise<Status> =>
        (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Status;
      // Each rogue has campaigned at least once (its election timer fired) and found nobody to vote for it.
      await until('the rogues to campaign', 30_000, async () => {
        const all = await Promise.all(rogues.map((r) => rogueStatus(r.client)));
        return all.every((s) => s.role === 'precandidate' || s.term > 0) ? all : undefined;
      });

      // Strangers on every peer port: garbage, an oversized length prefix, a handshake from another cluster.
      const strangerFrames = [
        new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
        frameBody(encodeHello({ clusterId: 'raft-ts', from: 2, to: 1 })),
      ];
      await Promise.all(
        cluster.members.flatMap((m) => strangerFrames.map((bytes) => poke(m.peerPort, bytes))),
      );

      const { acks } = await runClients(cluster, { clients: 4, total: 200, prefix: 'd', deadlineMs: 30_000 });
      assert.equal(acks.length, 200, 'every proposal committed');
      const statuses = await cluster.statuses();
      assert.equal(statuses.length, 3);
      for (const s of statuses) {
        assert.equal(s.term, leader.term, `member ${s.id}'s term moved: the cluster was disturbed`);
        assert.equal(s.leader, leader.id, `member ${s.id} follows another leader`);
      }
      for (const r of rogues) {
        const s = await rogueStatus(r.client);
        assert.notEqual(s.role, 'leader', `rogue ${r.id} became leader`);
        assert.equal(s.commit, 0, `rogue ${r.id} learnt committed entries`);
      }
    } finally {
      for (const p of rogueProcesses) p.kill('SIGKILL');
    }
  });
});
