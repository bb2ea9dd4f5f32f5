import type { TraceEvent, TraceRole } from '../../src/lab/trace/trace-event.js';

/** One server as the trace describes it after some prefix of its events. */
export interface ServerState {
  role: TraceRole;
  term: number;
  leader: number | null;
  votedFor: number | null;
  commit: number;
  crashed: boolean;
  connected: boolean;
  /** The log's snapshot: entries through `snapshotIndex` live in it. */
  snapshotIndex: number;
  snapshotTerm: number;
  /** The terms of the entries after the snapshot: entry `snapshotIndex + 1 + k` has term `terms[k]`. */
  terms: number[];
  commands: string[];
}

/** The last index of a server's log. */
export function lastIndex(state: ServerState): number {
  return state.snapshotIndex + state.terms.length;
}

/** The term of entry `index` in a server's log, or undefined if the log does not hold it. */
export function termAt(state: ServerState, index: number): number | undefined {
  if (index === state.snapshotIndex) return state.snapshotTerm;
  return state.terms[index - state.snapshotIndex - 1];
}

function initial(): ServerState {
  return {
    role: 'follower',
    term: 0,
    leader: null,
    votedFor: null,
    commit: 0,
    crashed: true,
    connected: false,
    snapshotIndex: 0,
    snapshotTerm: 0,
    terms: [],
    commands: [],
  };
}

function clone(servers: readonly ServerState[]): ServerState[] {
  return servers.map((s) => ({ ...s, terms: s.terms.slice(), commands: s.commands.slice() }));
}

/** Replays every server's state over the events: the cluster "under the cursor". */
function apply(servers: ServerState[], e: TraceEvent): void {
  if (!('s' in e)) return;
  const s = servers[e.s];
  if (s === undefined) return;
  switch (e.k) {
    case 'state':
      if (e.term !== s.term) s.votedFor = null;
      s.role = e.role;
      s.term = e.term;
      s.leader = e.leader;
      break;
    case 'vote':
      s.votedFor = e.for;
      break;
    case 'commit':
      s.commit = e.commit;
      break;
    case 'log': {
      const keep = Math.max(0, e.from - s.snapshotIndex - 1);
      s.terms.length = Math.min(s.terms.length, keep);
      s.commands.length = s.terms.length;
      for (const [term, count] of e.terms) for (let k = 0; k < count; k++) s.terms.push(term);
      for (const command of e.commands) s.commands.push(command);
      break;
    }
    case 'snapshot': {
      if (e.index <= s.snapshotIndex) break;
      // Entries after the snapshot survive only if the log agrees with it at its last index.
      const drop = e.index - s.snapshotIndex;
      if (termAt(s, e.index) === e.term) {
        s.terms.splice(0, drop);
        s.commands.splice(0, drop);
      } else {
        s.terms = [];
        s.commands = [];
      }
      s.snapshotIndex = e.index;
      s.snapshotTerm = e.term;
      break;
    }
    case 'crash':
      s.crashed = true;
      s.role = 'follower';
      s.leader = null;
      break;
    case 'start':
      s.crashed = false;
      break;
    case 'connect':
      s.connected = true;
      break;
    case 'disconnect':
      s.connected = false;
      break;
    default:
      break;
  }
}

/** Replayed states are kept every this many events, so that scrubbing backwards replays little. */
const CHECKPOINT_EVERY = 4096;

/**
 * The cluster's state after the first `upto` events of a trace, for any `upto`, cheaply: moving forward replays
 * only the new events, moving backward restarts from the nearest checkpoint.
 */
export class ClusterState {
  private servers: ServerState[];
  private upto = 0;
  private readonly checkpoints = new Map<number, ServerState[]>();

  constructor(
    private readonly events: readonly TraceEvent[],
    private readonly n: number,
  ) {
    this.servers = Array.from({ length: n }, initial);
    this.checkpoints.set(0, clone(this.servers));
  }

  /** Every server's state once the first `upto` events have happened. Do not keep or change the result. */
  at(upto: number): readonly ServerState[] {
    const target = Math.max(0, Math.min(upto, this.events.length));
    if (target < this.upto) {
      const base = Math.floor(target / CHECKPOINT_EVERY) * CHECKPOINT_EVERY;
      this.servers = clone(this.checkpoints.get(base) ?? Array.from({ length: this.n }, initial));
      this.upto = base;
    }
    while (this.upto < target) {
      apply(this.servers, this.events[this.upto] as TraceEvent);
      this.upto++;
      if (this.upto % CHECKPOINT_EVERY === 0 && !this.checkpoints.has(this.upto)) {
        this.checkpoints.set(this.upto, clone(this.servers));
      }
    }
    return this.servers;
  }
}
