import {
  type ApplyMsg,
  type ClientEnd,
  LAB_TIMING,
  type LabRaft,
  type LabWorld,
  make as makeLabRaft,
  type MakeRaft,
  PendingReply,
  type Persister,
  type RpcHandler,
} from '../../lab/index.js';
import type { TimerHandle } from '../../sim/index.js';
import { KvStateMachine } from '../kv-state-machine.js';
import type { KvCommand, KvReply } from '../types.js';
import { readThroughReadIndex } from './read-index-strategy.js';
import { type ReadContext, type ReadStrategy, type SubmitResult } from './read-strategy.js';
import { type GetReply, parseGetArgs, parsePutAppendArgs, type PutAppendReply } from './rpc.js';

/**
 * A server snapshots once the persisted Raft state reaches this fraction of maxraftstate: close enough to the
 * limit not to snapshot needlessly often, early enough that the entries arriving meanwhile stay well within the
 * tests' 8 x maxraftstate.
 */
export const SNAPSHOT_THRESHOLD = 0.9;

/**
 * ... and once the log has grown by at least this fraction of maxraftstate since the last snapshot. Entries not
 * yet applied stay in the Raft state after a snapshot; with many clients they alone can pass the threshold, and
 * a snapshot after every applied entry would then cost a whole store's encoding per entry for almost nothing.
 */
export const SNAPSHOT_MIN_GROWTH = 0.5;

const WRONG_LEADER: SubmitResult = { err: 'ErrWrongLeader', value: '' };

/**
 * How a server serves Gets when its options do not say: through ReadIndex, which passes every kvraft test with
 * its linearizability checks and writes no log entry per read. readThroughLog stays selectable.
 */
export const DEFAULT_READ_STRATEGY: ReadStrategy = readThroughReadIndex;

/** Options beyond the lab's StartKVServer arguments. */
export interface KvServerOptions {
  /** How Gets are served; DEFAULT_READ_STRATEGY if absent. */
  readonly readStrategy?: ReadStrategy;
  /** The Raft to run on; the project's own lab Raft by default. */
  readonly makeRaft?: MakeRaft;
}

/** A command waiting to be applied at a log index, and who waits for it. */
interface Waiter {
  readonly term: number;
  readonly clientId: number;
  readonly seq: number;
  readonly done: (result: SubmitResult) => void;
}

/**
 * The lab's StartKVServer(servers, me, persister, maxraftstate): a key/value server over a lab Raft peer. It
 * returns at once; the server then lives on simulator events. `maxraftstate` is the persisted Raft state size (in
 * bytes) at which to snapshot, or -1 never to snapshot.
 */
export function startKVServer(
  servers: readonly ClientEnd[],
  me: number,
  persister: Persister,
  maxraftstate: number,
  world: LabWorld,
  options: KvServerOptions = {},
): KVServer {
  return new KVServer(servers, me, persister, maxraftstate, world, options);
}

/**
 * One replica of the key/value service: RPC handlers that submit commands to Raft and answer once they are
 * applied, the state machine fed from applyCh, and snapshots when the Raft state grows past maxraftstate.
 *
 * A handler never waits in vain: a server that is not leader answers ErrWrongLeader at once, and so does one
 * that loses leadership while a request waits (its term changes, or a different command is applied at the
 * request's index), so the clerk moves on to another server.
 */
export class KVServer implements ReadContext {
  readonly raft: LabRaft;
  private readonly sm = new KvStateMachine();
  private readonly readStrategy: ReadStrategy;
  /** Submitted commands by log index. */
  private readonly waiting = new Map<number, Waiter>();
  /** whenApplied's callbacks, waiting for the state machine to reach their index. */
  private appliedWaiters: { readonly index: number; readonly fn: (applied: boolean) => void }[] = [];
  private watch: TimerHandle | undefined;
  private lastSnapshotIndex = 0;
  /** The Raft state's size just after the last snapshot: what the entries not yet applied took. */
  private sizeAfterSnapshot = 0;
  private dead = false;

