import {
  TRACE_FORMAT,
  TRACE_VERSION,
  type DropReason,
  type RpcFields,
  type TraceEvent,
  type TraceHeader,
  type TraceRole,
} from '../../src/lab/trace/trace-event.js';

/** A stretch of time during which a server kept one role and term ('down' while crashed). */
export interface RoleSpan {
  readonly t0: number;
  t1: number;
  readonly role: TraceRole | 'down';
  readonly term: number;
}

/** A stretch of time something held: a server crashed or cut off, the network unreliable. */
export interface Band {
  readonly t0: number;
  t1: number;
}

/** One RPC's whole life, gathered from its send/recv/reply/delay/done/drop events. */
export interface Rpc {
  readonly id: number;
  readonly type: string;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
  readonly fields: RpcFields;
  readonly tSend: number;
  /** When the handler ran (NaN if it never did). */
  tRecv: number;
  /** When the reply reached the caller (NaN if it never did). */
  tDone: number;
  replyFields: RpcFields | null;
  /** Where it was lost, if it was. */
  drop: { readonly t: number; readonly why: DropReason } | null;
  /** Long reordering's hold on the reply, in ms (0 if none). */
  delayMs: number;
  /** The index of its `send` event. */
  readonly event: number;
}

/** A tester step (checkOneLeader, one, ...) from its begin to its end (NaN if it never ended). */
export interface Step {
  readonly id: number;
  readonly op: string;
  readonly args: string;
  readonly t0: number;
  t1: number;
  result: string;
  /** Its row in the tester lane, so that overlapping steps (concurrent clients) do not hide each other. */
  row: number;
}

/** A trace, parsed and indexed for the viewer. */
export interface TraceModel {
  readonly header: TraceHeader;
  readonly events: readonly TraceEvent[];
  /** The last event's time: the run's length. */
  readonly end: number;
  readonly roles: readonly (readonly RoleSpan[])[];
  readonly crashed: readonly (readonly Band[])[];
  readonly disconnected: readonly (readonly Band[])[];
  readonly unreliable: readonly Band[];
  /** RPCs in the order they were sent. */
  readonly rpcs: readonly Rpc[];
  readonly rpcTypes: readonly string[];
  readonly steps: readonly Step[];
  readonly stepRows: number;
  readonly labels: readonly { readonly t: number; readonly text: string }[];
  /** The first failed check, if any. */
  readonly failure: { readonly t: number; readonly message: string } | null;
  readonly passed: boolean;
  /** Times at which some server became leader. */
  readonly leaderChanges: readonly number[];
}

/** Raised for a text that is not a trace this viewer reads. */
export class TraceFormatError extends Error {
  readonly code = 'TRACE_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'TraceFormatError';
  }
}

/** Parses a trace's text (JSON lines) and indexes it for drawing and scrubbing. */
export function parseTrace(text: string): TraceModel {
  const lines = text.split('\n').filter((line) => line !== '');
  const header = JSON.parse(lines[0] ?? '{}') as Partial<TraceHeader>;
  if (header.format !== TRACE_FORMAT) throw new TraceFormatError('not a raft-ts trace: no header line');
  if (header.version !== TRACE_VERSION) {
    throw new TraceFormatError(`trace version ${String(header.version)}; this viewer reads ${TRACE_VERSION}`);
  }
  const events = lines.slice(1).map((line) => JSON.parse(line) as TraceEvent);
  return indexTrace(header as TraceHeader, events);
}

