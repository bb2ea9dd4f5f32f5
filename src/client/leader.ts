import type { Agent } from 'node:http';
import { httpCall } from './http-call.js';

/** One member's claim about who leads, and in which term. */
interface Claim {
  readonly leaderUrl: string;
  readonly term: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A base URL without a trailing slash, for comparing endpoints. */
export function normalizeEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:') throw new RangeError(`"${endpoint}" is not an http:// URL`);
  return url.origin;
}

/** raft-ts: GET /status gives role, term, leader id, and the members' client URLs. */
async function raftTsClaim(
  agent: Agent,
  endpoint: string,
  timeoutMs: number,
): Promise<Claim | null | 'absent'> {
  const answer = await httpCall(agent, new URL('/status', endpoint), 'GET', undefined, {}, timeoutMs);
  if (answer.status === 404) return 'absent';
  const status = answer.body;
  if (answer.status !== 200 || !isObject(status)) return null;
  const term = typeof status.term === 'number' ? status.term : 0;
  if (status.role === 'leader') return { leaderUrl: endpoint, term };
  const members: unknown[] = Array.isArray(status.members) ? status.members : [];
  const leader = members.find((m) => isObject(m) && m.id === status.leader && status.leader !== null);
  return isObject(leader) && typeof leader.client === 'string'
    ? { leaderUrl: normalizeEndpoint(leader.client), term }
    : null;
}

/** etcd: POST /v3/maintenance/status gives the leader's id; the member list maps it to its client URLs. */
async function etcdClaim(agent: Agent, endpoint: string, timeoutMs: number): Promise<Claim | null> {
  const status = await httpCall(
    agent,
    new URL('/v3/maintenance/status', endpoint),
    'POST',
    '{}',
    {},
    timeoutMs,
  );
  if (status.status !== 200 || !isObject(status.body)) return null;
  const header = isObject(status.body.header) ? status.body.header : {};
  const leader = status.body.leader;
  const term = Number(status.body.raftTerm ?? header.raft_term ?? 0);
  if (typeof leader !== 'string') return null;
  if (header.member_id === leader) return { leaderUrl: endpoint, term };
  const list = await httpCall(
    agent,
    new URL('/v3/cluster/member/list', endpoint),
    'POST',
    '{}',
    {},
    timeoutMs,
  );
  const members: unknown[] = isObject(list.body) && Array.isArray(list.body.members) ? list.body.members : [];
  const member = members.find((m) => isObject(m) && m.ID === leader);
  const urls: unknown[] = isObject(member) && Array.isArray(member.clientURLs) ? member.clientURLs : [];
  return typeof urls[0] === 'string' ? { leaderUrl: normalizeEndpoint(urls[0]), term } : null;
}

/**
 * Asks every endpoint who leads (raft-ts's /status, else etcd's maintenance status) and returns the leader's
 * client URL claimed in the highest term, or null when no member names one. Endpoints that fail are skipped.
 */
export async function findLeader(
  agent: Agent,
  endpoints: readonly string[],
  timeoutMs: number,
): Promise<string | null> {
  const claims = await Promise.all(
    endpoints.map(async (endpoint): Promise<Claim | null> => {
      try {
        const claim = await raftTsClaim(agent, endpoint, timeoutMs);
        return claim === 'absent' ? await etcdClaim(agent, endpoint, timeoutMs) : claim;
      } catch {
        return null;
      }
    }),
  );
  let best: Claim | null = null;
  for (const claim of claims) if (claim !== null && (best === null || claim.term > best.term)) best = claim;
  return best?.leaderUrl ?? null;
}
