import { lastIndex, termAt, type ServerState } from './cluster-state.js';
import { formatTime } from './describe.js';
import { upperBound, type Rpc, type TraceModel } from './trace-model.js';

/** Who leads at a moment, and since when. */
export interface LeaderInfo {
  readonly server: number;
  readonly term: number;
  readonly since: number;
}

/** The live leader of the highest term at time `t`, if any. */
export function leaderAt(model: TraceModel, servers: readonly ServerState[], t: number): LeaderInfo | null {
  let best: LeaderInfo | null = null;
  servers.forEach((s, i) => {
    if (s.crashed || s.role !== 'leader' || (best !== null && best.term >= s.term)) return;
    const spans = model.roles[i] ?? [];
    const span = spans[upperBound(spans, t, (r) => r.t0) - 1];
    best = { server: i, term: s.term, since: span?.t0 ?? t };
  });
  return best;
}

/**
 * Why the log looks the way it does at time `t`, in sentences: who leads, and for the leader's first entry
 * that is not committed, which rule holds it back (no majority stores it, or it is from an older term), and
 * what became of the AppendEntries that should have carried it to each server that lacks it.
 */
export function explain(model: TraceModel, servers: readonly ServerState[], t: number): string[] {
  const n = servers.length;
  const majority = Math.floor(n / 2) + 1;
  const leader = leaderAt(model, servers, t);
  if (leader === null) {
    const live = servers.filter((s) => !s.crashed).length;
    const candidates = servers.flatMap((s, i) =>
      !s.crashed && s.role.endsWith('candidate') ? [`S${i}`] : [],
    );
    return [
      `No leader at ${formatTime(t)}: nothing can commit until one is elected` +
        (live < majority ? ` (only ${live} of ${n} servers are up; an election needs ${majority}).` : '.') +
        (candidates.length > 0 ? ` Campaigning: ${candidates.join(', ')}.` : ''),
    ];
  }
  const lines = [
    `S${leader.server} is the leader of term ${leader.term}, since ${formatTime(leader.since)}.`,
  ];
  const others = servers.flatMap((s, i) =>
    i !== leader.server && !s.crashed && s.role === 'leader' ? [`S${i} (term ${s.term})`] : [],
  );
  if (others.length > 0) {
    lines.push(`Also calling itself leader: ${others.join(', ')}, of an older term: it can commit nothing.`);
  }
  const l = servers[leader.server] as ServerState;
  lines.push(...leaderEntries(model, servers, leader, t));
  lines.push(...strayEntries(servers, leader, l));
  return lines;
}

/** Why the leader's first uncommitted entry is not committed yet. */
function leaderEntries(
  model: TraceModel,
  servers: readonly ServerState[],
  leader: LeaderInfo,
  t: number,
): string[] {
  const n = servers.length;
  const majority = Math.floor(n / 2) + 1;
  const l = servers[leader.server] as ServerState;
  const last = lastIndex(l);
  if (l.commit >= last) return [`Every entry of the leader's log is committed (through ${l.commit}).`];
  const index = Math.max(l.commit + 1, l.snapshotIndex + 1);
  const term = termAt(l, index) ?? 0;
  const holders = servers.flatMap((s, i) => (termAt(s, index) === term ? [i] : []));
  const pending = last - l.commit;
  const lines = [
    `Not committed on the leader: ${pending === 1 ? `entry ${index}` : `entries ${index}-${last}`}. ` +
      `Entry ${index} (term ${term}) is stored on ${holders.length} of ${n} servers ` +
      `(${holders.map((i) => `S${i}`).join(', ')}); committing needs ${majority}.`,
  ];
  if (holders.length >= majority) {
    lines.push(
      term < leader.term
        ? `It has a majority, but it is from an older term: a leader commits only entries of its own term by ` +
            `counting replicas (Figure 8); entry ${index} commits once an entry of term ${leader.term} after it does.`
        : `It has a majority: the leader commits it as soon as the acknowledgements reach it.`,
    );
    return lines;
  }
  servers.forEach((s, i) => {
    if (holders.includes(i)) return;
    lines.push(`S${i} lacks it: ${whyLacking(model, s, leader, i, index, t)}`);
  });
  return lines;
}

