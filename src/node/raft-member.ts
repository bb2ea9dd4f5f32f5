import pino, { type Logger } from 'pino';
import {
  ProposalDroppedError,
  RaftNode,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
  type Role,
} from '../core/index.js';
import type { Storage } from '../storage/index.js';
import type { Transport } from '../transport/index.js';
import { AppendCoalescer } from './append-coalescer.js';
import { CommittedQueue, committedEntry, committedSnapshot, type Committed } from './committed-queue.js';
import {
  InvalidProposalError,
  MemberConfigError,
  ReadIndexLostError,
  ReadIndexTimeoutError,
  MemberStoppedError,
  NotLeaderError,
  ProposalLostError,
  ProposalOutcomeUnknownError,
} from './errors.js';
import { DEFAULT_TIMING, type MemberTiming } from './timing.js';

/** How a RaftMember is set up. */
export interface RaftMemberOptions {
  /** This member's id; it must be in `peers`. */
  readonly id: NodeId;
  /** Every member of the cluster, this one included. */
  readonly peers: readonly NodeId[];
  /** Where the member's state lives; `start` loads it, `stop` closes it. */
  readonly storage: Storage;
  /** How it reaches the other members; `start` starts it, `stop` stops it. */
  readonly transport: Transport;
  /** Tick length and timeouts (default DEFAULT_TIMING). */
  readonly timing?: Partial<MemberTiming>;
  /** Core options beyond the timing (flow-control budgets, ...), for tuning and tests. */
  readonly core?: Partial<
    Pick<
      RaftConfig,
      'maxEntriesPerAppend' | 'maxBytesPerAppend' | 'maxInflightMessages' | 'maxUncommittedBytes'
    >
  >;
  /** Structured logs; each line carries the member id. Default: silent. */
  readonly logger?: Logger;
}

/** What `status()` reports. */
export interface MemberStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  /** The leader this member knows of, or null. */
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  /** Entries held after the snapshot (the log's size in entries). */
  readonly logEntries: number;
  readonly snapshotIndex: number;
  /** Storage writes issued (Readies with something to persist); the storage groups them into fewer fsyncs. */
  readonly writes: number;
  /** Why the member stopped, if it did. */
  readonly stopped: string | null;
  /** How many times the known leader changed (to another member, or to none) since the start. */
  readonly leaderChanges: number;
}

/** A proposal waiting for its entry to commit and apply. */
interface PendingProposal {
  readonly term: number;
  readonly resolve: (value: { index: number; term: number }) => void;
  readonly reject: (error: Error) => void;
}

/** A linearizable read waiting for its leadership confirmation (ReadIndex). */
interface PendingRead {
  readonly resolve: (index: number) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** How long a read may wait for its leadership confirmation by default. */
const READ_INDEX_TIMEOUT_MS = 5_000;

/** A Ready taken from the core, waiting for its write (and every earlier one) to be durable. */
interface InFlightReady {
  readonly ready: Ready;
  durable: boolean;
}

type State = 'running' | 'stopping' | 'stopped';

/**
 * One member of a Raft cluster in a real process: the core `RaftNode` driven by wall-clock ticks, a `Storage`
 * and a `Transport`, following the driver contract of `core/ready.ts`.
 *
 * The loop: inputs (ticks, messages, proposals) are stepped into the core as they arrive, and a process pass is
 * scheduled with setImmediate, so that everything that arrived in one turn of the event loop lands in one Ready.
 * The pass takes that Ready, sends its eager messages (a leader's appends leave while its own write is in flight,
 * thesis 10.2.1) and issues its storage write at once, without waiting for earlier writes: the storage groups
 * every write issued while an fsync is in flight into the next one (group commit), so one fsync covers every
 * Ready taken meanwhile. Writes complete in order; as each Ready becomes durable (and every one before it), its
 * `messages` are sent, the core is told (`advance`), and its committed entries go to the state machine and settle
 * the proposals waiting for them. A write that fails stops the member for good (`failStorage`); it is never
 * retried.
 */
export class RaftMember {
  private state: State = 'running';
  private readonly inflight: InFlightReady[] = [];
  private readonly pending = new Map<number, PendingProposal>();
  /** Reads waiting for ReadIndex, by the context handed to the core. */
  private readonly reads = new Map<number, PendingRead>();
  private nextReadId = 0;
  private readonly queue = new CommittedQueue();
  /** Outgoing messages pass through it: it spares followers the empty appends that only announce a commit. */
  private readonly outgoing: AppendCoalescer;
  private processScheduled = false;
  private ticker: NodeJS.Timeout | null = null;
  private writes = 0;
  private leaderChanges = 0;
  private failure: Error | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly finished: Promise<Error | null>;
  private finish: (error: Error | null) => void = () => undefined;
  private lastSeen: { role: Role; term: number; leader: NodeId | null };

