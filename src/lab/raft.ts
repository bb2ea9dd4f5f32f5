import {
  ProposalDroppedError,
  RaftNode,
  validateMessage,
  type Message,
  type PersistedState,
  type Ready,
} from '../core/index.js';
import type { TimerHandle } from '../sim/index.js';
import { commandMsg, snapshotMsg, type ApplyCh, type ApplyMsg } from './apply-msg.js';
import type {
  InspectedEntry,
  LabRaft,
  LabWorld,
  RaftInspection,
  RaftObserver,
  RaftState,
  StartResult,
} from './lab-raft.js';
import type { ClientEnd, RpcHandler } from './labrpc/index.js';
import { decodeRaftState, RaftStateWriter } from './raft-state-codec.js';
import type { Persister } from './persister.js';

/**
 * The lab's timing. A tick is 10 ms of virtual time. Heartbeats every 150 ms keep well within the lab's "no more
 * than 10 per second" and its RPC budgets. Election timeouts of 200-400 ms (more than a heartbeat interval plus
 * the network's longest delay, 27 ms) let several election rounds fit in the tester's 5 s, and a new leader
 * usually appears within one 450 ms round of checkOneLeader. Pre-vote and the leader lease make a timeout that
 * fires by mistake (one lost heartbeat) harmless. Where leaders are cut off every few tens of ms (Figure 8
 * unreliable), time without a leader is most of the run: 300-500 ms committed about 300 commands per run over
 * 300 seeds, 200-400 ms about 360.
 */
export const LAB_TIMING = {
  tickMs: 10,
  heartbeatTicks: 15,
  electionTicks: { min: 20, max: 40 },
  maxEntriesPerAppend: 256,
  /**
   * The longest a leader waits for an answer before it resends (the wait is learnt from measured round trips, this
   * caps it). On the reliable network a lost message goes again within a tick or two. On the unreliable one a
   * request takes up to 27 ms; a cap below that resent a message whose answer was merely slow, and every such
   * duplicate cost an RPC. 100 ms still lets a leader whose link flaps every 150 ms commit in each moment it is up.
   */
  retransmitTicks: 10,
} as const;

/** The lab's Make(peers, me, persister, applyCh): a Raft peer over the core, labrpc and the Persister. */
export function make(
  peers: readonly ClientEnd[],
  me: number,
  persister: Persister,
  applyCh: ApplyCh,
  world: LabWorld,
): LabRaft {
  return new LabRaftPeer(peers, me, persister, applyCh, world);
}

/**
 * Drives one RaftNode in the lab world: ticks from the simulator, messages as labrpc calls, state to the
 * Persister, committed entries to applyCh. Each Ready is handled in order: persist, then send, then apply.
 */
class LabRaftPeer implements LabRaft {
  private readonly node: RaftNode;
  private readonly stateWriter: RaftStateWriter;
  private dead = false;
  private ticker: TimerHandle;
  private readonly applyQueue: ApplyMsg[] = [];
  private applyHead = 0;
  private applyScheduled = false;
  private flushScheduled = false;
  private readSeq = 0;
  /** ReadIndex requests awaiting the core's answer, by context. */
  private readonly pendingReads = new Map<number, (index: number | null) => void>();
  /** A trace's eyes on this peer, if the run is traced. */
  private readonly observer: RaftObserver | undefined;

