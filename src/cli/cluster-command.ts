import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import { parsePositive } from './parse.js';

interface ClusterFlags {
  nodes: number;
  host: string;
  basePort: number;
  clientBasePort?: number;
  proposeBasePort?: number;
  dataDir: string;
  tickMs?: number;
  maxBody?: number;
  bodyTimeoutMs?: number;
  snapshotEvery?: number;
}

/** How long members get to stop on SIGTERM before they are killed. */
const STOP_GRACE_MS = 5_000;

/** `raft-ts cluster`: runs a local cluster, one child process per member, until Ctrl-C or SIGTERM. */
export function clusterCommand(): Command {
  return new Command('cluster')
    .description(
      'start a local cluster of separate member processes; stops them all on Ctrl-C or SIGTERM, restarts none, ' +
        'and exits non-zero if one dies',
    )
    .option('--nodes <n>', 'how many members', parsePositive, 3)
    .option('--host <host>', 'the address every member listens on', '127.0.0.1')
    .option('--base-port <port>', 'member i listens for peers on base-port + i - 1', parsePositive, 7001)
    .option(
      '--client-base-port <port>',
      "member i's client port is this + i - 1 (default base-port + 1000)",
      parsePositive,
    )
    .option(
      '--propose-base-port <port>',
      "member i's binary proposal port is this + i - 1 (default base-port + 2000)",
      parsePositive,
    )
    .option(
      '--data-dir <dir>',
      'member i keeps its data in <dir>/<i>, and its log in <dir>/<i>/member.log',
      'data',
    )
    .option('--tick-ms <ms>', 'milliseconds per Raft tick', parsePositive)
    .option('--max-body <bytes>', "each member's largest request body (see raft-ts node)", parsePositive)
    .option(
      '--body-timeout-ms <ms>',
      "each member's time limit to receive a request (see raft-ts node)",
      parsePositive,
    )
    .option(
      '--snapshot-every <n>',
      'each member snapshots every n applied entries (see raft-ts node)',
      parsePositive,
    )
    .addHelpText(
      'after',
      `
Example:
  raft-ts cluster --nodes 3 --base-port 7001 --data-dir data
  raft-ts status --peers 1=127.0.0.1:8001,2=127.0.0.1:8002,3=127.0.0.1:8003`,
    )
    .action(async (flags: ClusterFlags) => {
      process.exitCode = await runCluster(flags);
    });
}

async function runCluster(flags: ClusterFlags): Promise<number> {
  const clientBase = flags.clientBasePort ?? flags.basePort + 1000;
  const proposeBase = flags.proposeBasePort ?? flags.basePort + 2000;
  const ids = Array.from({ length: flags.nodes }, (_, i) => i + 1);
  const peers = ids.map((id) => `${id}=${flags.host}:${flags.basePort + id - 1}`).join(',');
  const clientPeers = ids.map((id) => `${id}=${flags.host}:${clientBase + id - 1}`).join(',');
  // The children run this same command line program, started the way this process was (tsx or the built JS).
  const self = [...process.execArgv, process.argv[1] as string];
  const children = new Map<number, ChildProcess>();
  let stopping = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });

  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    const waitAll = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else
            child.once('exit', () => {
              resolve();
            });
        }),
    );
    void Promise.all(waitAll).then(() => {
      clearTimeout(killer);
      resolveExit(code);
    });
  };

  for (const id of ids) {
    const dir = join(flags.dataDir, String(id));
    mkdirSync(dir, { recursive: true });
    const logPath = join(dir, 'member.log');
    const logFd = openSync(logPath, 'a');
    const args = [
      ...self,
      'node',
      '--id',
      String(id),
      '--peers',
      peers,
      '--client',
      `${flags.host}:${clientBase + id - 1}`,
      '--client-peers',
      clientPeers,
      '--propose',
      `${flags.host}:${proposeBase + id - 1}`,
      '--data-dir',
      dir,
      // If this process dies without stopping them (kill -9), the members see their stdin close and stop too.
      '--stop-with-stdin',
      ...(flags.tickMs === undefined ? [] : ['--tick-ms', String(flags.tickMs)]),
      ...(flags.maxBody === undefined ? [] : ['--max-body', String(flags.maxBody)]),
      ...(flags.bodyTimeoutMs === undefined ? [] : ['--body-timeout-ms', String(flags.bodyTimeoutMs)]),
      ...(flags.snapshotEvery === undefined ? [] : ['--snapshot-every', String(flags.snapshotEvery)]),
    ];
    const child = spawn(process.execPath, args, { stdio: ['pipe', logFd, logFd] });
    children.set(id, child);
    console.log(
      `member ${id}: pid ${child.pid ?? '?'}, peers ${flags.host}:${flags.basePort + id - 1}, ` +
        `client http://${flags.host}:${clientBase + id - 1}, proposals ${flags.host}:${proposeBase + id - 1}, data ${dir}, log ${logPath}`,
    );
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // A member that dies is reported, never silently restarted: the operator decides.
      console.error(
        `member ${id} (pid ${child.pid ?? '?'}) exited unexpectedly (${signal ?? `code ${code ?? '?'}`}); ` +
          `see ${logPath}. Stopping the others.`,
      );
      stopAll(EXIT.failed);
    });
  }
  console.log(
    `status: raft-ts status --peers ${ids.map((id) => `${id}=${flags.host}:${clientBase + id - 1}`).join(',')}`,
  );
  const first = `http://${flags.host}:${clientBase}`;
  const second = `http://${flags.host}:${clientBase + (flags.nodes > 1 ? 1 : 0)}`;
  console.log(`status URL: ${first}/status (every member serves /status, /health, /metrics)`);
  console.log(`dashboard: ${first}/ (any member)`);
  console.log('try it (any member; followers forward to the leader):');
  console.log(`  curl -X PUT ${first}/v1/kv/hello -d world`);
  console.log(`  curl ${second}/v1/kv/hello`);
  console.log(
    `  curl -X POST ${first}/v3/kv/put -d '{"key":"Zm9v","value":"YmFy"}'   # etcd's gateway: foo=bar in base64`,
  );
  console.log(`  curl -X POST ${second}/v3/kv/range -d '{"key":"Zm9v"}'`);
  console.log('Ctrl-C stops every member.');
  const onSignal = (): void => {
    console.log('stopping every member...');
    stopAll(EXIT.ok);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
