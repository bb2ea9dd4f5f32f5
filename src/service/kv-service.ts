import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  EtcdStateMachine,
  encodeCommand,
  encodeEtcdSnapshotSteps,
  type EtcdFailure,
  type EtcdSnapshot,
  type RangeRequest,
  type RangeResponse,
  type WriteOutcome,
  type WriteRequest,
} from '../kv/etcd/index.js';
import { MemberStoppedError, type RaftMember } from '../node/index.js';

/**
 * Applied entries between two snapshots, etcd's default (--snapshot-count 100,000). A snapshot encodes and writes
 * the whole store: with 100,000 keys of 256 bytes, about 25 MiB on every member. Taken every 10,000 entries, that
 * came every two seconds under bench:kv's puts, which ran about 8% faster without it.
 */
export const DEFAULT_SNAPSHOT_EVERY = 100_000;

/** How the service snapshots and times out. */
export interface KvServiceOptions {
  /** Take a snapshot (and compact the log) every this many applied entries (default DEFAULT_SNAPSHOT_EVERY). */
  readonly snapshotEvery?: number;
  readonly logger?: Logger;
  /** Called with each write's seconds from proposal to applied, for the metrics. */
  readonly onCommitLatency?: (seconds: number) => void;
}

/** A write that did not come back in time: it may still commit (the outcome is unknown). */
export class WriteTimeoutError extends Error {
  constructor(ms: number) {
    super(`the write was not applied within ${ms} ms; its outcome is unknown`);
    this.name = 'WriteTimeoutError';
  }
}

/**
 * The etcd-style key/value service on one member: it applies the member's committed entries to an
 * EtcdStateMachine in log order, answers the writes this member proposed when they are applied, serves reads (by
 * ReadIndex, or locally), and snapshots the state machine so the member can compact its log.
 *
 * A write's entry carries an origin tag (a random per-process prefix and a counter): when it is applied, the
 * request waiting for it on this member is found by its tag, whatever index it got. An old entry proposed by an
 * earlier run of this member never matches, as its prefix differs.
 */
