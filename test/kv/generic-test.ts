/** The kvraft lab's GenericTest and GenericTestSpeed, ported line by line; every wait is in virtual time. */
import type { LabT } from '../../src/lab/index.js';
import { type KvServerOptions, makeKvConfig } from '../../src/kv/lab/index.js';
import {
  append,
  checkClntAppends,
  checkLinearizable,
  ELECTION_TIMEOUT,
  get,
  nextValue,
  OpLog,
  partitioner,
  put,
  spawnClientsAndWait,
} from './kv-helpers.js';

/** GenericTest's parameters, named. */
export interface GenericOptions {
  readonly part: '3A' | '3B';
  readonly nclients: number;
  readonly nservers: number;
  /** The network drops and delays RPCs. */
  readonly unreliable: boolean;
  /** All servers crash and restart at the end of each iteration: persistence must work. */
  readonly crash: boolean;
  /** The network partitions and heals while the clients run. */
  readonly partitions: boolean;
  /** Snapshot at this Raft state size; -1: never (and no snapshot may appear). */
  readonly maxraftstate: number;
  /** Clients use random keys (and some Puts): only the linearizability check can judge the results. */
  readonly randomkeys: boolean;
  /** Options for the servers (a read strategy, say); the defaults if absent. */
  readonly server?: KvServerOptions;
}

/**
 * One or more clients submit Append/Get (and, with random keys, Put) operations for a while, in three
 * iterations; after each, every appended value must be present once and in order, and the logs must be trimmed
 * (maxraftstate > 0) or snapshots absent (maxraftstate < 0). At the end the whole recorded history must be
 * linearizable.
 */
export async function genericTest(t: LabT, o: GenericOptions): Promise<void> {
  let title = 'Test: ';
  if (o.unreliable) title += 'unreliable net, '; // the network drops RPC requests and replies.
  if (o.crash) title += 'restarts, '; // peers re-start, and thus persistence must work.
  if (o.partitions) title += 'partitions, '; // the network may partition
  if (o.maxraftstate !== -1) title += 'snapshots, ';
  if (o.randomkeys) title += 'random keys, ';
  title += o.nclients > 1 ? 'many clients' : 'one client';
  title += ` (${o.part})`;

  const cfg = makeKvConfig(t, {
    servers: o.nservers,
    unreliable: o.unreliable,
    maxraftstate: o.maxraftstate,
    ...(o.server === undefined ? {} : { server: o.server }),
  });

  cfg.begin(title);
  const opLog = new OpLog();

  const ck = cfg.makeClient(cfg.all());

  for (let i = 0; i < 3; i++) {
    let doneClients = false;
    let donePartitioner = false;
    const clients = cfg.go(() =>
      spawnClientsAndWait(cfg, o.nclients, async (cli, myck) => {
        let j = 0;
        let last = ''; // only used when not randomkeys
        if (!o.randomkeys) await put(cfg, myck, String(cli), last, opLog, cli);
        while (!doneClients) {
          const key = o.randomkeys ? String(cfg.rand.int(o.nclients)) : String(cli);
          const nv = `x ${cli} ${j} y`;
          if (cfg.rand.int(1000) < 500) {
            await append(cfg, myck, key, nv, opLog, cli);
            if (!o.randomkeys) last = nextValue(last, nv);
            j++;
          } else if (o.randomkeys && cfg.rand.int(1000) < 100) {
            // only with random keys: a Put would break the check after Get() below
            await put(cfg, myck, key, nv, opLog, cli);
            j++;
          } else {
            const v = await get(cfg, myck, key, opLog, cli);
            // the following check only makes sense when we're not using random keys
            if (!o.randomkeys && v !== last) {
              cfg.fatal(`get wrong value, key ${key}, wanted:\n${last}\n, got\n${v}\n`);
            }
          }
        }
        return j;
      }),
    );

    let partitions: Promise<void> | undefined;
    if (o.partitions) {
      // Allow the clients to perform some operations without interruption
      await cfg.sleep(1000);
      partitions = cfg.go(() => partitioner(cfg, () => donePartitioner));
    }
    await cfg.sleep(5000);

    doneClients = true; // tell clients to quit
    donePartitioner = true; // tell partitioner to quit

    if (partitions !== undefined) {
      await partitions;
      // reconnect network and submit a request. A client may have submitted a request in a minority. That
      // request won't return until that server discovers a new term has started.
      cfg.connectAll();
      // wait for a while so that we have a new term
      await cfg.sleep(ELECTION_TIMEOUT);
    }

    if (o.crash) {
      for (let s = 0; s < o.nservers; s++) cfg.shutdownServer(s);
      // Wait for a while for servers to shutdown, since shutdown isn't a real crash and isn't instantaneous
      await cfg.sleep(ELECTION_TIMEOUT);
      // crash and re-start all
      for (let s = 0; s < o.nservers; s++) cfg.startServer(s);
      cfg.connectAll();
    }

    const counts = await clients;
    for (let c = 0; c < o.nclients; c++) {
      const j = counts[c] ?? 0;
      const v = await get(cfg, ck, String(c), opLog, 0);
      if (!o.randomkeys) checkClntAppends(cfg, c, v, j);
    }

    if (o.maxraftstate > 0) {
      // Check maximum after the servers have processed all client requests and had time to checkpoint.
      const sz = cfg.logSize();
      if (sz > 8 * o.maxraftstate) cfg.fatal(`logs were not trimmed (${sz} > 8*${o.maxraftstate})`);
    }
    if (o.maxraftstate < 0) {
      // Check that snapshots are not used
      const ssz = cfg.snapshotSize();
      if (ssz > 0) {
        cfg.fatal(`snapshot too large (${ssz}), should not be used when maxraftstate = ${o.maxraftstate}`);
      }
    }
  }

  checkLinearizable(cfg, opLog);

  cfg.end();
}

/** 1000 sequential Appends must take at most a third of a 100 ms heartbeat interval each. */
export async function genericTestSpeed(
  t: LabT,
  part: '3A' | '3B',
  maxraftstate: number,
  server: KvServerOptions = {},
): Promise<void> {
  const nservers = 3;
  const numOps = 1000;
  const cfg = makeKvConfig(t, { servers: nservers, maxraftstate, server });

  const ck = cfg.makeClient(cfg.all());

  cfg.begin(`Test: ops complete fast enough (${part})`);

  // wait until first op completes, so we know a leader is elected and KV servers are ready to process client
  // requests
  await ck.get('x');

  const start = cfg.sim.now();
  for (let i = 0; i < numOps; i++) await ck.append('x', `x 0 ${i} y`);
  const dur = cfg.sim.now() - start;

  const v = await ck.get('x');
  checkClntAppends(cfg, 0, v, numOps);

  // heartbeat interval should be ~ 100 ms; require at least 3 ops per
  const heartbeatInterval = 100;
  const opsPerInterval = 3;
  const timePerOp = heartbeatInterval / opsPerInterval;
  if (dur > numOps * timePerOp) {
    cfg.fatal(`Operations completed too slowly ${formatMs(dur / numOps)}/op > ${formatMs(timePerOp)}/op`);
  }

  cfg.end();
}

/** A duration as Go's %v prints one of a few ms ("12.5ms"). */
function formatMs(ms: number): string {
  return `${Number(ms.toFixed(6))}ms`;
}
