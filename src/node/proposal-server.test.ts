import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { MemoryStorage, type Storage, type StorageWrite } from '../storage/index.js';
import { MemoryNetwork, recordingLogger, type Address } from '../transport/index.js';
import type { Committed } from './committed-queue.js';
import { ProposalClient } from './proposal-client.js';
import { ProposalConnectionError, ProposalRefusedError } from './proposal-errors.js';
import { ProposalServer } from './proposal-server.js';
import { RaftMember } from './raft-member.js';
import { until } from '../../test/support/until.js';

/** Fast ticks: these tests run in one process on a memory network, where 10 ms is plenty. */
const timing = { tickMs: 10 };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

/** A storage whose writes never complete once `stalled` is set: a disk that hangs, so nothing commits. */
class StallingStorage implements Storage {
  stalled = false;
  private readonly inner = new MemoryStorage();
  load(): ReturnType<Storage['load']> {
    return this.inner.load();
  }
  write(batch: StorageWrite): Promise<void> {
    return this.stalled ? new Promise(() => undefined) : this.inner.write(batch);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Resolves when the server closes the raw socket; rejects if it is still open after `timeoutMs`. */
function closedByServer(address: Address, send: Uint8Array, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host, () => {
      socket.write(send);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a connection that sent a malformed frame'));
    }, timeoutMs);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('the proposal port', { timeout: 60_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  async function cluster(size: number, storages?: Storage[]) {
    const ids = Array.from({ length: size }, (_, i) => i + 1);
    const network = new MemoryNetwork(ids);
    const logger = recordingLogger();
    const members = await Promise.all(
      ids.map((id) =>
        RaftMember.start({
          id,
          peers: ids,
          storage: storages?.[id - 1] ?? new MemoryStorage(),
          transport: network.transport(id),
          timing,
        }),
      ),
    );
    cleanup.push(() => Promise.all(members.map((m) => m.stop())).then(() => undefined));
    const servers = await Promise.all(
      members.map((m) =>
        ProposalServer.start(m, { listen: { host: '127.0.0.1', port: 0 }, proposeTimeoutMs: 300, logger }),
      ),
    );
    cleanup.push(() => Promise.all(servers.map((s) => s.close())).then(() => undefined));
    const leader = await until('a leader', () => members.find((m) => m.status().role === 'leader'));
    const at = members.indexOf(leader);
    return { members, servers, leader, leaderServer: servers[at] as ProposalServer, logger };
  }

  async function client(server: ProposalServer): Promise<ProposalClient> {
    const c = await ProposalClient.connect(server.address());
    cleanup.push(() => c.close());
    return c;
  }

  it('resolves many proposals outstanding on one connection with distinct, increasing indexes', async () => {
    const { leader, leaderServer } = await cluster(3);
    const applied: Committed[] = [];
    void (async () => {
      for await (const item of leader.committed()) applied.push(item);
    })();
    const c = await client(leaderServer);
    const proposals = Array.from({ length: 300 }, (_, i) => c.propose(bytes(`p-${i}`)));
    assert.equal(c.outstanding, 300, 'all 300 are outstanding at once on the one connection');
    const results = await Promise.all(proposals);
    assert.equal(c.outstanding, 0);
    const indexes = results.map((r) => r.index);
    assert.equal(new Set(indexes).size, 300, 'distinct indexes');
    for (let k = 1; k < indexes.length; k++) {
      assert.ok((indexes[k] as number) > (indexes[k - 1] as number), 'indexes follow the sending order');
    }
    // Each answer names the entry that carries its command.
    const byIndex = new Map(applied.flatMap((a) => (a.type === 'entry' ? [[a.index, a] as const] : [])));
    results.forEach((r, i) => {
      const entry = byIndex.get(r.index);
      assert.equal(text(entry?.type === 'entry' ? entry.command : null), `p-${i}`);
      assert.equal(entry?.term, r.term);
    });
  });

  it('answers not_leader on a follower, naming the leader', async () => {
    const { members, servers, leader } = await cluster(3);
    const at = members.findIndex((m) => m !== leader);
    const c = await client(servers[at] as ProposalServer);
    await assert.rejects(c.propose(bytes('x')), (error: unknown) => {
      assert.ok(error instanceof ProposalRefusedError);
      assert.equal(error.reason, 'not_leader');
      assert.equal(error.leader, leader.status().id);
      assert.equal(error.retryable, true);
      return true;
    });
  });

  it('closes a connection that sends a malformed or oversized frame, logs why, and the member carries on', async () => {
    const { leader, leaderServer, logger } = await cluster(3);
    const before = leader.status();
    const good = await client(leaderServer);
    const inFlight = Array.from({ length: 50 }, (_, i) => good.propose(bytes(`g-${i}`)));
    await Promise.all([
      // version 1, tag 99: no such request.
      closedByServer(leaderServer.address(), Uint8Array.of(0, 0, 0, 3, 1, 99, 0)),
      // A Propose whose command length runs past the frame.
      closedByServer(leaderServer.address(), Uint8Array.of(0, 0, 0, 5, 1, 80, 1, 9, 0)),
      // A length prefix of 2 GiB: refused from the prefix alone.
      closedByServer(leaderServer.address(), Uint8Array.of(0x80, 0, 0, 0)),
      // Not even a frame: text.
      closedByServer(leaderServer.address(), bytes('POST /propose HTTP/1.1\r\n\r\n')),
    ]);
    const reasons = logger.records.map((r) => r.message).join('\n');
    for (const code of ['CODEC_UNKNOWN_TYPE', 'CODEC_TRUNCATED', 'CODEC_FRAME_TOO_LARGE']) {
      assert.match(reasons, new RegExp(`closing proposal connection: ${code}`));
    }
    // The good connection's proposals all commit; the member kept its leadership and term.
    assert.equal((await Promise.all(inFlight)).length, 50);
    await good.propose(bytes('after'));
    const now = leader.status();
    assert.equal(now.role, 'leader');
    assert.equal(now.term, before.term);
  });

  it('answers timeout when the commit does not come, dropped past the per-connection bound, and fails pending proposals when the connection closes', async () => {
    const storage = new StallingStorage();
    const ids = [1];
    const member = await RaftMember.start({
      id: 1,
      peers: ids,
      storage,
      transport: new MemoryNetwork(ids).transport(1),
      timing,
    });
    cleanup.push(() => member.stop());
    await until('a leader', () => (member.status().role === 'leader' ? true : undefined));
    const server = await ProposalServer.start(member, {
      listen: { host: '127.0.0.1', port: 0 },
      proposeTimeoutMs: 200,
      maxOutstandingPerConnection: 2,
    });
    cleanup.push(() => server.close());
    const c = await client(server);
    storage.stalled = true;
    const started = Date.now();
    const outcomes = await Promise.allSettled([
      c.propose(bytes('a')),
      c.propose(bytes('b')),
      c.propose(bytes('c')),
    ]);
    const reasons = outcomes.map((o) =>
      o.status === 'rejected' && o.reason instanceof ProposalRefusedError ? o.reason.reason : o.status,
    );
    assert.deepEqual(reasons, ['timeout', 'timeout', 'dropped']);
    assert.ok(Date.now() - started >= 190, 'not before the timeout');
    // A proposal outstanding when the connection goes: its outcome is unknown to the client.
    const pending = c.propose(bytes('d'));
    assert.equal(c.outstanding, 1);
    await server.close();
    await assert.rejects(pending, ProposalConnectionError);
    await assert.rejects(c.propose(bytes('e')), ProposalConnectionError);
  });
});
