import { isDeepStrictEqual } from 'node:util';
import type { RaftInspection } from '../lab-raft.js';
import { formatValue } from './format-value.js';

/** What one server's entry at an (index, term) held when first seen: its command and the term before it. */
interface Sighting {
  readonly server: number;
  readonly command: unknown;
  /** The term of the entry at index - 1, or undefined when that entry was compacted away. */
  readonly prevTerm: number | undefined;
}

/** A committed entry: its term, its command when known (not when learnt from a snapshot), and who saw it. */
interface CommittedEntry {
  readonly term: number;
  readonly command: { readonly value: unknown } | undefined;
  readonly server: number;
  /**
   * An upper bound on the term in which the entry was committed: the term of the first server seen holding it
   * committed. Leader Completeness binds only leaders of later terms.
   */
  readonly byTerm: number;
}

/** What the checker last saw of one server. */
interface Tracked {
  /** The Raft instance: a new one (a restart) starts a new incarnation, whose volatile state starts afresh. */
  instance: object;
  term: number;
  role: RaftInspection['role'];
  commitIndex: number;
  appliedIndex: number;
  snapshotIndex: number;
  lastIndex: number;
  lastTerm: number;
  /** terms[i]: the term of the entry at index i as last seen, for snapshotIndex < i <= lastIndex. */
  terms: number[];
  /** Leader Completeness has been checked through this global committed index for the current leadership. */
  leaderCheckedThrough: number;
}

/**
 * Checks Raft's safety properties (Figure 3 of the Raft paper) over a whole run, from read-only views of every
 * server taken after every simulator event. Incremental: a server whose state did not change costs a few field
 * comparisons, and a log change is examined only where it changed.
 *
 * - Election Safety: at most one leader per term, ever.
 * - Log Matching: an (index, term) pair always holds the same command and follows the same term, in every log at
 *   every moment (by induction, the same whole prefix); terms never decrease along a log.
 * - Committed entries: every server that commits an index commits the same entry there (the State Machine Safety
 *   that the tester's appliers also check, one step earlier); no server drops or rewrites an entry it committed;
 *   a snapshot covers only committed entries.
 * - Leader Completeness: a leader of term T holds every entry committed in a term before T; and, looking ahead, no
 *   server that lacks a committed entry is electable (its log at least as up to date as a majority's, crashed
 *   servers counted by the log they persisted), since it could win an election and overwrite the entry. In Raft
 *   the majority that committed the entry all hold logs more up to date than any server without it.
 * - Monotonicity: a server's term never decreases (it is persisted); within one incarnation, neither do its
 *   commit and applied indices; commitIndex <= lastIndex and appliedIndex <= commitIndex.
 */
export class InvariantChecker {
  private readonly tracked = new Map<number, Tracked>();
  /** The last term seen per server, kept across restarts: currentTerm is persistent state. */
  private readonly lastTermOf = new Map<number, number>();
  private readonly leaders = new Map<number, number>();
  private readonly sightings = new Map<number, Map<number, Sighting>>();
  private readonly committed: (CommittedEntry | undefined)[] = [];
  private maxCommitted = 0;
  /** Something changed since the last `checkElectable`. */
  private dirty = false;
  private readonly quorum: number;

  /** Checks a cluster of `servers` servers, numbered from 0. */
  constructor(private readonly servers: number) {
    this.quorum = Math.floor(servers / 2) + 1;
  }

  /**
   * Reads server `server`, whose running Raft is `instance`, in state `view`. Returns a description of the first
   * breach found, or null.
   */
  observe(server: number, instance: object, view: RaftInspection): string | null {
    let t = this.tracked.get(server);
    const restarted = t?.instance !== instance;
    if (t === undefined || restarted) {
      t = {
        instance,
        term: view.term,
        role: view.role,
        commitIndex: -1,
        appliedIndex: -1,
        snapshotIndex: view.snapshotIndex,
        lastIndex: view.snapshotIndex,
        lastTerm: view.snapshotTerm,
        terms: [],
        leaderCheckedThrough: -1,
      };
      this.tracked.set(server, t);
    } else if (
      view.term === t.term &&
      view.role === t.role &&
      view.commitIndex === t.commitIndex &&
      view.appliedIndex === t.appliedIndex &&
      view.snapshotIndex === t.snapshotIndex &&
      view.lastIndex === t.lastIndex &&
      view.lastTerm === t.lastTerm
    ) {
      // Nothing changed here, but entries committed elsewhere may still bind this server if it leads.
      return view.role === 'leader' ? this.checkLeaderCompleteness(server, t, view) : null;
    }
    if (restarted || view.lastIndex !== t.lastIndex || view.lastTerm !== t.lastTerm) this.dirty = true;
    if (view.snapshotIndex !== t.snapshotIndex) this.dirty = true;
    const breach =
      this.checkTerm(server, view) ??
      this.checkIndices(server, t, view) ??
      this.checkLog(server, t, view) ??
      this.checkCommitted(server, t, view) ??
      this.checkElectionSafety(server, t, view);
    t.term = view.term;
    t.role = view.role;
    t.commitIndex = view.commitIndex;
    t.appliedIndex = view.appliedIndex;
    t.snapshotIndex = view.snapshotIndex;
    t.lastIndex = view.lastIndex;
    t.lastTerm = view.lastTerm;
    if (breach !== null) return breach;
    return view.role === 'leader' ? this.checkLeaderCompleteness(server, t, view) : null;
  }

