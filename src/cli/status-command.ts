import { Command } from 'commander';
import { formatAddress, type Address } from '../node/index.js';
import { EXIT } from './exit-codes.js';
import { parsePeers, parsePositive } from './parse.js';

interface StatusFlags {
  peers: Map<number, Address>;
  json?: boolean;
  timeoutMs: number;
}

/** One member's answer, or why there was none. */
type Row = { id: number; address: string } & (
  { ok: true; status: Record<string, unknown> } | { ok: false; error: string }
);

/** `raft-ts status`: asks each member's client port for its status and prints a table (or JSON). */
export function statusCommand(): Command {
  return new Command('status')
    .description("print each member's role, term, leader and commit index")
    .requiredOption(
      '--peers <list>',
      'the members\' client addresses (their --client): "1=127.0.0.1:8001,2=127.0.0.1:8002,..."',
      parsePeers,
    )
    .option('--json', 'print JSON (one array of rows) instead of a table')
    .option('--timeout-ms <ms>', 'how long to wait for each member', parsePositive, 2000)
    .addHelpText('after', '\nExit codes: 0 when at least one member answered, 1 when none did, 2 bad flags.')
    .action(async (flags: StatusFlags) => {
      const rows = await Promise.all(
        [...flags.peers].map(([id, address]) => fetchStatus(id, address, flags.timeoutMs)),
      );
      console.log(flags.json === true ? JSON.stringify(rows, null, 2) : formatTable(rows));
      process.exitCode = rows.some((r) => r.ok) ? EXIT.ok : EXIT.failed;
    });
}

async function fetchStatus(id: number, address: Address, timeoutMs: number): Promise<Row> {
  const where = formatAddress(address);
  try {
    const res = await fetch(`http://${where}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { id, address: where, ok: false, error: `HTTP ${res.status}` };
    return { id, address: where, ok: true, status: (await res.json()) as Record<string, unknown> };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { id, address: where, ok: false, error: cause ?? (error as Error).name };
  }
}

function formatTable(rows: readonly Row[]): string {
  const header = ['id', 'address', 'role', 'term', 'leader', 'commit', 'applied', 'last'];
  const cell = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number'
      ? String(v)
      : v === null || v === undefined
        ? '-'
        : JSON.stringify(v);
  const lines = rows.map((r) =>
    r.ok
      ? [
          String(r.id),
          r.address,
          cell(r.status.role),
          cell(r.status.term),
          cell(r.status.leader),
          cell(r.status.commit),
          cell(r.status.applied),
          cell(r.status.lastIndex),
        ]
      : [String(r.id), r.address, `unreachable (${r.error})`, '', '', '', '', ''],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines]
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
