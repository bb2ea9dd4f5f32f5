import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import type { Message, NodeId } from '../core/index.js';
import { inbox, transportConformance, waitUntil } from '../../test/support/transport-conformance.js';
import type { Address } from './address.js';
import { encodeFrame, frameBody } from './frame.js';
import { encodeHello } from './handshake.js';
import { TransportError } from './errors.js';
import { recordingLogger, type Logger } from './logger.js';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';

const HOST = '127.0.0.1';
const CLUSTER = 'test-cluster';
const fastBackoff = { initialMs: 10, maxMs: 50, random: () => 0.5 };

function makeTransport(
  id: NodeId,
  members: ReadonlyMap<NodeId, Address>,
  extra: Partial<TcpTransportOptions> = {},
): TcpTransport {
  return new TcpTransport({
    id,
    clusterId: CLUSTER,
    members,
    listen: members.get(id) ?? { host: HOST, port: 0 },
    backoff: fastBackoff,
    connectTimeoutMs: 1000,
    ...extra,
  });
}

/** Starts members `ids` on ephemeral ports, then tells each where the others listen. */
async function startCluster(
  ids: NodeId[],
  logger?: Logger,
  extra: Partial<TcpTransportOptions> = {},
): Promise<TcpTransport[]> {
  const placeholder = new Map(ids.map((id) => [id, { host: HOST, port: 0 }]));
  const ts = ids.map((id) =>
    makeTransport(id, placeholder, logger === undefined ? extra : { logger, ...extra }),
  );
  for (const t of ts) await t.start();
  for (const t of ts) {
    ids.forEach((id, k) => {
      const other = ts[k];
      if (other !== t && other !== undefined) t.setPeerAddress(id, other.address());
    });
  }
  return ts;
}

async function stopAll(ts: readonly TcpTransport[]): Promise<void> {
  for (const t of ts) await t.stop();
}