  /**
   * Leader Completeness, looking ahead: call once every server has been observed after an event. Reads each
   * server as last observed (a crashed server, as it was when it crashed: its persisted log).
   */
  checkElectable(): string | null {
    if (!this.dirty || this.maxCommitted === 0) return null;
    this.dirty = false;
    const m = this.maxCommitted;
    const c = this.committed[m] as CommittedEntry;
    for (let candidate = 0; candidate < this.servers; candidate++) {
      const t = this.tracked.get(candidate);
      if (t === undefined) continue; // Never started: an empty log, which no majority would elect.
      // Holding the last committed entry means holding them all (Log Matching, checked as logs change).
      const holds = t.snapshotIndex >= m || (m <= t.lastIndex && t.terms[m] === c.term);
      if (holds) continue;
      let electors = 0;
      for (let voter = 0; voter < this.servers; voter++) {
        const v = this.tracked.get(voter);
        const vTerm = v?.lastTerm ?? 0;
        if (t.lastTerm > vTerm || (t.lastTerm === vTerm && t.lastIndex >= (v?.lastIndex ?? 0))) electors++;
      }
      if (electors >= this.quorum) {
        return (
          `Leader Completeness: server ${candidate} lacks committed entry ${m} (${describe(c.term, c.command)}) ` +
          `but its log (last term ${t.lastTerm}, last index ${t.lastIndex}) is as up to date as ${electors} ` +
          `of ${this.servers} servers' logs: it could be elected and overwrite it`
        );
      }
    }
    return null;
  }

  private checkTerm(server: number, view: RaftInspection): string | null {
    const before = this.lastTermOf.get(server) ?? 0;
    this.lastTermOf.set(server, view.term);
    if (view.term < before) return `server ${server}'s term moved backwards from ${before} to ${view.term}`;
    return null;
  }

  /** The indices' order, and their monotonicity within one incarnation. */
  private checkIndices(server: number, t: Tracked, view: RaftInspection): string | null {
    const s = `server ${server}`;
    if (view.commitIndex < t.commitIndex) {
      return `${s}'s commitIndex moved backwards from ${t.commitIndex} to ${view.commitIndex}`;
    }
    if (view.appliedIndex < t.appliedIndex) {
      return `${s}'s appliedIndex moved backwards from ${t.appliedIndex} to ${view.appliedIndex}`;
    }
    if (view.commitIndex > view.lastIndex) {
      return `${s}'s commitIndex ${view.commitIndex} is beyond its last log index ${view.lastIndex}`;
    }
    if (view.appliedIndex > view.commitIndex) {
      return `${s}'s appliedIndex ${view.appliedIndex} is beyond its commitIndex ${view.commitIndex}`;
    }
    if (view.snapshotIndex > view.commitIndex) {
      return `${s}'s snapshot through ${view.snapshotIndex} covers uncommitted entries (commitIndex ${view.commitIndex})`;
    }
    return null;
  }

  /**
   * Finds where the log changed since last seen (walking back from its end to the first entry whose term is as
   * cached: by Log Matching, everything before it is unchanged too) and checks every new entry.
   */
  private checkLog(server: number, t: Tracked, view: RaftInspection): string | null {
    const lo = view.snapshotIndex;
    const oldLast = t.lastIndex;
    let i = view.lastIndex;
    while (i > lo) {
      const cached = i <= oldLast && i > t.snapshotIndex ? t.terms[i] : undefined;
      if (cached !== undefined && cached === view.entry(i)?.term) break;
      i--;
    }
    // Entries (i, view.lastIndex] are new or rewritten; entries (view.lastIndex, oldLast] are gone. Neither may
    // touch what this incarnation had committed.
    const firstChanged = i + 1;
    if (firstChanged <= Math.min(oldLast, t.commitIndex) && firstChanged > lo) {
      return `server ${server} rewrote entry ${firstChanged}, which it had committed (commitIndex ${t.commitIndex})`;
    }
    if (view.lastIndex < Math.min(oldLast, t.commitIndex)) {
      return `server ${server} dropped committed entries ${view.lastIndex + 1}..${Math.min(oldLast, t.commitIndex)}`;
    }
    t.terms.length = Math.max(lo + 1, Math.min(t.terms.length, firstChanged));
    let prevTerm: number | undefined = i === lo ? view.snapshotTerm : view.entry(i)?.term;
    for (let j = firstChanged; j <= view.lastIndex; j++) {
      const entry = view.entry(j);
      if (entry === undefined)
        return `server ${server}'s log has no entry at ${j} (lastIndex ${view.lastIndex})`;
      if (prevTerm !== undefined && entry.term < prevTerm) {
        return `Log Matching: server ${server}'s log has term ${entry.term} at index ${j} after term ${prevTerm}`;
      }
      if (entry.term > view.term) {
        return `server ${server}'s log has term ${entry.term} at index ${j}, beyond its current term ${view.term}`;
      }
      const breach = this.sight(server, j, entry.term, entry.command, j - 1 >= lo ? prevTerm : undefined);
      if (breach !== null) return breach;
      t.terms[j] = entry.term;
      prevTerm = entry.term;
    }
    return null;
  }

