import type { RpcFields, TraceEvent } from '../../src/lab/trace/trace-event.js';

/** Virtual milliseconds as a reader wants them: "2.471 s". */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** An RPC's arguments or reply in a few words. */
export function describeFields(type: string, f: RpcFields): string {
  const parts: string[] = [];
  if (f.term !== undefined) parts.push(`term ${f.term}`);
  if (f.preVote === true) parts.push('pre-vote');
  if (type === 'RequestVote') parts.push(`last log ${f.lastLogIndex ?? '?'}/T${f.lastLogTerm ?? '?'}`);
  if (type === 'AppendEntries') {
    const n = f.entries ?? 0;
    const prev = f.prevLogIndex ?? 0;
    parts.push(`prev ${prev}/T${f.prevLogTerm ?? '?'}`);
    parts.push(n === 0 ? 'heartbeat' : n === 1 ? `entry ${prev + 1}` : `entries ${prev + 1}-${prev + n}`);
    parts.push(`commit ${f.leaderCommit ?? '?'}`);
  }
  if (type === 'InstallSnapshot')
    parts.push(`through ${f.lastIncludedIndex ?? '?'}/T${f.lastIncludedTerm ?? '?'}`);
  if (f.voteGranted !== undefined) parts.push(f.voteGranted ? 'GRANTED' : 'refused');
  if (f.success !== undefined) parts.push(f.success ? 'ok' : 'REJECTED');
  if (f.matchIndex !== undefined && f.matchIndex >= 0) parts.push(`match ${f.matchIndex}`);
  if (f.conflict !== undefined)
    parts.push(`conflict T${f.conflict[0]}@${f.conflict[1]} len ${f.conflict[2]}`);
  return parts.join(', ');
}

/** One line per event, for the list under the timeline. RPC events name their RPC by its send event. */
export function describeEvent(e: TraceEvent, rpcName: (id: number) => string): string {
  switch (e.k) {
    case 'state':
      return `S${e.s} is ${e.role} in term ${e.term}${e.leader !== null && e.role !== 'leader' ? ` (leader S${e.leader})` : ''}`;
    case 'vote':
      return `S${e.s} votes for S${e.for} in term ${e.term}`;
    case 'commit':
      return `S${e.s} commit index -> ${e.commit}`;
    case 'log': {
      const n = e.commands.length;
      const what =
        n === 0 ? 'no new entries' : n === 1 ? `entry ${e.from}` : `entries ${e.from}-${e.from + n - 1}`;
      const terms = e.terms.map(([term, count]) => (count > 1 ? `T${term}x${count}` : `T${term}`)).join(' ');
      return `S${e.s} log from ${e.from}: ${what} ${terms}${n > 0 && n <= 3 ? ` [${e.commands.join(', ')}]` : ''}`;
    }
    case 'snapshot':
      return `S${e.s} snapshot through ${e.index} (term ${e.term}, ${e.bytes} bytes)`;
    case 'persist':
      return `S${e.s} persists ${e.bytes} bytes${e.snapshotBytes > 0 ? ` + snapshot ${e.snapshotBytes}` : ''}`;
    case 'apply':
      return `S${e.s} applies ${e.from === e.to ? e.from : `${e.from}-${e.to}`}`;
    case 'applySnapshot':
      return `S${e.s} loads snapshot through ${e.index}`;
    case 'send':
      return `S${e.from} -> S${e.to} ${e.type} #${e.id}: ${describeFields(e.type, e)} (${e.bytes} B)`;
    case 'recv':
      return `${rpcName(e.id)} arrives`;
    case 'reply': {
      const fields = describeFields('', e);
      return `${rpcName(e.id)} answered: ${fields === '' ? 'no valid reply' : fields}`;
    }
    case 'delay':
      return `${rpcName(e.id)} reply held ${e.ms} ms (reordering)`;
    case 'done':
      return `${rpcName(e.id)} reply delivered`;
    case 'drop':
      return `${rpcName(e.id)} LOST: ${e.why}`;
    case 'label':
      return e.text;
    case 'start':
      return `S${e.s} ${e.restart ? 'restarts from its persisted state' : 'starts'}`;
    case 'crash':
      return `S${e.s} CRASHES`;
    case 'connect':
      return `S${e.s} connected`;
    case 'disconnect':
      return `S${e.s} disconnected`;
    case 'net':
      return `network ${e.reliable ? 'reliable' : 'UNRELIABLE'}${e.longReordering ? ', long reordering' : ''}`;
    case 'begin':
      return `tester: ${e.op}(${e.args}) begins`;
    case 'end':
      return `tester: step ${e.step} returns ${e.result}`;
    case 'fail':
      return `FAILED: ${e.message}`;
    case 'result':
      return e.passed ? 'test passed' : `test failed: ${e.message}`;
  }
}
