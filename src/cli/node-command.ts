import { Command, Option } from 'commander';
import pino from 'pino';
import { formatAddress, ProposalServer, startTcpMember, type Address } from '../node/index.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_SNAPSHOT_EVERY, KvHttpServer, KvService } from '../service/index.js';
import { EXIT } from './exit-codes.js';
import { parseAddress, parseId, parsePeers, parsePositive } from './parse.js';

interface NodeFlags {
  id: number;
  peers: Map<number, Address>;
  dataDir: string;
  listen?: Address;
  client?: Address;
  clientPeers?: Map<number, Address>;
  maxBody: number;
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  snapshotEvery: number;
  propose?: Address;
  cluster: string;
  tickMs?: number;
  logLevel: string;
  stopWithStdin?: boolean;
}

/** `raft-ts node`: runs one member in this process until SIGINT or SIGTERM. */
export function nodeCommand(): Command {
  return new Command('node')
    .description('run one cluster member in this process (stops cleanly on Ctrl-C or SIGTERM)')
    .requiredOption('--id <n>', "this member's id (must be in --peers)", parseId)
    .requiredOption(
      '--peers <list>',
      'every member\'s peer address, this one included: "1=127.0.0.1:7001,2=127.0.0.1:7002,..." ' +
        '(give every member the same list: members with different lists refuse each other)',
      parsePeers,
    )
    .requiredOption('--data-dir <dir>', "where this member's log and state live (created if missing)")
    .option(
      '--listen <host:port>',
      "where to listen for peers (default: this member's address in --peers)",
      parseAddress,
    )
    .option(
      '--client <host:port>',
      'where to serve the key/value service and status over HTTP (/v3/kv/*, /v1/kv/*, /status, ...); none if omitted',
      parseAddress,
    )
    .option(
      '--client-peers <list>',
      'every member\'s client address, "1=127.0.0.1:8001,2=127.0.0.1:8002,...": followers forward writes and ' +
        "linearizable reads to the leader's (default: this member's --client alone)",
      parsePeers,
    )
    .option(
      '--max-body <bytes>',
      'the largest request body accepted (larger gets 413)',
      parsePositive,
      DEFAULT_MAX_BODY_BYTES,
    )
    .option(
      '--body-timeout-ms <ms>',
      'a client must send its whole request within this, or gets 408 and is disconnected',
      parsePositive,
      10_000,
    )
    .option(
      '--request-timeout-ms <ms>',
      'how long a write or read may wait for Raft before 503 "request timed out"',
      parsePositive,
      5_000,
    )
    .option(
      '--snapshot-every <n>',
      'snapshot the store and compact the log every n applied entries',
      parsePositive,
      DEFAULT_SNAPSHOT_EVERY,
    )
    .option(
      '--propose <host:port>',
      'where to serve the binary proposal port (pipelined proposals over TCP, for ProposalClient); none if omitted',
      parseAddress,
    )
    .option('--cluster <name>', 'the cluster name, checked in every peer handshake', 'raft-ts')
    .option(
      '--tick-ms <ms>',
      'milliseconds per Raft tick (heartbeat 2 ticks, election 10-20 ticks)',
      parsePositive,
    )
    .option(
      '--stop-with-stdin',
      'stop cleanly when standard input closes (how `raft-ts cluster` runs its members)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON logs on stdout')
        .choices(['debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 after a clean stop, ${EXIT.usage} bad flags, ${EXIT.corrupt} the log on disk is corrupt (refused to start),
${EXIT.failed} the member failed (a storage write or fsync failed, or it could not listen).

Example:
  raft-ts node --id 1 --listen 127.0.0.1:7001 --client 127.0.0.1:8001 --propose 127.0.0.1:9001 \\
    --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 --data-dir data/1`,
    )
    .action(async (flags: NodeFlags, command: Command) => {
      if (!flags.peers.has(flags.id)) {
        command.error(`error: member ${flags.id} is not in --peers`, { exitCode: EXIT.usage });
      }
      process.exitCode = await runNode(flags);
    });
}

async function runNode(flags: NodeFlags): Promise<number> {
  const logger = pino({ level: flags.logLevel });
  const fail = (code: number, message: string): number => {
    logger.error(message);
    process.stderr.write(`raft-ts node: ${message}\n`);
    return code;
  };
  // The metrics exist once the HTTP server does; fsyncs start before (while loading the log): bind late.
  let onFsync: (seconds: number) => void = () => undefined;
  let started;
  try {
    started = await startTcpMember({
      id: flags.id,
      members: flags.peers,
      dataDir: flags.dataDir,
      clusterName: flags.cluster,
      logger,
      onFsync: (seconds) => {
        onFsync(seconds);
      },
      ...(flags.listen === undefined ? {} : { listen: flags.listen }),
      ...(flags.tickMs === undefined ? {} : { timing: { tickMs: flags.tickMs } }),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return fail(
      code === 'STORAGE_CORRUPT' ? EXIT.corrupt : EXIT.failed,
      `cannot start member ${flags.id} (data dir ${flags.dataDir}): ${String(error)}`,
    );
  }
  const { member } = started;
  // The key/value state machine applies what commits (and snapshots it, so the log is compacted).
  const service = new KvService(member, { snapshotEvery: flags.snapshotEvery, logger });
  let client: KvHttpServer | null = null;
  if (flags.client !== undefined) {
    try {
      client = await KvHttpServer.start(member, service, {
        listen: flags.client,
        clientPeers: flags.clientPeers ?? new Map([[flags.id, flags.client]]),
        clusterName: flags.cluster,
        maxBodyBytes: flags.maxBody,
        bodyTimeoutMs: flags.bodyTimeoutMs,
        requestTimeoutMs: flags.requestTimeoutMs,
        extraStatus: () => ({ fsyncs: started.fsyncs() }),
        logger,
      });
      const metrics = client.metrics;
      onFsync = (seconds) => {
        metrics.fsyncSeconds.observe(seconds);
      };
      service.onCommitLatency = (seconds) => {
        metrics.commitSeconds.observe(seconds);
      };
    } catch (error) {
      await member.stop();
      return fail(EXIT.failed, `cannot serve clients on ${formatAddress(flags.client)}: ${String(error)}`);
    }
  }
  let proposals: ProposalServer | null = null;
  if (flags.propose !== undefined) {
    try {
      proposals = await ProposalServer.start(member, {
        listen: flags.propose,
        logger: logger.child({ component: 'proposal-port' }),
      });
    } catch (error) {
      await client?.close();
      await member.stop();
      return fail(EXIT.failed, `cannot serve proposals on ${formatAddress(flags.propose)}: ${String(error)}`);
    }
  }
  logger.info(
    {
      member: flags.id,
      peers: formatAddress(flags.listen ?? (flags.peers.get(flags.id) as Address)),
      client: client === null ? null : formatAddress(client.address()),
      propose: proposals === null ? null : formatAddress(proposals.address()),
      dataDir: flags.dataDir,
    },
    'listening',
  );
  const signalled = new Promise<'signal'>((resolve) => {
    if (flags.stopWithStdin === true) {
      process.stdin.resume();
      process.stdin.once('close', () => {
        resolve('signal');
      });
    }
    process.once('SIGINT', () => {
      resolve('signal');
    });
    process.once('SIGTERM', () => {
      resolve('signal');
    });
  });
  const outcome = await Promise.race([signalled, member.done()]);
  // A stdin being read keeps the process alive after everything else has closed (the parent, which waits for
  // this process to exit before closing its end, would then kill it after its grace period).
  if (flags.stopWithStdin === true) process.stdin.destroy();
  await proposals?.close();
  await client?.close();
  if (outcome === 'signal') {
    await member.stop();
    return EXIT.ok;
  }
  return fail(EXIT.failed, `stopped: ${outcome === null ? 'unexpectedly' : outcome.message}`);
}