/** Builds the viewer's indexes from a header and its events. */
export function indexTrace(header: TraceHeader, events: readonly TraceEvent[]): TraceModel {
  const n = header.servers;
  const end = events.at(-1)?.t ?? 0;
  const roles: RoleSpan[][] = Array.from({ length: n }, () => []);
  const crashed: Band[][] = Array.from({ length: n }, () => []);
  const disconnected: Band[][] = Array.from({ length: n }, () => []);
  const unreliable: Band[] = [];
  const rpcs: Rpc[] = [];
  const rpcById = new Map<number, Rpc>();
  const steps: Step[] = [];
  const stepById = new Map<number, Step>();
  const labels: { t: number; text: string }[] = [];
  const leaderChanges: number[] = [];
  let failure: { t: number; message: string } | null = null;
  let passed = false;
  const isDown = new Array<boolean>(n).fill(true);
  const isCut = new Array<boolean>(n).fill(true);

  const setRole = (s: number, t: number, role: TraceRole | 'down', term: number): void => {
    const lane = roles[s];
    if (lane === undefined) return;
    const last = lane.at(-1);
    if (last !== undefined) {
      if (last.role === role && last.term === term) return;
      last.t1 = t;
      if (last.t0 === t) lane.pop(); // Replaced at the same instant: it never showed.
    }
    lane.push({ t0: t, t1: end, role, term });
  };
  const open = (bands: Band[] | undefined, t: number): void => {
    bands?.push({ t0: t, t1: end });
  };
  const close = (bands: readonly Band[] | undefined, t: number): void => {
    const last = bands?.at(-1);
    if (last !== undefined) last.t1 = t;
  };

  events.forEach((e, k) => {
    switch (e.k) {
      case 'state': {
        const wasLeader = roles[e.s]?.at(-1)?.role === 'leader';
        setRole(e.s, e.t, e.role, e.term);
        if (e.role === 'leader' && !wasLeader) leaderChanges.push(e.t);
        break;
      }
      case 'start':
        if (isDown[e.s] === true) close(crashed[e.s], e.t);
        isDown[e.s] = false;
        break;
      case 'crash': {
        isDown[e.s] = true;
        open(crashed[e.s], e.t);
        setRole(e.s, e.t, 'down', roles[e.s]?.at(-1)?.term ?? 0);
        break;
      }
      case 'connect':
        if (isCut[e.s] === true) close(disconnected[e.s], e.t);
        isCut[e.s] = false;
        break;
      case 'disconnect':
        if (isCut[e.s] !== true) open(disconnected[e.s], e.t);
        isCut[e.s] = true;
        break;
      case 'net': {
        const last = unreliable.at(-1);
        const isUnreliable = last !== undefined && last.t1 === end;
        if (!e.reliable && !isUnreliable) open(unreliable, e.t);
        if (e.reliable && isUnreliable) close(unreliable, e.t);
        break;
      }
      case 'send': {
        const rpc: Rpc = {
          id: e.id,
          type: e.type,
          from: e.from,
          to: e.to,
          bytes: e.bytes,
          fields: fieldsOf(e),
          tSend: e.t,
          tRecv: NaN,
          tDone: NaN,
          replyFields: null,
          drop: null,
          delayMs: 0,
          event: k,
        };
        rpcs.push(rpc);
        rpcById.set(e.id, rpc);
        break;
      }
      case 'recv': {
        const rpc = rpcById.get(e.id);
        if (rpc !== undefined) rpc.tRecv = e.t;
        break;
      }
      case 'reply': {
        const rpc = rpcById.get(e.id);
        if (rpc !== undefined) rpc.replyFields = fieldsOf(e);
        break;
      }
      case 'delay': {
        const rpc = rpcById.get(e.id);
        if (rpc !== undefined) rpc.delayMs = e.ms;
        break;
      }
      case 'done': {
        const rpc = rpcById.get(e.id);
        if (rpc !== undefined) rpc.tDone = e.t;
        break;
      }
      case 'drop': {
        const rpc = rpcById.get(e.id);
        if (rpc !== undefined) rpc.drop = { t: e.t, why: e.why };
        break;
      }
      case 'begin': {
        const step: Step = { id: e.step, op: e.op, args: e.args, t0: e.t, t1: NaN, result: '', row: 0 };
        steps.push(step);
        stepById.set(e.step, step);
        break;
      }
      case 'end': {
        const step = stepById.get(e.step);
        if (step !== undefined) {
          step.t1 = e.t;
          step.result = e.result;
        }
        break;
      }
      case 'label':
        labels.push({ t: e.t, text: e.text });
        break;
      case 'fail':
        failure ??= { t: e.t, message: e.message };
        break;
      case 'result':
        passed = e.passed;
        if (!e.passed) failure ??= { t: e.t, message: e.message };
        break;
      default:
        break;
    }
  });
  // A band closed as soon as it opened (a server disconnected just before it boots and connects) never showed;
  // one still open at the end of the run did.
  const showed = (b: Band): boolean => b.t1 > b.t0 || b.t0 === end;
  for (let s = 0; s < n; s++) {
    crashed[s] = (crashed[s] ?? []).filter(showed);
    disconnected[s] = (disconnected[s] ?? []).filter(showed);
  }
  const stepRows = assignRows(steps, end);
  const rpcTypes = [...new Set(rpcs.map((r) => r.type))].sort();
  return {
    header,
    events,
    end,
    roles,
    crashed,
    disconnected,
    unreliable,
    rpcs,
    rpcTypes,
    steps,
    stepRows,
    labels,
    failure,
    passed,
    leaderChanges,
  };
}

/** Every RpcFields key, to copy an event's message fields and nothing else. */
const FIELD_KEYS = [
  'term',
  'preVote',
  'lastLogIndex',
  'lastLogTerm',
  'voteGranted',
  'prevLogIndex',
  'prevLogTerm',
  'entries',
  'leaderCommit',
  'success',
  'matchIndex',
  'conflict',
  'lastIncludedIndex',
  'lastIncludedTerm',
] as const satisfies readonly (keyof RpcFields)[];

function fieldsOf(e: RpcFields): RpcFields {
  const fields: Record<string, unknown> = {};
  for (const key of FIELD_KEYS) if (e[key] !== undefined) fields[key] = e[key];
  return fields;
}

/** Gives each step the first row free at its start, so overlapping steps stack. Returns the number of rows. */
function assignRows(steps: readonly Step[], end: number): number {
  const busyUntil: number[] = [];
  for (const step of steps) {
    const stop = Number.isNaN(step.t1) ? end : step.t1;
    if (stop === step.t0) continue; // An instant check is a tick on the first row: it reserves nothing.
    let row = busyUntil.findIndex((t) => t <= step.t0);
    if (row < 0) row = busyUntil.length;
    busyUntil[row] = Math.max(stop, step.t0 + 1);
    step.row = row;
  }
  return Math.max(1, busyUntil.length);
}

/** The index of the first element of sorted `values` (by `key`) that is > `t` (binary search). */
export function upperBound<T>(values: readonly T[], t: number, key: (value: T) => number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(values[mid] as T) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
