import type { RpcFields } from './trace-event.js';

/**
 * The fields a reader of a trace cares about in an RPC's arguments or reply. labrpc carries any value, so this
 * recognises the core's Raft messages by their `type` and returns nothing for anything else.
 */
export function rpcFields(value: unknown): RpcFields {
  if (typeof value !== 'object' || value === null) return {};
  const m = value as Record<string, unknown>;
  const term = num(m.term);
  switch (m.type) {
    case 'RequestVote':
      return {
        term,
        preVote: m.preVote === true,
        lastLogIndex: num(m.lastLogIndex),
        lastLogTerm: num(m.lastLogTerm),
      };
    case 'RequestVoteReply':
      return { term, preVote: m.preVote === true, voteGranted: m.voteGranted === true };
    case 'AppendEntries':
      return {
        term,
        prevLogIndex: num(m.prevLogIndex),
        prevLogTerm: num(m.prevLogTerm),
        entries: Array.isArray(m.entries) ? m.entries.length : 0,
        leaderCommit: num(m.leaderCommit),
      };
    case 'AppendEntriesReply': {
      const c = m.conflict as Record<string, unknown> | null | undefined;
      const fields: RpcFields = { term, success: m.success === true, matchIndex: num(m.matchIndex) };
      return typeof c === 'object' && c !== null
        ? { ...fields, conflict: [num(c.xTerm), num(c.xIndex), num(c.xLen)] }
        : fields;
    }
    case 'InstallSnapshot':
      return {
        term,
        lastIncludedIndex: num(m.lastIncludedIndex),
        lastIncludedTerm: num(m.lastIncludedTerm),
      };
    case 'InstallSnapshotReply':
      return { term, matchIndex: num(m.matchIndex) };
    default:
      return {};
  }
}

/** The name of an RPC for the trace: the message's own type, or the labrpc method. */
export function rpcType(svcMeth: string, args: unknown): string {
  if (typeof args === 'object' && args !== null) {
    const type = (args as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return svcMeth.slice(svcMeth.lastIndexOf('.') + 1);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : -1;
}
