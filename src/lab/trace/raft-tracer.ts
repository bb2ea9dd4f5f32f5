import type { Entry, RaftStatus, Ready } from '../../core/index.js';
import type { RaftObserver } from '../lab-raft.js';
import { formatValue } from '../tester/format-value.js';
import type { TraceRecorder } from './trace-recorder.js';

/** Commands are shown, not compared: a long one is cut to this many characters. */
const COMMAND_CHARS = 24;

/**
 * Records what one Raft peer does, seen from the lab facade: role, term, vote and commit changes (by comparing
 * each status with the last one seen) and the log changes, snapshots and applies of each Ready. It reads the core
 * through its public outputs only, so the core knows nothing of tracing.
 */
export class RaftTracer implements RaftObserver {
  private last: RaftStatus | null = null;

  constructor(
    private readonly trace: TraceRecorder,
    private readonly server: number,
  ) {}

  status(status: RaftStatus): void {
    const last = this.last;
    const s = this.server;
    if (
      last === null ||
      last.role !== status.role ||
      last.term !== status.term ||
      last.leaderId !== status.leaderId
    ) {
      this.trace.emit({ k: 'state', s, role: status.role, term: status.term, leader: status.leaderId });
    }
    if (status.votedFor !== null && (last?.votedFor !== status.votedFor || last.term !== status.term)) {
      this.trace.emit({ k: 'vote', s, term: status.term, for: status.votedFor });
    }
    if (last === null || last.commitIndex !== status.commitIndex) {
      this.trace.emit({ k: 'commit', s, commit: status.commitIndex });
    }
    this.last = status;
  }

  ready(ready: Ready): void {
    const s = this.server;
    if (ready.snapshot !== null) {
      const { index, term, data } = ready.snapshot;
      this.trace.emit({ k: 'snapshot', s, index, term, bytes: data.byteLength });
    }
    if (ready.entries !== null) {
      const entries = ready.entries.entries;
      const from = entries[0]?.index ?? ready.entries.from;
      this.trace.emit({ k: 'log', s, from, terms: runLengths(entries), commands: entries.map(shortCommand) });
    }
    if (ready.applySnapshot !== null) {
      const { index, term } = ready.applySnapshot;
      this.trace.emit({ k: 'applySnapshot', s, index, term });
    }
    const first = ready.committed[0];
    const last = ready.committed.at(-1);
    if (first !== undefined && last !== undefined) {
      this.trace.emit({ k: 'apply', s, from: first.index, to: last.index });
    }
  }
}

/** Entries' terms as [term, count] runs: a log's terms come in long runs. */
function runLengths(entries: readonly Entry[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const { term } of entries) {
    const run = runs.at(-1);
    if (run?.[0] === term) run[1]++;
    else runs.push([term, 1]);
  }
  return runs;
}

function shortCommand(entry: Entry): string {
  const text = formatValue(entry.command);
  return text.length <= COMMAND_CHARS ? text : `${text.slice(0, COMMAND_CHARS - 1)}…`;
}