/**
 * Uncommitted entries that other servers hold and the leader does not: left over from an older leader that did
 * not get them to a majority. The leader will overwrite them.
 */
function strayEntries(servers: readonly ServerState[], leader: LeaderInfo, l: ServerState): string[] {
  const lines: string[] = [];
  servers.forEach((s, i) => {
    if (i === leader.server) return;
    for (let index = Math.max(s.commit + 1, s.snapshotIndex + 1); index <= lastIndex(s); index++) {
      const term = termAt(s, index);
      if (term === undefined || termAt(l, index) === term) continue;
      const stored = servers.filter((o) => termAt(o, index) === term).length;
      const to = lastIndex(s);
      const reach =
        stored < Math.floor(servers.length / 2) + 1
          ? `reached only ${stored} of ${servers.length} servers, never a majority`
          : `reached a majority but no leader of term ${term} committed it`;
      lines.push(
        `S${i} holds ${index === to ? `entry ${index}` : `entries ${index}-${to}`} (term ${term}) that the ` +
          `leader does not: ${index === to ? 'it' : `entry ${index}`} ${reach}, so it is not committed, and ` +
          `the leader of term ${leader.term} will replace it.`,
      );
      break;
    }
  });
  return lines;
}

/** Why server `to` has not stored entry `index`: it is down or cut off, or what became of the RPCs carrying it. */
function whyLacking(
  model: TraceModel,
  s: ServerState,
  leader: LeaderInfo,
  to: number,
  index: number,
  t: number,
): string {
  if (s.crashed) return `it is crashed${since(model.crashed[to], t)}.`;
  const cutOff = !s.connected ? `it is disconnected${since(model.disconnected[to], t)}; ` : '';
  const carriers: Rpc[] = [];
  const first = upperBound(model.rpcs, leader.since - 1, (r) => r.tSend);
  const stop = upperBound(model.rpcs, t, (r) => r.tSend);
  for (let k = first; k < stop; k++) {
    const r = model.rpcs[k] as Rpc;
    if (r.from !== leader.server || r.to !== to || r.type !== 'AppendEntries') continue;
    const prev = r.fields.prevLogIndex ?? 0;
    if (r.fields.term === leader.term && prev < index && index <= prev + (r.fields.entries ?? 0))
      carriers.push(r);
  }
  if (carriers.length === 0) {
    return `${cutOff}the leader has sent it no AppendEntries carrying entry ${index} yet (it is still probing where their logs agree, or has just appended it).`;
  }
  const fate = new Map<string, number>();
  const count = (what: string): void => {
    fate.set(what, (fate.get(what) ?? 0) + 1);
  };
  for (const r of carriers) {
    if (r.drop !== null && r.drop.t <= t) count(`lost (${r.drop.why})`);
    else if (Number.isNaN(r.tRecv) || r.tRecv > t) count('still in flight');
    else if (r.replyFields === null || r.replyFields.success === undefined)
      count('answered with no valid reply');
    else if (!r.replyFields.success) count('rejected (logs disagree before it)');
    else if (Number.isNaN(r.tDone) || r.tDone > t) count('accepted, reply in flight');
    else count('accepted');
  }
  const summary = [...fate].map(([what, k]) => `${k} ${what}`).join(', ');
  return `${cutOff}${carriers.length} AppendEntries carried it: ${summary}.`;
}

/** " since <time>": when the latest band to begin by `t` began (the server's state says it still holds). */
function since(bands: readonly { t0: number; t1: number }[] | undefined, t: number): string {
  const band = (bands ?? []).findLast((b) => b.t0 <= t);
  return band === undefined ? '' : ` since ${formatTime(band.t0)}`;
}