export class KvService {
  private readonly sm = new EtcdStateMachine();
  private readonly bootTag = randomBytes(8);
  private nextRequest = 0;
  private readonly waiting = new Map<number, (outcome: WriteOutcome) => void>();
  /** Reads waiting for the state machine to reach an index, in the order they came (indexes mostly ascend). */
  private appliedWaiters: { index: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private ended = false;
  private lastSnapshotIndex = 0;
  /** A snapshot is being encoded (a step per turn of the event loop); no second one starts meanwhile. */
  private snapshotting = false;
  private readonly snapshotEvery: number;
  private readonly loop: Promise<void>;
  private failure: Error | null = null;
  /** Called with each write's seconds from proposal to applied (for the metrics). */
  onCommitLatency: ((seconds: number) => void) | undefined;

  constructor(
    private readonly member: RaftMember,
    private readonly options: KvServiceOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.loop = this.applyLoop().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.options.logger?.error({ err: this.failure }, 'state machine failed: stopping the member');
      void this.member.stop();
    });
  }

  /** The store's current revision. */
  get revision(): number {
    return this.sm.revision;
  }

  /** The index of the last entry applied to the state machine. */
  get appliedIndex(): number {
    return this.sm.appliedIndex;
  }

  /** How many keys the store holds. */
  get keys(): number {
    return this.sm.size;
  }

  /** Resolves when the apply loop ends (the member stopped). */
  done(): Promise<void> {
    return this.loop;
  }

  /**
   * Proposes a write and resolves with its outcome once it is committed and applied here. Rejects with the
   * member's errors (NotLeaderError, ProposalDroppedError, ProposalLostError, MemberStoppedError, ...) or
   * WriteTimeoutError after `timeoutMs` (outcome unknown).
   */
  async write(
    write: WriteRequest,
    session: { clientId: string; seq: number } | null,
    timeoutMs: number,
  ): Promise<WriteOutcome> {
    const id = ++this.nextRequest;
    const origin = new Uint8Array(14);
    origin.set(this.bootTag);
    new DataView(origin.buffer).setUint32(8, Math.floor(id / 2 ** 16) >>> 0);
    new DataView(origin.buffer).setUint16(12, id % 2 ** 16);
    const applied = new Promise<WriteOutcome>((resolve) => {
      this.waiting.set(id, resolve);
    });
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new WriteTimeoutError(timeoutMs));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.member.propose(encodeCommand({ origin, session, write })), timeout]);
      const outcome = await Promise.race([applied, timeout]);
      (this.onCommitLatency ?? this.options.onCommitLatency)?.((performance.now() - started) / 1000);
      return outcome;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  /**
   * A linearizable range: a ReadIndex confirmation (no log write), then the local state once applied that far.
   * Rejects with the member's errors (NotLeaderError on a follower, ReadIndexLostError, ReadIndexTimeoutError).
   */
  async linearizableRange(
    request: RangeRequest,
    timeoutMs: number,
  ): Promise<{ ok: true; response: RangeResponse } | { ok: false; error: EtcdFailure }> {
    const index = await this.member.readIndex(timeoutMs);
    await this.waitApplied(index);
    return this.sm.range(request);
  }

  /** A serializable range: this member's state as it is, possibly behind the leader's. */
  localRange(
    request: RangeRequest,
  ): { ok: true; response: RangeResponse } | { ok: false; error: EtcdFailure } {
    return this.sm.range(request);
  }

  private waitApplied(index: number): Promise<void> {
    if (this.sm.appliedIndex >= index) return Promise.resolve();
    if (this.ended) return Promise.reject(new MemberStoppedError('the state machine stopped applying'));
    return new Promise((resolve, reject) => {
      this.appliedWaiters.push({ index, resolve, reject });
    });
  }

  private async applyLoop(): Promise<void> {
    try {
      await this.applyAll();
    } finally {
      // Nothing more will be applied: the reads still waiting would wait forever.
      this.ended = true;
      const stopped = new MemberStoppedError('the state machine stopped applying');
      for (const w of this.appliedWaiters) w.reject(stopped);
      this.appliedWaiters = [];
    }
  }

  private async applyAll(): Promise<void> {
    for await (const item of this.member.committed()) {
      if (item.type === 'snapshot') {
        // The leader's state (or ours, from disk): it replaces everything up to its index.
        this.sm.restore(item.data);
        this.lastSnapshotIndex = item.index;
      } else {
        const applied = this.sm.apply(item.index, item.command);
        if (applied.kind === 'applied') this.answer(applied.command.origin, applied.outcome);
      }
      this.releaseReads();
      if (this.sm.appliedIndex - this.lastSnapshotIndex >= this.snapshotEvery) this.snapshot();
    }
  }

  /** Answers the request waiting for this entry, if this process proposed it. */
  private answer(origin: Uint8Array, outcome: WriteOutcome): void {
    if (origin.length !== 14) return;
    for (let i = 0; i < 8; i++) if (origin[i] !== this.bootTag[i]) return;
    const view = new DataView(origin.buffer, origin.byteOffset, origin.byteLength);
    const id = view.getUint32(8) * 2 ** 16 + view.getUint16(12);
    this.waiting.get(id)?.(outcome);
  }

  private releaseReads(): void {
    if (this.appliedWaiters.length === 0) return;
    const applied = this.sm.appliedIndex;
    const still: typeof this.appliedWaiters = [];
    for (const w of this.appliedWaiters) {
      if (w.index <= applied) w.resolve();
      else still.push(w);
    }
    this.appliedWaiters = still;
  }

  /**
   * Starts a snapshot of the state as it is now, encoded a step at a time between other work: in one go, encoding
   * 100,000 keys stalled every request on this member for about 150 ms. Applies go on meanwhile; the member
   * compacts its log through the snapshot's index once it is encoded (or ignores it, if a newer one came first).
   */
  private snapshot(): void {
    if (this.snapshotting) return;
    this.snapshotting = true;
    const state = this.sm.snapshotState();
    this.encodeAndCompact(state)
      .catch((error: unknown) => {
        // The member stopped meanwhile, or failed: there is nothing left to compact.
        this.options.logger?.warn({ err: error }, 'snapshot abandoned');
      })
      .finally(() => {
        this.snapshotting = false;
      });
  }

  private async encodeAndCompact(state: EtcdSnapshot): Promise<void> {
    const steps = encodeEtcdSnapshotSteps(state);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done === true) {
        this.member.compact(state.appliedIndex, step.value);
        this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, state.appliedIndex);
        this.options.logger?.info(
          { index: state.appliedIndex, bytes: step.value.length, keys: state.kvs.length },
          'snapshot taken',
        );
        return;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