  private constructor(
    private readonly node: RaftNode,
    private readonly options: RaftMemberOptions,
    private readonly timing: MemberTiming,
    private readonly log: Logger,
  ) {
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.outgoing = new AppendCoalescer((m) => {
      options.transport.send(m);
    });
    const s = node.status();
    this.lastSeen = { role: s.role, term: s.term, leader: s.leaderId };
  }

  /** Loads the storage, starts the transport and the ticks: the member takes part in the cluster from now on. */
  static async start(options: RaftMemberOptions): Promise<RaftMember> {
    const timing = { ...DEFAULT_TIMING, ...options.timing };
    if (!(timing.tickMs > 0)) throw new MemberConfigError(`tickMs must be > 0, got ${timing.tickMs}`);
    if (!options.peers.includes(options.id)) {
      throw new MemberConfigError(`member ${options.id} is not among the peers ${options.peers.join(', ')}`);
    }
    const log = (options.logger ?? pino({ level: 'silent' })).child({ member: options.id });
    const persisted = await options.storage.load();
    const node = new RaftNode(
      {
        id: options.id,
        peers: options.peers,
        electionTicks: timing.electionTicks,
        heartbeatTicks: timing.heartbeatTicks,
        maxEntriesPerAppend: options.core?.maxEntriesPerAppend ?? 1024,
        maxBytesPerAppend: options.core?.maxBytesPerAppend ?? 4 * 1024 * 1024,
        maxInflightMessages: options.core?.maxInflightMessages ?? 256,
        // Bounds the memory of proposals a leader holds while its followers lag; beyond it proposals are refused
        // with ProposalDroppedError (the client backs off) rather than queued without limit.
        maxUncommittedBytes: options.core?.maxUncommittedBytes ?? 64 * 1024 * 1024,
        preVote: true,
        checkQuorum: true,
        // A new leader commits an entry of its own term at once: earlier entries commit with it (Figure 8), so
        // proposals acknowledged by the old leader's followers become visible without waiting for new traffic.
        noopOnElection: true,
        rand: { int: (n) => Math.floor(Math.random() * n) },
      },
      persisted,
    );
    const member = new RaftMember(node, options, timing, log);
    // The core starts from the stored snapshot as applied: the state machine must load it before the log's tail.
    if (persisted.snapshot !== null) member.queue.push(committedSnapshot(persisted.snapshot));
    member.unsubscribe.push(
      options.transport.onMessage((m) => {
        member.input(() => {
          member.node.step(m);
        });
      }),
      options.transport.onPeerUnreachable((peer) => {
        member.input(() => {
          member.node.reportUnreachable(peer);
        });
      }),
    );
    try {
      await options.transport.start();
    } catch (error) {
      await options.storage.close().catch(() => undefined);
      throw error;
    }
    member.ticker = setInterval(() => {
      member.input(() => {
        member.node.tick();
      });
    }, timing.tickMs);
    const s = node.status();
    log.info(
      { term: s.term, lastIndex: s.lastIndex, snapshotIndex: s.snapshotIndex, tickMs: timing.tickMs },
      'member started',
    );
    return member;
  }

  /**
   * Proposes `command`. Resolves with its index and term once it is committed and handed to the state machine
   * here; rejects with NotLeaderError (carrying the known leader) on a follower, ProposalDroppedError when the
   * leader cannot take it now, ProposalLostError when another leader's entry took its place, MemberStoppedError
   * when the member stops first (its fate is then unknown).
   */
  propose(command: Uint8Array): Promise<{ index: number; term: number }> {
    // Checked here although typed: JavaScript callers exist, and the core would append what storage then refuses.
    const bytes: unknown = command;
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(new InvalidProposalError(bytes === null ? 'null' : typeof bytes));
    }
    if (this.state !== 'running') return Promise.reject(this.stoppedError());
    let proposed: { index: number; term: number } | null;
    try {
      proposed = this.node.propose(command);
    } catch (error) {
      if (error instanceof ProposalDroppedError) return Promise.reject(error);
      this.fail(error);
      return Promise.reject(this.stoppedError());
    }
    if (proposed === null) {
      return Promise.reject(new NotLeaderError(this.options.id, this.node.status().leaderId));
    }
    const { index, term } = proposed;
    this.scheduleProcess();
    return new Promise((resolve, reject) => {
      this.pending.set(index, { term, resolve, reject });
    });
  }

