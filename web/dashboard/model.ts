// What the dashboard knows: the members, each one's last status or since when it has been down, and the
// cluster's requests per second over the last minute, computed from successive `requests` counters. Pure (no DOM,
// no clock): the page feeds it polls with their times, and tests feed it made-up ones.

/** The fields of a member's GET /status that the dashboard shows. */
export interface MemberStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number | null;
  readonly commit: number;
  readonly applied: number;
  /** KV requests this member served since it started. */
  readonly requests: number;
  readonly members?: readonly { readonly id: number; readonly client: string }[];
}

/** One member as the table shows it. */
export interface MemberRow {
  readonly id: number | null;
  readonly client: string;
  /** The last status, null before the first answer. */
  readonly status: MemberStatus | null;
  /** When the member stopped answering (ms, the page's clock), null while it answers. */
  readonly downSince: number | null;
  /** Its requests per second between its last two answers, null without two. */
  readonly rps: number | null;
}

/** One point of the requests-per-second line. */
export interface RatePoint {
  readonly t: number;
  readonly rps: number;
}

interface Tracked {
  id: number | null;
  client: string;
  status: MemberStatus | null;
  downSince: number | null;
  /** The last two answers' (time, requests), for the rate. */
  last: { t: number; requests: number } | null;
  rps: number | null;
}

/** Reads a /status body, or null when it lacks what the dashboard needs. */
export function parseStatus(body: unknown): MemberStatus | null {
  if (typeof body !== 'object' || body === null) return null;
  const s = body as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const id = num(s.id);
  const term = num(s.term);
  if (id === null || term === null || typeof s.role !== 'string') return null;
  const members = Array.isArray(s.members)
    ? s.members.flatMap((m: unknown) => {
        const r = m as Record<string, unknown> | null;
        return r !== null && typeof r.id === 'number' && typeof r.client === 'string'
          ? [{ id: r.id, client: r.client.replace(/\/+$/, '') }]
          : [];
      })
    : undefined;
  return {
    id,
    role: s.role,
    term,
    leader: num(s.leader),
    commit: num(s.commit) ?? 0,
    applied: num(s.applied) ?? 0,
    requests: num(s.requests) ?? 0,
    ...(members === undefined ? {} : { members }),
  };
}

export class DashboardModel {
  private readonly tracked = new Map<string, Tracked>();
  private readonly points: RatePoint[] = [];

  /** `windowMs`: how much of the rate line is kept (a minute). */
  constructor(
    first: string,
    private readonly windowMs = 60_000,
  ) {
    this.track(first, null);
  }

  /** The client URLs to poll. */
  clients(): string[] {
    return [...this.tracked.keys()];
  }

  /** Records one member's answer (or null: it did not answer) at time `t`. */
  observe(client: string, t: number, status: MemberStatus | null): void {
    const m = this.tracked.get(client) ?? this.track(client, null);
    if (status === null) {
      m.downSince ??= t;
      m.rps = null;
      m.last = null;
      return;
    }
    m.downSince = null;
    m.id = status.id;
    // A counter that went down means the member restarted: its count started again from 0.
    if (m.last !== null && t > m.last.t) {
      const served = status.requests >= m.last.requests ? status.requests - m.last.requests : status.requests;
      m.rps = (served * 1000) / (t - m.last.t);
    }
    m.last = { t, requests: status.requests };
    m.status = status;
    // The members list adds who is not polled yet (the page's own origin may name itself differently: by id).
    for (const member of status.members ?? []) {
      const known = [...this.tracked.values()].some((t) => t.client === member.client || t.id === member.id);
      if (!known) this.track(member.client, member.id);
    }
  }

  /** Ends one polling round at time `t`: adds the cluster's rate (the sum of the members') to the line. */
  endRound(t: number): void {
    let total = 0;
    let known = false;
    for (const m of this.tracked.values()) {
      if (m.rps !== null) {
        total += m.rps;
        known = true;
      }
    }
    if (known) this.points.push({ t, rps: total });
    while ((this.points[0]?.t ?? t) < t - this.windowMs) this.points.shift();
  }

  /** The members, by id (unknown ids last). */
  rows(): MemberRow[] {
    return [...this.tracked.values()]
      .map((m) => ({ id: m.id, client: m.client, status: m.status, downSince: m.downSince, rps: m.rps }))
      .sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity));
  }

  /** The rate line's points, oldest first, within the window. */
  series(): readonly RatePoint[] {
    return this.points;
  }

  private track(client: string, id: number | null): Tracked {
    const m: Tracked = { id, client, status: null, downSince: null, last: null, rps: null };
    this.tracked.set(client, m);
    return m;
  }
}