  constructor(
    private readonly peers: readonly ClientEnd[],
    me: number,
    private readonly persister: Persister,
    private readonly applyCh: ApplyCh,
    private readonly world: LabWorld,
  ) {
    this.node = new RaftNode(
      {
        id: me,
        peers: peers.map((_, i) => i),
        electionTicks: LAB_TIMING.electionTicks,
        heartbeatTicks: LAB_TIMING.heartbeatTicks,
        maxEntriesPerAppend: LAB_TIMING.maxEntriesPerAppend,
        retransmitTicks: LAB_TIMING.retransmitTicks,
        // The lab sends a snapshot whole, in one InstallSnapshot (its hint for 2D).
        snapshotChunkBytes: world.tuning?.snapshotChunkBytes ?? Infinity,
        noopOnElection: world.tuning?.noopOnElection ?? false,
        // labrpc delays each call 0-26 ms, reordering them, and loses some: see RaftConfig.
        resendUnacknowledged: world.tuning?.resendUnacknowledged ?? true,
        // Proposals of the lab's concurrent clients follow each other within a tick (see RaftConfig).
        deferCommitNews: world.tuning?.deferCommitNews ?? true,
        preVote: true,
        checkQuorum: world.tuning?.checkQuorum ?? false,
        rand: world.rand,
      },
      readPersisted(persister),
    );
    this.stateWriter = new RaftStateWriter(this.node.persistentState());
    this.observer = world.observer;
    this.observer?.status(this.node.status());
    // Each peer ticks at its own phase within the tick, as independent clocks would: with a zero-latency network,
    // two peers whose timers fire in the same tick would otherwise always collide and split the vote.
    this.ticker = world.sim.schedule(LAB_TIMING.tickMs + world.rand.int(LAB_TIMING.tickMs), this.tick);
  }

  start(command: unknown): StartResult {
    if (this.dead) return { index: -1, term: this.node.status().term, isLeader: false };
    let proposed: { index: number; term: number } | null;
    try {
      proposed = this.node.propose(command);
    } catch (error) {
      // A leader handing over leadership refuses: to the lab's Start() it is not leader.
      if (error instanceof ProposalDroppedError)
        return { index: -1, term: this.node.status().term, isLeader: false };
      throw error;
    }
    // The entries of Start()s made at one instant leave together, in one AppendEntries per follower.
    this.scheduleFlush();
    if (proposed === null) return { index: -1, term: this.node.status().term, isLeader: false };
    return { index: proposed.index, term: proposed.term, isLeader: true };
  }

  getState(): RaftState {
    const { term, role } = this.node.status();
    return { term, isLeader: role === 'leader' };
  }

  inspect(): RaftInspection {
    const s = this.node.status();
    return {
      term: s.term,
      role: s.role,
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      snapshotIndex: s.snapshotIndex,
      snapshotTerm: this.node.snapshot()?.term ?? 0,
      lastIndex: s.lastIndex,
      lastTerm: s.lastTerm,
      entry: this.entryAt,
    };
  }

  /** Made once: the invariant checker inspects every peer after every event. */
  private readonly entryAt = (index: number): InspectedEntry | undefined => this.node.entry(index);

  snapshot(index: number, snapshot: Uint8Array): void {
    if (this.dead) return;
    this.node.compact(index, snapshot);
    this.flush();
  }

  readIndex(onConfirmed: (index: number | null) => void): boolean {
    if (this.dead) return false;
    const context = ++this.readSeq;
    if (!this.node.requestRead(context)) return false;
    this.pendingReads.set(context, onConfirmed);
    // Reads asked at one instant share one heartbeat round.
    this.scheduleFlush();
    return true;
  }

  transferLeadership(target: number): boolean {
    if (this.dead || this.node.status().role !== 'leader') return false;
    this.node.transferLeadership(target);
    this.flush();
    return true;
  }

  kill(): void {
    this.dead = true;
    this.pendingReads.clear(); // A dead peer answers nothing; its callers' calls fail through labrpc.
    this.world.sim.cancel(this.ticker);
    this.applyQueue.length = 0;
    this.applyHead = 0;
  }

  rpcHandlers(): Readonly<Record<string, RpcHandler>> {
    const handler: RpcHandler = (args) => this.handleRequest(args);
    return {
      RequestVote: handler,
      AppendEntries: handler,
      Heartbeat: handler,
      InstallSnapshot: handler,
      TimeoutNow: handler,
    };
  }

  private readonly tick = (): void => {
    if (this.dead) return;
    this.node.tick();
    this.flush();
    this.ticker = this.world.sim.schedule(LAB_TIMING.tickMs, this.tick);
  };