  /** Log Matching: the first sighting of (index, term) fixes its command and the term before it. */
  private sight(
    server: number,
    index: number,
    term: number,
    command: unknown,
    prevTerm: number | undefined,
  ): string | null {
    let byTerm = this.sightings.get(index);
    if (byTerm === undefined) {
      byTerm = new Map();
      this.sightings.set(index, byTerm);
    }
    const first = byTerm.get(term);
    if (first === undefined) {
      byTerm.set(term, { server, command, prevTerm });
      return null;
    }
    if (!sameCommand(first.command, command)) {
      return (
        `Log Matching: index ${index} term ${term} holds ${formatValue(command)} at server ${server} ` +
        `but held ${formatValue(first.command)} at server ${first.server}`
      );
    }
    if (prevTerm !== undefined && first.prevTerm !== undefined && prevTerm !== first.prevTerm) {
      return (
        `Log Matching: index ${index} term ${term} follows term ${prevTerm} at server ${server} ` +
        `but followed term ${first.prevTerm} at server ${first.server}`
      );
    }
    return null;
  }

  /** Everything a server has committed agrees with what every other server committed at the same index. */
  private checkCommitted(server: number, t: Tracked, view: RaftInspection): string | null {
    const lo = view.snapshotIndex;
    if (lo > 0) {
      const breach = this.commit(server, view.term, lo, view.snapshotTerm, undefined);
      if (breach !== null) return breach;
    }
    for (let j = Math.max(t.commitIndex, lo) + 1; j <= view.commitIndex; j++) {
      const entry = view.entry(j);
      if (entry === undefined) continue; // Unreachable: checkIndices saw commitIndex <= lastIndex.
      const breach = this.commit(server, view.term, j, entry.term, { value: entry.command });
      if (breach !== null) return breach;
    }
    return null;
  }

  private commit(
    server: number,
    serverTerm: number,
    index: number,
    term: number,
    command: { readonly value: unknown } | undefined,
  ): string | null {
    const known = this.committed[index];
    if (known === undefined) {
      this.committed[index] = { term, command, server, byTerm: serverTerm };
      if (index > this.maxCommitted) {
        this.maxCommitted = index;
        this.dirty = true;
      }
      return null;
    }
    const sameTerm = known.term === term;
    const sameCmd =
      command === undefined || known.command === undefined || sameCommand(known.command.value, command.value);
    if (sameTerm && sameCmd) {
      if (known.command === undefined && command !== undefined) this.committed[index] = { ...known, command };
      return null;
    }
    return (
      `State Machine Safety: server ${server} committed ${describe(term, command)} at index ${index}, ` +
      `server ${known.server} committed ${describe(known.term, known.command)}`
    );
  }

  private checkElectionSafety(server: number, t: Tracked, view: RaftInspection): string | null {
    if (view.role !== 'leader') return null;
    const other = this.leaders.get(view.term);
    if (other !== undefined && other !== server) {
      return `Election Safety: servers ${other} and ${server} both lead term ${view.term}`;
    }
    if (other === undefined || t.role !== 'leader') {
      // A new leadership (or the same server leading again after a restart): check completeness from scratch.
      t.leaderCheckedThrough = -1;
    }
    this.leaders.set(view.term, server);
    return null;
  }

  /** Leader Completeness: a leader holds every entry committed in an earlier term. */
  private checkLeaderCompleteness(server: number, t: Tracked, view: RaftInspection): string | null {
    if (t.leaderCheckedThrough >= this.maxCommitted) return null;
    const lo = view.snapshotIndex;
    for (let j = Math.max(t.leaderCheckedThrough + 1, lo); j <= this.maxCommitted; j++) {
      const c = this.committed[j];
      if (c === undefined || c.byTerm >= view.term) continue;
      // Below the snapshot nothing is left to compare: checkCommitted saw the snapshot's last entry agree.
      const term = j === lo ? view.snapshotTerm : view.entry(j)?.term;
      if (term !== c.term) {
        return (
          `Leader Completeness: leader ${server} of term ${view.term} has ` +
          `${term === undefined ? 'no entry' : `term ${term}`} at index ${j}, where ${describe(c.term, c.command)} ` +
          `was committed (by term ${c.byTerm} at the latest)`
        );
      }
    }
    t.leaderCheckedThrough = this.maxCommitted;
    return null;
  }
}

function sameCommand(a: unknown, b: unknown): boolean {
  return a === b || isDeepStrictEqual(a, b);
}

function describe(term: number, command: { readonly value: unknown } | undefined): string {
  return command === undefined ? `term ${term}` : `${formatValue(command.value)} (term ${term})`;
}