  constructor(
    servers: readonly ClientEnd[],
    readonly me: number,
    private readonly persister: Persister,
    private readonly maxraftstate: number,
    private readonly world: LabWorld,
    options: KvServerOptions,
  ) {
    this.readStrategy = options.readStrategy ?? DEFAULT_READ_STRATEGY;
    // Restore before Raft starts: Raft applies from the entry after its snapshot, which is this one.
    const snapshot = persister.readSnapshot();
    if (snapshot.byteLength > 0) {
      this.sm.restore(snapshot);
      this.lastSnapshotIndex = this.sm.appliedIndex;
    }
    this.raft = (options.makeRaft ?? makeLabRaft)(
      servers,
      me,
      persister,
      (msg) => {
        this.onApply(msg);
      },
      world,
    );
  }

  /** The handlers to register as labrpc service "KVServer". */
  rpcHandlers(): Readonly<Record<string, RpcHandler>> {
    return {
      Get: (args) => this.get(args),
      PutAppend: (args) => this.putAppend(args),
    };
  }

  /** Stops the server and its Raft peer; requests still waiting are told to look elsewhere. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.raft.kill();
    if (this.watch !== undefined) this.world.sim.cancel(this.watch);
    this.failWaiters(() => true);
    const appliedWaiters = this.appliedWaiters;
    this.appliedWaiters = [];
    for (const waiter of appliedWaiters) waiter.fn(false);
  }

  /** The index of the last log entry this server has applied. */
  get appliedIndex(): number {
    return this.sm.appliedIndex;
  }

  readLocal(key: string): KvReply {
    return this.sm.read(key);
  }

  whenApplied(index: number, fn: (applied: boolean) => void): void {
    if (this.dead) fn(false);
    else if (this.sm.appliedIndex >= index) fn(true);
    else this.appliedWaiters.push({ index, fn });
  }

  submit(command: KvCommand, done: (result: SubmitResult) => void): void {
    if (this.dead) {
      done(WRONG_LEADER);
      return;
    }
    const { index, term, isLeader } = this.raft.start(command);
    if (!isLeader) {
      done(WRONG_LEADER);
      return;
    }
    // A request waiting at this index from an earlier term lost its entry to this one: it never commits.
    this.waiting.get(index)?.done(WRONG_LEADER);
    this.waiting.set(index, { term, clientId: command.clientId, seq: command.seq, done });
    this.watchLeadership();
  }

  private get(rawArgs: unknown): GetReply | PendingReply {
    const args = parseGetArgs(rawArgs);
    if (typeof args === 'string') return { err: 'ErrBadRequest', value: '' };
    const reply = new PendingReply();
    this.readStrategy.read(
      this,
      { clientId: args.clientId, seq: args.seq, op: { op: 'get', key: args.key } },
      (result) => {
        reply.resolve({ err: result.err, value: result.value } satisfies GetReply);
      },
    );
    return reply;
  }

  private putAppend(rawArgs: unknown): PutAppendReply | PendingReply {
    const args = parsePutAppendArgs(rawArgs);
    if (typeof args === 'string') return { err: 'ErrBadRequest' };
    const reply = new PendingReply();
    const op = args.op === 'Put' ? ('put' as const) : ('append' as const);
    this.submit(
      { clientId: args.clientId, seq: args.seq, op: { op, key: args.key, value: args.value } },
      (result) => {
        reply.resolve({ err: result.err } satisfies PutAppendReply);
      },
    );
    return reply;
  }

  /** applyCh: runs from a simulator event of Raft's, so calling back into Raft (snapshot) is safe here. */
  private onApply(msg: ApplyMsg): void {
    if (this.dead) return;
    if (msg.snapshotValid) {
      this.installSnapshot(msg);
    } else if (msg.commandValid) {
      this.applyCommand(msg.commandIndex, msg.command);
    }
    this.releaseAppliedWaiters();
    this.maybeSnapshot();
  }

