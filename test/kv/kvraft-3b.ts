/**
 * Part 3B of the kvraft lab's test_test.go (the key/value service with snapshots), ported line by line, in the
 * lab's order. Every wait is in virtual time.
 */
import { type LabTest, labTest } from '../../src/lab/index.js';
import { type KvServerOptions, makeKvConfig } from '../../src/kv/lab/index.js';
import { genericTest, genericTestSpeed, type GenericOptions } from './generic-test.js';
import { check, ELECTION_TIMEOUT, put } from './kv-helpers.js';

/** The 3B tests' bound on persisted Raft state: servers snapshot when it nears this many bytes. */
const MAXRAFTSTATE = 1000;

const base: GenericOptions = {
  part: '3B',
  nclients: 1,
  nservers: 5,
  unreliable: false,
  crash: false,
  partitions: false,
  maxraftstate: MAXRAFTSTATE,
  randomkeys: false,
};

/** Part 3B's tests, their servers started with `server` (a read strategy, say). */
export function testsWith(server: KvServerOptions): readonly LabTest[] {
  /** A generic 3B test: the base options with some changed. */
  const generic = (name: string, changes: Partial<GenericOptions>): LabTest =>
    labTest(name, (t) => genericTest(t, { ...base, server, ...changes }));

  return [
    labTest('TestSnapshotRPC3B', async (t) => {
      const nservers = 3;
      const maxraftstate = MAXRAFTSTATE;
      const cfg = makeKvConfig(t, { servers: nservers, maxraftstate, server });

      const ck = cfg.makeClient(cfg.all());

      cfg.begin('Test: InstallSnapshot RPC (3B)');

      await put(cfg, ck, 'a', 'A', null, -1);
      await check(cfg, ck, 'a', 'A');

      // a bunch of puts into the majority partition.
      cfg.partition([0, 1], [2]);
      {
        const ck1 = cfg.makeClient([0, 1]);
        for (let i = 0; i < 50; i++) await put(cfg, ck1, String(i), String(i), null, -1);
        await cfg.sleep(ELECTION_TIMEOUT);
        await put(cfg, ck1, 'b', 'B', null, -1);
      }

      // check that the majority partition has thrown away most of its log entries.
      const sz = cfg.logSize();
      if (sz > 8 * maxraftstate) cfg.fatal(`logs were not trimmed (${sz} > 8*${maxraftstate})`);

      // now make group that requires participation of lagging server, so that it has to catch up.
      cfg.partition([0, 2], [1]);
      {
        const ck1 = cfg.makeClient([0, 2]);
        await put(cfg, ck1, 'c', 'C', null, -1);
        await put(cfg, ck1, 'd', 'D', null, -1);
        await check(cfg, ck1, 'a', 'A');
        await check(cfg, ck1, 'b', 'B');
        await check(cfg, ck1, '1', '1');
        await check(cfg, ck1, '49', '49');
      }

      // now everybody
      cfg.partition([0, 1, 2], []);

      await put(cfg, ck, 'e', 'E', null, -1);
      await check(cfg, ck, 'c', 'C');
      await check(cfg, ck, 'e', 'E');
      await check(cfg, ck, '1', '1');

      cfg.end();
    }),

    // are the snapshots not too huge? 500 bytes is a generous bound for the operations we're doing here.
    labTest('TestSnapshotSize3B', async (t) => {
      const nservers = 3;
      const maxraftstate = MAXRAFTSTATE;
      const maxsnapshotstate = 500;
      const cfg = makeKvConfig(t, { servers: nservers, maxraftstate, server });

      const ck = cfg.makeClient(cfg.all());

      cfg.begin('Test: snapshot size is reasonable (3B)');

      for (let i = 0; i < 200; i++) {
        await put(cfg, ck, 'x', '0', null, -1);
        await check(cfg, ck, 'x', '0');
        await put(cfg, ck, 'x', '1', null, -1);
        await check(cfg, ck, 'x', '1');
      }

      // check that servers have thrown away most of their log entries
      const sz = cfg.logSize();
      if (sz > 8 * maxraftstate) cfg.fatal(`logs were not trimmed (${sz} > 8*${maxraftstate})`);

      // check that the snapshots are not unreasonably large
      const ssz = cfg.snapshotSize();
      if (ssz > maxsnapshotstate) cfg.fatal(`snapshot too large (${ssz} > ${maxsnapshotstate})`);

      cfg.end();
    }),

    // Test: ops complete fast enough (3B)
    labTest('TestSpeed3B', (t) => genericTestSpeed(t, '3B', MAXRAFTSTATE, server)),

    // Test: restarts, snapshots, one client (3B)
    generic('TestSnapshotRecover3B', { crash: true }),

    // Test: restarts, snapshots, many clients (3B)
    generic('TestSnapshotRecoverManyClients3B', { nclients: 20, crash: true }),

    // Test: unreliable net, snapshots, many clients (3B)
    generic('TestSnapshotUnreliable3B', { nclients: 5, unreliable: true }),

    // Test: unreliable net, restarts, snapshots, many clients (3B)
    generic('TestSnapshotUnreliableRecover3B', { nclients: 5, unreliable: true, crash: true }),

    // Test: unreliable net, restarts, partitions, snapshots, many clients (3B)
    generic('TestSnapshotUnreliableRecoverConcurrentPartition3B', {
      nclients: 5,
      unreliable: true,
      crash: true,
      partitions: true,
    }),

    // Test: unreliable net, restarts, partitions, snapshots, random keys, many clients (3B)
    generic('TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B', {
      nclients: 15,
      nservers: 7,
      unreliable: true,
      crash: true,
      partitions: true,
      randomkeys: true,
    }),
  ];
}

/** Part 3B's tests, with the servers' defaults. */
export const tests: readonly LabTest[] = testsWith({});
