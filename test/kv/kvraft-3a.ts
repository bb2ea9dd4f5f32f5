/**
 * Part 3A of the kvraft lab's test_test.go (the key/value service without snapshots), ported line by line, in
 * the lab's order. Every wait is in virtual time.
 */
import { type LabTest, labTest } from '../../src/lab/index.js';
import { type KvServerOptions, makeKvConfig } from '../../src/kv/lab/index.js';
import { genericTest, genericTestSpeed, type GenericOptions } from './generic-test.js';
import {
  append,
  check,
  checkConcurrentAppends,
  ELECTION_TIMEOUT,
  get,
  put,
  spawnClientsAndWait,
} from './kv-helpers.js';

const base: GenericOptions = {
  part: '3A',
  nclients: 1,
  nservers: 5,
  unreliable: false,
  crash: false,
  partitions: false,
  maxraftstate: -1,
  randomkeys: false,
};

/** Part 3A's tests, their servers started with `server` (a read strategy, say). */
export function testsWith(server: KvServerOptions): readonly LabTest[] {
  /** A generic 3A test: the base options with some changed. */
  const generic = (name: string, changes: Partial<GenericOptions>): LabTest =>
    labTest(name, (t) => genericTest(t, { ...base, server, ...changes }));

  return [
    // Test: one client (3A)
    generic('TestBasic3A', {}),

    // Test: ops complete fast enough (3A)
    labTest('TestSpeed3A', (t) => genericTestSpeed(t, '3A', -1, server)),

    // Test: many clients (3A)
    generic('TestConcurrent3A', { nclients: 5 }),

    // Test: unreliable net, many clients (3A)
    generic('TestUnreliable3A', { nclients: 5, unreliable: true }),

    labTest('TestUnreliableOneKey3A', async (t) => {
      const nservers = 3;
      const cfg = makeKvConfig(t, { servers: nservers, unreliable: true, maxraftstate: -1, server });

      const ck = cfg.makeClient(cfg.all());

      cfg.begin('Test: concurrent append to same key, unreliable (3A)');

      await put(cfg, ck, 'k', '', null, -1);

      const nclient = 5;
      const upto = 10;
      await spawnClientsAndWait(cfg, nclient, async (me, myck) => {
        for (let n = 0; n < upto; n++) await append(cfg, myck, 'k', `x ${me} ${n} y`, null, -1);
      });

      const counts = new Array<number>(nclient).fill(upto);

      const vx = await get(cfg, ck, 'k', null, -1);
      checkConcurrentAppends(cfg, vx, counts);

      cfg.end();
    }),

    // Submit a request in the minority partition and check that the requests doesn't go through until the
    // partition heals. The leader in the original network ends up in the minority partition.
    labTest('TestOnePartition3A', async (t) => {
      const nservers = 5;
      const cfg = makeKvConfig(t, { servers: nservers, maxraftstate: -1, server });
      const ck = cfg.makeClient(cfg.all());

      await put(cfg, ck, '1', '13', null, -1);

      cfg.begin('Test: progress in majority (3A)');

      const [p1, p2] = cfg.makePartition();
      cfg.partition(p1, p2);

      const ckp1 = cfg.makeClient(p1); // connect ckp1 to p1
      const ckp2a = cfg.makeClient(p2); // connect ckp2a to p2
      const ckp2b = cfg.makeClient(p2); // connect ckp2b to p2

      await put(cfg, ckp1, '1', '14', null, -1);
      await check(cfg, ckp1, '1', '14');

      cfg.end();

      // Set by the two goroutines below (an object, so the checks read what they wrote).
      const done = { put: false, get: false };

      cfg.begin('Test: no progress in minority (3A)');
      const put15 = cfg.go(async () => {
        await put(cfg, ckp2a, '1', '15', null, -1);
        done.put = true;
      });
      void cfg.go(async () => {
        await get(cfg, ckp2b, '1', null, -1); // different clerk in p2
        done.get = true;
      });

      await cfg.sleep(1000);
      if (done.put) cfg.fatal('Put in minority completed');
      if (done.get) cfg.fatal('Get in minority completed');

      await check(cfg, ckp1, '1', '14');
      await put(cfg, ckp1, '1', '16', null, -1);
      await check(cfg, ckp1, '1', '16');

      cfg.end();

      cfg.begin('Test: completion after heal (3A)');

      cfg.connectAll();
      cfg.connectClient(ckp2a, cfg.all());
      cfg.connectClient(ckp2b, cfg.all());

      await cfg.sleep(ELECTION_TIMEOUT);

      // The Put must complete within 3 s; the Get is only looked at, as in the lab (it cannot fail the test).
      await Promise.race([put15, cfg.sleep(30 * 100)]);
      if (!done.put) cfg.fatal('Put did not complete');

      await check(cfg, ck, '1', '15');

      cfg.end();
    }),

    // Test: partitions, one client (3A)
    generic('TestManyPartitionsOneClient3A', { partitions: true }),

    // Test: partitions, many clients (3A)
    generic('TestManyPartitionsManyClients3A', { nclients: 5, partitions: true }),

    // Test: restarts, one client (3A)
    generic('TestPersistOneClient3A', { crash: true }),

    // Test: restarts, many clients (3A)
    generic('TestPersistConcurrent3A', { nclients: 5, crash: true }),

    // Test: unreliable net, restarts, many clients (3A)
    generic('TestPersistConcurrentUnreliable3A', { nclients: 5, unreliable: true, crash: true }),

    // Test: restarts, partitions, many clients (3A)
    generic('TestPersistPartition3A', { nclients: 5, crash: true, partitions: true }),

    // Test: unreliable net, restarts, partitions, many clients (3A)
    generic('TestPersistPartitionUnreliable3A', {
      nclients: 5,
      unreliable: true,
      crash: true,
      partitions: true,
    }),

    // Test: unreliable net, restarts, partitions, random keys, many clients (3A)
    generic('TestPersistPartitionUnreliableLinearizable3A', {
      nclients: 15,
      nservers: 7,
      unreliable: true,
      crash: true,
      partitions: true,
      randomkeys: true,
    }),
  ];
}

/** Part 3A's tests, with the servers' defaults. */
export const tests: readonly LabTest[] = testsWith({});