  /** An RPC handler: steps the request through the core and returns the core's reply, persisted first. */
  private handleRequest(args: unknown): Message | null {
    if (this.dead) return null;
    const parsed = validateMessage(args);
    if (!parsed.ok) return null; // A malformed request changes nothing and gets no answer.
    this.node.step(parsed.message);
    return this.flush(parsed.message.from);
  }

  private onReply(sent: Message, result: { ok: true; reply: unknown } | { ok: false }): void {
    if (this.dead) return;
    if (!result.ok) {
      // labrpc says which call failed (lost, its answer lost, or the peer unreachable): only that one goes again.
      this.node.reportUndelivered(sent);
    } else {
      const parsed = validateMessage(result.reply);
      if (parsed.ok) this.node.step(parsed.message);
    }
    this.flush();
  }

  /**
   * Handles every pending Ready as the core's contract says: eager messages out, persist (the Persister's save is
   * durable at once), the other messages out, advance, queue applies. When called from an RPC handler, the reply
   * to `replyTo` is returned instead of sent, since labrpc carries it back as the call's result.
   */
  private flush(replyTo?: number): Message | null {
    let reply: Message | null = null;
    this.observer?.status(this.node.status());
    while (this.node.hasReady()) {
      const ready = this.node.takeReady();
      this.observer?.ready(ready);
      for (const m of ready.eagerMessages) this.send(m);
      this.persist(ready);
      for (const m of ready.messages) {
        if (reply === null && m.to === replyTo && m.type.endsWith('Reply')) reply = m;
        else this.send(m);
      }
      this.node.advance(ready);
      this.queueApplies(ready);
      this.answerReads(ready);
    }
    return reply;
  }

  /** Flushes from an event of its own, once, after every Start() and read made at this instant. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.world.sim.schedule(0, () => {
      this.flushScheduled = false;
      if (!this.dead) this.flush();
    });
  }

  private send(m: Message): void {
    this.peers[m.to]?.call(`Raft.${m.type}`, m, (result) => {
      this.onReply(m, result);
    });
  }

  private persist(ready: Ready): void {
    if (!this.stateWriter.update(ready)) return;
    this.persister.save(this.stateWriter.bytes(), this.node.snapshot()?.data ?? null);
  }

  /** Answers ReadIndex requests from an event of their own, like applies, so a callback may call back in. */
  private answerReads(ready: Ready): void {
    if (ready.readStates.length === 0 && ready.droppedReads.length === 0) return;
    const answers: [(index: number | null) => void, number | null][] = [];
    const take = (context: unknown, index: number | null): void => {
      const callback = this.pendingReads.get(context as number);
      if (callback === undefined) return;
      this.pendingReads.delete(context as number);
      answers.push([callback, index]);
    };
    for (const read of ready.readStates) take(read.context, read.index);
    for (const context of ready.droppedReads) take(context, null);
    if (answers.length === 0) return;
    this.world.sim.schedule(0, () => {
      for (const [callback, index] of answers) callback(index);
    });
  }

  private queueApplies(ready: Ready): void {
    const snap = ready.applySnapshot;
    if (snap !== null) this.applyQueue.push(snapshotMsg(snap.index, snap.term, snap.data));
    for (const entry of ready.committed) this.applyQueue.push(commandMsg(entry.index, entry.command));
    if (this.applyQueue.length > this.applyHead && !this.applyScheduled) {
      this.applyScheduled = true;
      this.world.sim.schedule(0, this.deliverApplies);
    }
  }

  /** Delivers queued ApplyMsgs from an event of its own, so the receiver may call back into this Raft. */
  private readonly deliverApplies = (): void => {
    this.applyScheduled = false;
    while (!this.dead && this.applyHead < this.applyQueue.length) {
      const msg = this.applyQueue[this.applyHead++] as ApplyMsg;
      this.applyCh(msg);
    }
    if (this.applyHead === this.applyQueue.length) {
      this.applyQueue.length = 0;
      this.applyHead = 0;
    }
  };
}

function readPersisted(persister: Persister): PersistedState | undefined {
  if (persister.raftStateSize() === 0) return undefined;
  return decodeRaftState(persister.readRaftState(), persister.readSnapshot());
}