  /** Runs the whenApplied callbacks whose index the state machine has now reached. */
  private releaseAppliedWaiters(): void {
    if (this.appliedWaiters.length === 0) return;
    const applied = this.sm.appliedIndex;
    const ready = this.appliedWaiters.filter((waiter) => waiter.index <= applied);
    if (ready.length === 0) return;
    this.appliedWaiters = this.appliedWaiters.filter((waiter) => waiter.index > applied);
    for (const waiter of ready) waiter.fn(true);
  }

  private installSnapshot(msg: ApplyMsg): void {
    if (msg.snapshot === null || msg.snapshotIndex <= this.sm.appliedIndex) return; // Nothing new in it.
    this.sm.restore(msg.snapshot);
    if (this.sm.appliedIndex !== msg.snapshotIndex) {
      throw new Error(
        `kvraft server ${this.me}: snapshot holds index ${this.sm.appliedIndex}, ApplyMsg says ${msg.snapshotIndex}`,
      );
    }
    this.lastSnapshotIndex = msg.snapshotIndex;
    // Requests whose entries the snapshot covers cannot learn their replies here; their clerks will retry, and the
    // duplicate table answers the retries of writes that did run.
    this.failWaiters((index) => index <= msg.snapshotIndex);
  }

  private applyCommand(index: number, command: unknown): void {
    if (index <= this.sm.appliedIndex) return; // Already in the snapshot this server restored.
    const outcome = this.sm.apply(index, command);
    const waiter = this.waiting.get(index);
    if (waiter === undefined) return;
    this.waiting.delete(index);
    const ours =
      (outcome.status === 'applied' || outcome.status === 'duplicate') &&
      isCommandOf(command, waiter.clientId, waiter.seq);
    // Another command at this index means another leader's log won: ours was lost.
    waiter.done(ours ? outcome.reply : WRONG_LEADER);
  }

  /** Snapshots the state through the applied index once the Raft state nears maxraftstate. */
  private maybeSnapshot(): void {
    if (this.maxraftstate < 0 || this.sm.appliedIndex <= this.lastSnapshotIndex) return;
    const size = this.persister.raftStateSize();
    if (size < this.maxraftstate * SNAPSHOT_THRESHOLD) return;
    if (size - this.sizeAfterSnapshot < this.maxraftstate * SNAPSHOT_MIN_GROWTH) return;
    this.lastSnapshotIndex = this.sm.appliedIndex;
    this.raft.snapshot(this.sm.appliedIndex, this.sm.snapshot());
    this.sizeAfterSnapshot = this.persister.raftStateSize();
  }

  /**
   * While requests wait, checks every tick that this server is still leader in the term it took them in; if not,
   * they will not commit through it (or not knowably), so their clerks are told at once.
   */
  private watchLeadership(): void {
    if (this.watch !== undefined || this.dead) return;
    const check = (): void => {
      this.watch = undefined;
      if (this.dead) return;
      const { term, isLeader } = this.raft.getState();
      this.failWaiters((_, waiter) => !isLeader || waiter.term !== term);
      if (this.waiting.size > 0) this.watch = this.world.sim.schedule(LAB_TIMING.tickMs, check);
    };
    this.watch = this.world.sim.schedule(LAB_TIMING.tickMs, check);
  }

  private failWaiters(which: (index: number, waiter: Waiter) => boolean): void {
    for (const [index, waiter] of [...this.waiting]) {
      if (!which(index, waiter)) continue;
      this.waiting.delete(index);
      waiter.done(WRONG_LEADER);
    }
  }
}

/** Whether a log entry is the request (clientId, seq): a retry of it counts, as the state machine dedups it. */
function isCommandOf(command: unknown, clientId: number, seq: number): boolean {
  if (typeof command !== 'object' || command === null) return false;
  const c = command as Partial<KvCommand>;
  return c.clientId === clientId && c.seq === seq;
}
