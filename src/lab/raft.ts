import { RaftNode, validateMessage, type Message, type PersistedState, type Ready } from '../core/index.js';
import type { TimerHandle } from '../sim/index.js';
import { commandMsg, snapshotMsg, type ApplyCh, type ApplyMsg } from './apply-msg.js';
import type { LabRaft, LabWorld, RaftObserver, RaftState, StartResult } from './lab-raft.js';
import type { ClientEnd, RpcHandler } from './labrpc/index.js';
import { decodeRaftState, RaftStateWriter } from './raft-state-codec.js';
import type { Persister } from './persister.js';

/**
 * The lab's timing. A tick is 10 ms of virtual time. Heartbeats every 150 ms keep well within the lab's "no more
 * than 10 per second" and its RPC budgets; election timeouts of 300-500 ms (two heartbeats at least) let several
 * election rounds fit in the tester's 5 s, and a new leader usually appears within one 450 ms round of
 * checkOneLeader. Pre-vote and the leader lease make a timeout that fires by mistake (lost heartbeats) harmless.
 */
export const LAB_TIMING = {
  tickMs: 10,
  heartbeatTicks: 15,
  electionTicks: { min: 30, max: 50 },
  maxEntriesPerAppend: 256,
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
        preVote: true,
        checkQuorum: true,
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
    const proposed = this.node.propose(command);
    this.flush();
    if (proposed === null) return { index: -1, term: this.node.status().term, isLeader: false };
    return { index: proposed.index, term: proposed.term, isLeader: true };
  }

  getState(): RaftState {
    const { term, role } = this.node.status();
    return { term, isLeader: role === 'leader' };
  }

  snapshot(index: number, snapshot: Uint8Array): void {
    if (this.dead) return;
    this.node.compact(index, snapshot);
    this.flush();
  }

  kill(): void {
    this.dead = true;
    this.world.sim.cancel(this.ticker);
    this.applyQueue.length = 0;
    this.applyHead = 0;
  }

  rpcHandlers(): Readonly<Record<string, RpcHandler>> {
    const handler: RpcHandler = (args) => this.handleRequest(args);
    return { RequestVote: handler, AppendEntries: handler, InstallSnapshot: handler };
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

  private onReply(to: number, result: { ok: true; reply: unknown } | { ok: false }): void {
    if (this.dead) return;
    if (!result.ok) {
      this.node.reportUnreachable(to);
    } else {
      const parsed = validateMessage(result.reply);
      if (parsed.ok) this.node.step(parsed.message);
    }
    this.flush();
  }

  /**
   * Handles every pending Ready: persist, send, queue applies. When called from an RPC handler, the reply to
   * `replyTo` is returned instead of sent, since labrpc carries it back as the call's result.
   */
  private flush(replyTo?: number): Message | null {
    let reply: Message | null = null;
    this.observer?.status(this.node.status());
    while (this.node.hasReady()) {
      const ready = this.node.takeReady();
      this.observer?.ready(ready);
      this.persist(ready);
      for (const m of ready.messages) {
        if (reply === null && m.to === replyTo && m.type.endsWith('Reply')) {
          reply = m;
        } else {
          this.peers[m.to]?.call(`Raft.${m.type}`, m, (result) => {
            this.onReply(m.to, result);
          });
        }
      }
      this.queueApplies(ready);
    }
    return reply;
  }

  private persist(ready: Ready): void {
    if (!this.stateWriter.update(ready)) return;
    this.persister.save(this.stateWriter.bytes(), this.node.snapshot()?.data ?? null);
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
