import { Command, InvalidArgumentError } from 'commander';
import {
  KvClient,
  KvError,
  KvRequestError,
  toText,
  type KeyValue,
  type ResponseHeader,
} from '../client/index.js';
import { EXIT } from './exit-codes.js';
import { parsePositive } from './parse.js';

/** The local cluster that `raft-ts cluster` and `npm start` run. */
export const DEFAULT_ENDPOINTS = 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003';

interface KvFlags {
  endpoints?: string[];
  json?: boolean;
  timeoutMs: number;
}

/** Parses `--endpoints`: comma-separated http:// URLs. */
export function parseEndpoints(value: string): string[] {
  const endpoints = value.split(',').filter((e) => e !== '');
  if (endpoints.length === 0) throw new InvalidArgumentError('no endpoint given');
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new InvalidArgumentError(`"${endpoint}" is not a URL (http://host:port)`);
    }
    if (url.protocol !== 'http:') throw new InvalidArgumentError(`"${endpoint}" is not an http:// URL`);
  }
  return endpoints;
}

/** `raft-ts kv put|get|del`: the key-value service from the shell, through KvClient. */
export function kvCommand(): Command {
  const kv = new Command('kv')
    .description('read and write keys of the key-value service (any member; writes go to the leader)')
    .option(
      '--endpoints <urls>',
      `the members' client URLs, comma-separated (default: ${DEFAULT_ENDPOINTS})`,
      parseEndpoints,
    )
    .option('--json', 'print the result as JSON (etcd-like fields; keys and values as UTF-8 text)')
    .option('--timeout-ms <ms>', 'give up after this long, retries included', parsePositive, 10_000)
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 key not found (get), 2 bad flags, 4 service unavailable or request refused.

Examples:
  raft-ts kv put greeting hello
  raft-ts kv get greeting
  raft-ts kv del greeting
  raft-ts kv --endpoints http://127.0.0.1:8002 --json get greeting`,
    );

  kv.command('put')
    .description('set KEY to VALUE; prints OK (--json: the revision)')
    .argument('<key>', 'the key (UTF-8 text)')
    .argument('<value>', 'the value (UTF-8 text)')
    .action(async (key: string, value: string, _options: unknown, command: Command) => {
      await run(command, async (client, json) => {
        const result = await client.put(key, value);
        console.log(json ? JSON.stringify({ header: headerJson(result.header) }) : 'OK');
        return EXIT.ok;
      });
    });

  kv.command('get')
    .description("print KEY's value (--json: with its revisions); exit code 1 when the key does not exist")
    .argument('<key>', 'the key (UTF-8 text)')
    .option(
      '--serializable',
      "read the answering member's local copy (may be stale) instead of a linearizable read",
    )
    .action(async (key: string, options: { serializable?: boolean }, command: Command) => {
      await run(command, async (client, json) => {
        const result = await client.range(key, options.serializable === true ? { serializable: true } : {});
        const found = result.kvs[0];
        if (found === undefined) {
          console.error(`key "${key}" not found`);
          return EXIT.failed;
        }
        if (json) console.log(JSON.stringify({ header: headerJson(result.header), kv: kvJson(found) }));
        else process.stdout.write(`${toText(found.value)}\n`);
        return EXIT.ok;
      });
    });

  kv.command('del')
    .description('delete KEY; prints how many keys were deleted (0 or 1)')
    .argument('<key>', 'the key (UTF-8 text)')
    .action(async (key: string, _options: unknown, command: Command) => {
      await run(command, async (client, json) => {
        const result = await client.delete(key);
        console.log(
          json
            ? JSON.stringify({ header: headerJson(result.header), deleted: result.deleted })
            : result.deleted,
        );
        return EXIT.ok;
      });
    });
  return kv;
}

/** Runs one subcommand with a client built from the `kv` flags; service errors become one line on stderr. */
async function run(
  command: Command,
  body: (client: KvClient, json: boolean) => Promise<number>,
): Promise<void> {
  const flags = command.optsWithGlobals<KvFlags>();
  const client = new KvClient({
    endpoints: flags.endpoints ?? parseEndpoints(DEFAULT_ENDPOINTS),
    deadlineMs: flags.timeoutMs,
    timeoutMs: Math.min(flags.timeoutMs, 5_000),
  });
  try {
    process.exitCode = await body(client, flags.json === true);
  } catch (error) {
    if (!(error instanceof KvError)) throw error;
    const kind = error instanceof KvRequestError ? `refused (HTTP ${error.status})` : 'failed';
    console.error(`raft-ts kv ${command.name()}: ${kind}: ${error.message}`);
    process.exitCode = EXIT.unavailable;
  } finally {
    client.close();
  }
}

function headerJson(h: ResponseHeader): Record<string, unknown> {
  return { cluster_id: h.clusterId, member_id: h.memberId, revision: h.revision, raft_term: h.raftTerm };
}

function kvJson(kv: KeyValue): Record<string, unknown> {
  return {
    key: toText(kv.key),
    value: toText(kv.value),
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
  };
}