  /**
   * The committed entries and leader snapshots, in log order, for the state machine: one consumer, from the
   * member's start. The iteration ends when the member stops (throwing the reason if it failed).
   */
  committed(): AsyncIterable<Committed> {
    return this.queue.iterate();
  }

  /**
   * A linearizable read point (ReadIndex, thesis 6.4, without a log write). Resolves with the read index once this
   * member, as leader, has had its leadership confirmed by a quorum after the call, and every entry through that
   * index has been handed to the state machine (`committed()`): a read served once the state machine has applied
   * that far sees every write acknowledged before the call. Rejects with NotLeaderError on a follower,
   * ReadIndexLostError when leadership is lost first, ReadIndexTimeoutError after `timeoutMs`, MemberStoppedError
   * when the member stops.
   */
  readIndex(timeoutMs = READ_INDEX_TIMEOUT_MS): Promise<number> {
    if (this.state !== 'running') return Promise.reject(this.stoppedError());
    const id = ++this.nextReadId;
    let accepted: boolean;
    try {
      accepted = this.node.requestRead(id);
    } catch (error) {
      this.fail(error);
      return Promise.reject(this.stoppedError());
    }
    if (!accepted) return Promise.reject(new NotLeaderError(this.options.id, this.node.status().leaderId));
    this.scheduleProcess();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.reads.delete(id)) reject(new ReadIndexTimeoutError(timeoutMs));
      }, timeoutMs);
      this.reads.set(id, { resolve, reject, timer });
    });
  }

  /**
   * The state machine took a snapshot of its state through `index` (which it has applied): the log up to there is
   * dropped once the snapshot is durable (the storage writes the snapshot before it drops entries, ready.ts). An
   * index at or below the current snapshot is ignored; one beyond what was handed to the state machine throws.
   */
  compact(index: number, data: Uint8Array): void {
    if (this.state !== 'running') return;
    this.node.compact(index, data);
    this.scheduleProcess();
  }

  /** Where the member stands now. */
  status(): MemberStatus {
    const s = this.node.status();
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leaderId,
      commit: s.commitIndex,
      applied: s.appliedIndex,
      lastIndex: s.lastIndex,
      logEntries: s.lastIndex - s.snapshotIndex,
      snapshotIndex: s.snapshotIndex,
      writes: this.writes,
      leaderChanges: this.leaderChanges,
      stopped: this.failure === null ? (this.state === 'running' ? null : 'stopped') : this.failure.message,
    };
  }

  /** Resolves when the member has stopped: with null after `stop()`, with the error after a failure. */
  done(): Promise<Error | null> {
    return this.finished;
  }

  /** Stops ticking and talking, lets the writes already issued finish, and closes the storage. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'running') await this.shutdown(null);
    await this.finished;
  }

  // ---------------------------------------------------------------- the loop

  /** Steps one input into the core, then schedules a process pass. A throw from the core is a bug: fail. */
  private input(step: () => void): void {
    if (this.state !== 'running') return;
    try {
      step();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.scheduleProcess();
  }

  private scheduleProcess(): void {
    if (this.processScheduled || this.state !== 'running') return;
    this.processScheduled = true;
    setImmediate(this.process);
  }

  private readonly process = (): void => {
    this.processScheduled = false;
    if (this.state !== 'running' || !this.node.hasReady()) return;
    let ready: Ready;
    try {
      ready = this.node.takeReady();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.observeChanges();
    this.send(ready.eagerMessages);
    const entry: InFlightReady = { ready, durable: false };
    this.inflight.push(entry);
    if (ready.hardState === null && ready.snapshot === null && ready.entries === null) {
      entry.durable = true;
      this.drain();
      return;
    }
    this.writes++;
    this.options.storage.write(ready).then(
      () => {
        entry.durable = true;
        this.drain();
      },
      (error: unknown) => {
        this.fail(error);
      },
    );
  };

  /** Completes, in the order taken, every Ready whose write (and every earlier one) is durable. */
  private drain(): void {
    while (this.state === 'running') {
      const head = this.inflight[0];
      if (head === undefined || !head.durable) break;
      this.inflight.shift();
      const { ready } = head;
      this.send(ready.messages);
      try {
        this.node.advance(ready);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.apply(ready);
      this.settleReads(ready);
    }
    this.observeChanges();
    if (this.node.hasReady()) this.scheduleProcess();
  }

  private send(messages: readonly Message[]): void {
    for (const m of messages) this.outgoing.send(m);
  }

  /** Hands a durable Ready's snapshot and committed entries to the state machine, settling their proposals. */
  private apply(ready: Ready): void {
    if (ready.applySnapshot !== null) {
      const snapshot = ready.applySnapshot;
      this.queue.push(committedSnapshot(snapshot));
      for (const [index, p] of this.pending) {
        if (index > snapshot.index) continue;
        this.pending.delete(index);
        p.reject(new ProposalOutcomeUnknownError(index));
      }
    }
    for (const entry of ready.committed) {
      this.queue.push(committedEntry(entry));
      const p = this.pending.get(entry.index);
      if (p === undefined) continue;
      this.pending.delete(entry.index);
      if (p.term === entry.term) p.resolve({ index: entry.index, term: entry.term });
      else p.reject(new ProposalLostError(entry.index, p.term));
    }
  }

  /** Releases the reads the core confirmed (their entries were just handed over) and fails the dropped ones. */
  private settleReads(ready: Ready): void {
    for (const rs of ready.readStates) {
      const read = this.takeRead(rs.context);
      read?.resolve(rs.index);
    }
    for (const context of ready.droppedReads) {
      const read = this.takeRead(context);
      read?.reject(new ReadIndexLostError());
    }
  }

  private takeRead(context: unknown): PendingRead | undefined {
    if (typeof context !== 'number') return undefined;
    const read = this.reads.get(context);
    if (read === undefined) return undefined;
    this.reads.delete(context);
    clearTimeout(read.timer);
    return read;
  }

  /** Logs role, term and leader changes: the events an operator reads a cluster's story from. */
  private observeChanges(): void {
    const s = this.node.status();
    const seen = this.lastSeen;
    if (s.role === seen.role && s.term === seen.term && s.leaderId === seen.leader) return;
    if (s.leaderId !== seen.leader) this.leaderChanges++;
    this.lastSeen = { role: s.role, term: s.term, leader: s.leaderId };
    this.log.info({ role: s.role, term: s.term, leader: s.leaderId, commit: s.commitIndex }, 'state changed');
  }

  // ---------------------------------------------------------------- stopping

  /** A failed write, or a throw from the core: stop for good with that error. Never retried. */
  private fail(error: unknown): void {
    if (this.state !== 'running') return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    this.node.failStorage(failure);
    this.log.error({ err: failure }, 'member failed: stopping');
    void this.shutdown(failure);
  }

  private stoppedError(): MemberStoppedError {
    return this.failure === null
      ? new MemberStoppedError('stop() was called')
      : new MemberStoppedError(this.failure.message, { cause: this.failure });
  }

  private async shutdown(failure: Error | null): Promise<void> {
    this.state = 'stopping';
    if (this.ticker !== null) clearInterval(this.ticker);
    for (const off of this.unsubscribe) off();
    this.outgoing.clear();
    const stopped = this.stoppedError();
    for (const p of this.pending.values()) p.reject(stopped);
    this.pending.clear();
    for (const read of this.reads.values()) {
      clearTimeout(read.timer);
      read.reject(stopped);
    }
    this.reads.clear();
    this.inflight.length = 0;
    this.queue.end(failure);
    await this.options.transport.stop().catch((error: unknown) => {
      this.log.warn({ err: error }, 'transport stop failed');
    });
    // Waits for the writes already issued; after a failure the storage rejects at once, which is fine.
    await this.options.storage.close().catch((error: unknown) => {
      if (failure === null) this.log.warn({ err: error }, 'storage close failed');
    });
    this.state = 'stopped';
    this.log.info({ failed: failure !== null }, 'member stopped');
    this.finish(failure);
  }
}
