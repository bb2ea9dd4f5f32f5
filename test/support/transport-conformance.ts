// One conformance suite for every Transport (hono-style): the TCP one and the in-memory one run the same tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, NodeId } from '../../src/core/index.js';
import { TransportError } from '../../src/transport/errors.js';
import type { Transport } from '../../src/transport/transport.js';
import { sampleMessages } from './message-arbitraries.js';

/** Started transports for members `ids` (in that order), connected to each other, and how to close them all. */
export interface TransportCluster {
  readonly transports: readonly Transport[];
  close(): Promise<void>;
}

/** Resolves once `condition()` holds; rejects after `timeoutMs` (tests are bounded in time). */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Collects what a transport receives. */
export function inbox(t: Transport): Message[] {
  const got: Message[] = [];
  t.onMessage((m) => got.push(m));
  return got;
}

const heartbeat = (from: NodeId, to: NodeId, n: number): Message => ({
  type: 'Heartbeat',
  term: 1,
  from,
  to,
  commit: n,
  readRound: n,
});

/** Registers the conformance tests for transports made by `make`. */
export function transportConformance(name: string, make: (ids: NodeId[]) => Promise<TransportCluster>): void {
  describe(`Transport conformance: ${name}`, () => {
    const withCluster = async (
      ids: NodeId[],
      body: (ts: readonly Transport[]) => Promise<void>,
    ): Promise<void> => {
      const cluster = await make(ids);
      try {
        await body(cluster.transports);
      } finally {
        await cluster.close();
      }
    };

    test('every message type arrives intact', () =>
      withCluster([1, 2], async ([a, b]) => {
        assert.ok(a && b);
        const got = inbox(b);
        const sent = sampleMessages(1, 2);
        for (const m of sent) a.send(m);
        await waitUntil(() => got.length >= sent.length, 5000, 'all message types');
        assert.deepEqual(got, sent);
      }));

    test('messages between a pair arrive in order', () =>
      withCluster([1, 2], async ([a, b]) => {
        assert.ok(a && b);
        const got = inbox(b);
        for (let n = 0; n < 500; n++) a.send(heartbeat(1, 2, n));
        await waitUntil(() => got.length >= 500, 5000, '500 messages');
        assert.deepEqual(
          got.map((m) => (m.type === 'Heartbeat' ? m.commit : -1)),
          Array.from({ length: 500 }, (_, n) => n),
        );
      }));

    test('three members exchange messages both ways on every pair', () =>
      withCluster([0, 1, 2], async (ts) => {
        const boxes = ts.map((t) => inbox(t));
        for (let from = 0; from < 3; from++) {
          for (let to = 0; to < 3; to++) if (from !== to) ts[from]?.send(heartbeat(from, to, from * 10 + to));
        }
        await waitUntil(() => boxes.every((b) => b.length === 2), 5000, 'two messages at each member');
        for (let to = 0; to < 3; to++) {
          const froms = (boxes[to] ?? []).map((m) => m.from).sort();
          assert.deepEqual(
            froms,
            [0, 1, 2].filter((x) => x !== to),
          );
          for (const m of boxes[to] ?? []) assert.equal(m.to, to);
        }
      }));

    test('a message to an unknown member is refused with a typed error', () =>
      withCluster([1, 2], ([a]) => {
        assert.ok(a);
        assert.throws(
          () => {
            a.send(heartbeat(1, 99, 0));
          },
          (e: unknown) => e instanceof TransportError && e.code === 'TRANSPORT_UNKNOWN_PEER',
        );
        return Promise.resolve();
      }));

    test('after stop, send does nothing and nothing more is delivered', () =>
      withCluster([1, 2], async ([a, b]) => {
        assert.ok(a && b);
        const got = inbox(b);
        a.send(heartbeat(1, 2, 1));
        await waitUntil(() => got.length === 1, 5000, 'the first message');
        await a.stop();
        a.send(heartbeat(1, 2, 2));
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(got.length, 1);
        await a.stop(); // idempotent
      }));
  });
}
