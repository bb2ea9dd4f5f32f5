import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inbox, transportConformance, waitUntil } from '../../test/support/transport-conformance.js';
import { MemoryNetwork } from './memory-transport.js';

transportConformance('memory', async (ids) => {
  const network = new MemoryNetwork(ids);
  const transports = ids.map((id) => network.transport(id));
  for (const t of transports) await t.start();
  return {
    transports,
    close: async () => {
      for (const t of transports) await t.stop();
    },
  };
});

test('memory: a message to a stopped member reports it unreachable', async () => {
  const network = new MemoryNetwork([1, 2]);
  const a = network.transport(1);
  const b = network.transport(2);
  await a.start();
  const unreachable: number[] = [];
  a.onPeerUnreachable((p) => unreachable.push(p));
  const got = inbox(b);
  a.send({ type: 'TimeoutNow', term: 1, from: 1, to: 2 });
  await waitUntil(() => unreachable.length === 1);
  assert.deepEqual(unreachable, [2]);
  assert.equal(got.length, 0);
  await a.stop();
});