/** A port nobody listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return address.port;
}

const heartbeat = (from: NodeId, to: NodeId, n: number): Message => ({
  type: 'Heartbeat',
  term: 1,
  from,
  to,
  commit: n,
  readRound: n,
});

transportConformance('tcp', async (ids) => {
  const transports = await startCluster(ids);
  return { transports, close: () => stopAll(transports) };
});

describe('TcpTransport', () => {
  test('reconnects after the peer restarts, and delivers what was queued meanwhile', async () => {
    const [a, b] = await startCluster([1, 2]);
    assert.ok(a && b);
    const port = b.address().port;
    let b2: TcpTransport | null = null;
    try {
      const gotB = inbox(b);
      a.send(heartbeat(1, 2, 1));
      await waitUntil(() => gotB.length === 1, 5000, 'first message');
      const unreachable: NodeId[] = [];
      a.onPeerUnreachable((p) => unreachable.push(p));
      await b.stop();
      await waitUntil(() => unreachable.length > 0, 5000, 'peer reported unreachable');
      assert.equal(a.stats(2).connected, false);
      for (let n = 2; n <= 5; n++) a.send(heartbeat(1, 2, n));

      const members = new Map([
        [1, a.address()],
        [2, { host: HOST, port }],
      ]);
      b2 = makeTransport(2, members);
      const gotB2 = inbox(b2);
      const gotA = inbox(a);
      await b2.start();
      await waitUntil(() => gotB2.length === 4, 5000, 'queued messages after restart');
      assert.deepEqual(
        gotB2.map((m) => (m.type === 'Heartbeat' ? m.commit : -1)),
        [2, 3, 4, 5],
      );
      b2.send(heartbeat(2, 1, 9));
      await waitUntil(() => gotA.length === 1, 5000, 'a reply from the restarted peer');
      assert.ok(a.stats(2).connections >= 2);
    } finally {
      await stopAll([a, b]);
      await b2?.stop();
    }
  });

  test('a dead peer cannot grow the queue: it drops the oldest and counts the drops', async () => {
    const port = await freePort();
    const members = new Map([
      [1, { host: HOST, port: 0 }],
      [2, { host: HOST, port }],
    ]);
    const a = makeTransport(1, members, { queue: { maxMessages: 10, maxBytes: 1 << 20 } });
    let b: TcpTransport | null = null;
    try {
      const unreachable: NodeId[] = [];
      a.onPeerUnreachable((p) => unreachable.push(p));
      await a.start();
      for (let n = 0; n < 100; n++) a.send(heartbeat(1, 2, n));
      const stats = a.stats(2);
      assert.equal(stats.queuedMessages, 10);
      assert.equal(stats.dropped, 90);
      await waitUntil(() => unreachable.length >= 2, 5000, 'unreachable reports');
      assert.ok(unreachable.every((p) => p === 2));

      // The peer comes up: it gets the 10 newest, in order.
      b = makeTransport(
        2,
        new Map([
          [1, a.address()],
          [2, { host: HOST, port }],
        ]),
      );
      const got = inbox(b);
      await b.start();
      await waitUntil(() => got.length === 10, 5000, 'the newest ten');
      assert.deepEqual(
        got.map((m) => (m.type === 'Heartbeat' ? m.commit : -1)),
        Array.from({ length: 10 }, (_, k) => 90 + k),
      );
      assert.equal(a.stats(2).queuedMessages, 0);
    } finally {
      await a.stop();
      await b?.stop();
    }
  });

  describe('strangers are disconnected and the transport keeps working', () => {
    const hello = (clusterId: string, from: number, to: number): Uint8Array =>
      frameBody(encodeHello({ clusterId, from, to }));
    const cases: { name: string; bytes: (to: number) => Uint8Array[]; reason: RegExp }[] = [
      { name: 'an unknown member id', bytes: (to) => [hello(CLUSTER, 9, to)], reason: /not a peer/ },
      { name: 'its own id', bytes: (to) => [hello(CLUSTER, to, to)], reason: /not a peer/ },
      { name: 'the wrong cluster', bytes: (to) => [hello('other', 2, to)], reason: /cluster/ },
      { name: 'a handshake for another member', bytes: () => [hello(CLUSTER, 2, 3)], reason: /addressed/ },
      {
        name: 'garbage bytes',
        bytes: () => [Uint8Array.from('GET / HTTP/1.1\r\n\r\n', (c) => c.charCodeAt(0))],
        reason: /CODEC_/,
      },
      {
        name: 'an oversized length prefix',
        bytes: () => [Uint8Array.of(0x7f, 0xff, 0xff, 0xff)],
        reason: /TOO_LARGE/,
      },
      {
        name: 'an oversized frame after the handshake',
        bytes: (to) => [hello(CLUSTER, 2, to), Uint8Array.of(0x7f, 0xff, 0xff, 0xff)],
        reason: /TOO_LARGE/,
      },
      {
        name: 'a wrong version after the handshake',
        bytes: (to) => [hello(CLUSTER, 2, to), Uint8Array.of(0, 0, 0, 2, 9, 9)],
        reason: /BAD_VERSION/,
      },
      {
        name: 'a message with a forged sender',
        bytes: (to) => [hello(CLUSTER, 2, to), encodeFrame(heartbeat(3, to, 1))],
        reason: /connection of 2/,
      },
      {
        name: 'a malformed message',
        bytes: (to) => [hello(CLUSTER, 2, to), frameBody(Uint8Array.of(1, 5, 1, 2, to, 0x80))],
        reason: /CODEC_TRUNCATED/,
      },
      {
        name: 'a truncated frame, then the end of the stream',
        bytes: (to) => [hello(CLUSTER, 2, to), encodeFrame(heartbeat(2, to, 1)).subarray(0, 5)],
        reason: /./,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const logger = recordingLogger();
        const ts = await startCluster([1, 2, 3], logger);
        const [a, b] = ts;
        assert.ok(a && b);
        let stranger: Socket | null = null;
        try {
          const got = inbox(a);
          stranger = connect({ host: HOST, port: a.address().port });
          const closed = new Promise<void>((resolve) =>
            stranger?.on('close', () => {
              resolve();
            }),
          );
          stranger.on('error', () => undefined);
          stranger.resume(); // read (and ignore) the handshake reply, or the socket never sees its end
          for (const bytes of c.bytes(1)) stranger.write(bytes);
          if (c.name.startsWith('a truncated')) stranger.end();
          await closed;
          const truncated = c.name.startsWith('a truncated');
          if (!truncated) {
            assert.ok(
              logger.records.some((r) => r.level === 'warn' && c.reason.test(r.message)),
              `a warning matching ${String(c.reason)} in ${JSON.stringify(logger.records.map((r) => r.message))}`,
            );
          }
          // Nothing from the stranger was delivered, and the real peers still get through.
          b.send(heartbeat(2, 1, 42));
          await waitUntil(() => got.length === 1, 5000, 'a message from a real peer');
          assert.equal(got[0]?.from, 2);
        } finally {
          stranger?.destroy();
          await stopAll(ts);
        }
      });
    }
  });

  test('a stranger that says nothing is closed after the handshake timeout', async () => {
    const members = new Map([
      [1, { host: HOST, port: 0 }],
      [2, { host: HOST, port: 0 }],
    ]);
    const logger = recordingLogger();
    const a = makeTransport(1, members, { connectTimeoutMs: 100, logger });
    await a.start();
    const s = connect({ host: HOST, port: a.address().port });
    try {
      s.on('error', () => undefined);
      await new Promise<void>((resolve) =>
        s.on('close', () => {
          resolve();
        }),
      );
      assert.ok(logger.records.some((r) => /no handshake/.test(r.message)));
    } finally {
      s.destroy();
      await a.stop();
    }
  });

  test('connections without a handshake are capped; the members still get through', async () => {
    // A long handshake timeout, so that only the connections over the cap close during the test.
    const ts = await startCluster([1, 2], undefined, { connectTimeoutMs: 30_000 });
    const [a, b] = ts;
    assert.ok(a && b);
    const sockets: Socket[] = [];
    try {
      let closed = 0;
      for (let k = 0; k < 70; k++) {
        const s = connect({ host: HOST, port: a.address().port });
        s.on('error', () => undefined);
        s.on('close', () => {
          closed++;
        });
        sockets.push(s);
      }
      await waitUntil(() => closed >= 6, 5000, 'the connections over the cap closed');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(closed < 70, 'the ones under the cap wait for their handshake');
      const got = inbox(a);
      b.send(heartbeat(2, 1, 7));
      await waitUntil(() => got.length === 1, 5000, 'a message from a real peer');
    } finally {
      for (const s of sockets) s.destroy();
      await stopAll(ts);
    }
  });

  test('a handler that throws is logged and does not break the connection', async () => {
    const logger = recordingLogger();
    const ts = await startCluster([1, 2], logger);
    const [a, b] = ts;
    assert.ok(a && b);
    try {
      let calls = 0;
      b.onMessage(() => {
        calls++;
        if (calls === 1) throw new Error('boom');
      });
      a.send(heartbeat(1, 2, 1));
      a.send(heartbeat(1, 2, 2));
      await waitUntil(() => calls === 2, 5000, 'both messages');
      assert.ok(logger.records.some((r) => r.level === 'error' && /handler threw/.test(r.message)));
    } finally {
      await stopAll(ts);
    }
  });

  test('a dialled address that answers for another member is not trusted', async () => {
    // A listener at member 3's address answers the handshake as member 2: 1 must not send 3's messages there.
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const impostor = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        socket.write(frameBody(encodeHello({ clusterId: CLUSTER, from: 2, to: 1 })));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => impostor.listen(0, HOST, resolve));
    const address = impostor.address();
    assert.ok(address !== null && typeof address === 'object');
    const logger = recordingLogger();
    const a = makeTransport(
      1,
      new Map([
        [1, { host: HOST, port: 0 }],
        [3, { host: HOST, port: address.port }],
      ]),
      { logger },
    );
    try {
      await a.start();
      a.send(heartbeat(1, 3, 1));
      await waitUntil(
        () => logger.records.some((r) => /is not from peer 3/.test(r.message)),
        5000,
        'the refused reply',
      );
      assert.equal(a.stats(3).connected, false);
      assert.equal(a.stats(3).sent, 0);
      // The impostor only ever saw handshakes (each 4 + 14 bytes), never the heartbeat.
      for (const chunk of received) assert.equal(chunk[5], 64);
    } finally {
      await a.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        impostor.close(() => {
          resolve();
        }),
      );
    }
  });

  test('bad configuration is refused with typed errors, a busy port included', async () => {
    const isBadConfig = (e: unknown): boolean =>
      e instanceof TransportError && e.code === 'TRANSPORT_BAD_CONFIG';
    assert.throws(() => makeTransport(5, new Map([[1, { host: HOST, port: 0 }]])), isBadConfig);
    assert.throws(
      () =>
        makeTransport(
          1,
          new Map([
            [1, { host: HOST, port: 0 }],
            [2, { host: HOST, port: 70000 }],
          ]),
        ),
      isBadConfig,
    );
    const members = new Map([
      [1, { host: HOST, port: 0 }],
      [2, { host: HOST, port: 0 }],
    ]);
    const a = makeTransport(1, members);
    await a.start();
    const busy = makeTransport(2, new Map([...members, [2, a.address()]]));
    try {
      assert.throws(() => {
        a.setPeerAddress(2, { host: HOST, port: -1 });
      }, isBadConfig);
      await assert.rejects(busy.start(), isBadConfig);
    } finally {
      await busy.stop();
      await a.stop();
    }
  });
});
