import { validateConfig, type RaftConfig, type ResolvedConfig } from './config.js';
import { ProposalDroppedError, RaftError } from './errors.js';
import {
  isRequest,
  type AppendEntries,
  type AppendEntriesReply,
  type ConflictHint,
  type Heartbeat,
  type HeartbeatReply,
  type InstallSnapshot,
  type InstallSnapshotReply,
  type Message,
  type RequestVote,
  type RequestVoteReply,
} from './messages.js';
import type { Inflight } from './inflights.js';
import { Progress, type ProgressState } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReorderBuffer } from './reorder-buffer.js';
import { ReadIndexQueue, type ReadState } from './read-index.js';
import type { Ready } from './ready.js';
import { SnapshotReceiver } from './snapshot-receiver.js';
import type { Entry, HardState, NodeId, PersistedState, Role, Snapshot } from './types.js';

/** A summary of a node's state, for drivers, tests and observers. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly role: Role;
  readonly leaderId: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly snapshotIndex: number;
  /** The follower a leadership transfer is handing over to, if one is under way. */
  readonly transferee: NodeId | null;
  /** Why the node stopped (a failed storage write), if it did. */
  readonly stopped: Error | null;
}

/** What a leader knows of one follower, for observers. */
export interface FollowerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
}

/**
 * One Raft peer as a pure, synchronous state machine (Figure 2 of the Raft paper). Time arrives as `tick()`,
 * messages as `step()`, client commands as `propose()`; what the node wants done (persist, send, apply) leaves
 * as a `Ready` batch from `takeReady()`, and the driver reports the batch durable with `advance()`. It reads no
 * clock, sets no timer, does no I/O and draws randomness only from the injected source, so the same inputs always
 * give the same outputs.
 */
export class RaftNode {
  private readonly config: ResolvedConfig;
  private readonly others: readonly NodeId[];
  private readonly quorum: number;

  // Persistent state on all servers (Figure 2): currentTerm, votedFor, log[].
  private term: number;
  private votedFor: NodeId | null;
  private readonly log: RaftLog;

  // What the driver has reported durable (the storage contract, ready.ts).
  /** The last hard state known to be on disk. A candidate counts its own vote only once it is. */
  private durableHardState: HardState;
  /** Entries through this index (of the current log) are on disk. A leader counts itself only this far. */
  private durableIndex: number;

  // Volatile state on all servers.
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  /** Highest index known to be committed (Figure 2: commitIndex). */
  private commitIndex: number;
  /** Highest index handed to the driver to apply (Figure 2: lastApplied). Never moves backwards. */
  private applied: number;
  private stopped: Error | null = null;

  // Timers, in ticks.
  /** Logical time: ticks since the node started. */
  private ticks = 0;
  private electionElapsed = 0;
  private electionTimeout = 0;
  /** Ticks since a leader of the current term was last heard from (its lease, for votes and pre-votes). */
  private sinceLeaderContact = Number.POSITIVE_INFINITY;
  /** A leader's ticks into its current check-quorum window. */
  private quorumCheckElapsed = 0;

  // Election state: the answers of the current round only. Every role change starts afresh, so no grant outlives
  // the moment it was given (a pre-vote granted while the voter missed its leader must not count once it hears it).
  private votes = new Map<NodeId, boolean>();
  private preVotes = new Map<NodeId, boolean>();

  // Leader state (Figure 2, "Volatile state on leaders"), reinitialized after each election.
  private progress = new Map<NodeId, Progress>();
  /** Bytes of this term's entries not yet committed (the `maxUncommittedBytes` budget). */
  private uncommittedBytes = 0;
  /** Leadership transfer: the target, and ticks since it began. */
  private transferee: NodeId | null = null;
  private transferElapsed = 0;
  private readIndex = new ReadIndexQueue();
  /** Reads that arrived before this leader committed an entry of its term (thesis 6.4: they wait for one). */
  private readsAwaitingCommit: unknown[] = [];
  /** New entries wait to be sent to the followers at the next takeReady. */
  private appendsPending = false;

  // Follower state.
  private readonly snapshotReceiver = new SnapshotReceiver();
  /** A follower's AppendEntries that arrived ahead of the entries before them. */
  private readonly aheadOfLog: ReorderBuffer;

  // Output not yet taken by the driver.
  private eagerOutbox: Message[] = [];
  private outbox: Message[] = [];
  private hardStateChanged = false;
  private snapshotChanged = false;
  private snapshotToApply: Snapshot | null = null;
  private readStates: ReadState[] = [];
  private droppedReads: unknown[] = [];

  constructor(config: RaftConfig, persisted?: PersistedState) {
    this.config = validateConfig(config);
    this.others = config.peers.filter((p) => p !== config.id);
    this.quorum = Math.floor(config.peers.length / 2) + 1;
    this.term = persisted?.hardState.term ?? 0;
    this.votedFor = persisted?.hardState.votedFor ?? null;
    this.log = new RaftLog(persisted?.snapshot ?? null, persisted?.entries ?? []);
    // What a restart reads back is durable by definition.
    this.durableHardState = { term: this.term, votedFor: this.votedFor };
    this.durableIndex = this.log.lastIndex();
    // The snapshot is committed and already in the service's state; everything after it is unknown.
    this.commitIndex = this.log.snapshotIndex;
    this.applied = this.log.snapshotIndex;
    // As much as a leader keeps in flight, within reason: no more can arrive ahead of the log's end.
    this.aheadOfLog = new ReorderBuffer(
      Math.min(this.config.maxInflightMessages, MAX_KEPT_AHEAD),
      Math.min(this.config.maxInflightBytes, MAX_KEPT_AHEAD_BYTES),
      (m) => m.entries.reduce((bytes, e) => bytes + this.entrySize(e.command), 0),
    );
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick. */
  tick(): void {
    this.checkRunning();
    this.ticks++;
    if (this.role === 'leader') {
      this.tickLeader();
    } else {
      this.tickElection();
    }
  }

  /**
   * Proposes a command. Returns its index and term if this node is leader (the entry is appended and sent to the
   * followers at once), or null if it is not. Throws ProposalDroppedError when the leader cannot take it now.
   */
  propose(command: unknown): { index: number; term: number } | null {
    this.checkRunning();
    if (this.role !== 'leader') return null;
    if (this.transferee !== null) throw new ProposalDroppedError('transferring');
    const size = this.entrySize(command);
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + size > this.config.maxUncommittedBytes) {
      throw new ProposalDroppedError('uncommitted-budget');
    }
    return this.appendEntry(command, size);
  }

  /**
   * Asks for a linearizable read (thesis 6.4, ReadIndex). On a leader, `context` comes back in a later Ready's
   * `readStates` with the index the state machine must reach before serving it, once a quorum has confirmed the
   * leadership (or in `droppedReads`, if leadership is lost first). Returns false on a node that is not leader.
   */
  requestRead(context: unknown): boolean {
    this.checkRunning();
    if (this.role !== 'leader') return false;
    if (this.log.term(this.commitIndex) !== this.term) {
      this.readsAwaitingCommit.push(context);
      return true;
    }
    this.queueRead(context);
    return true;
  }

  /**
   * Hands leadership to `target` (thesis 3.10): stop taking proposals, bring the target up to date, then tell it to
   * campaign at once. Abandoned if it has not happened within an election timeout.
   */
  transferLeadership(target: NodeId): void {
    this.checkRunning();
    if (this.role !== 'leader') {
      throw new RaftError('RAFT_NOT_LEADER', `node ${this.config.id} is not leader`);
    }
    if (!this.others.includes(target)) {
      throw new RaftError('RAFT_BAD_STATE', `cannot transfer leadership to ${target}: not another member`);
    }
    if (this.transferee === target) return;
    this.transferee = target;
    this.transferElapsed = 0;
    this.maybeSendTimeoutNow();
    this.maybeSendAppend(target);
  }

  /**
   * The service took a snapshot of its state through `index` (which it has applied): drop the log up to there.
   * An index at or below the current snapshot is ignored as stale.
   */
  compact(index: number, data: Uint8Array): void {
    this.checkRunning();
    if (index <= this.log.snapshotIndex) return;
    if (!Number.isInteger(index) || index > this.applied) {
      throw new RaftError(
        'RAFT_BAD_SNAPSHOT',
        `cannot snapshot through index ${index}: only ${this.applied} entries have been applied`,
      );
    }
    const term = this.log.term(index) as number; // snapshotIndex < index <= applied <= lastIndex.
    this.log.compact({ index, term, data });
    this.snapshotChanged = true;
  }

  /** Handles one message from a peer. Messages not addressed to this node or from a stranger are ignored. */
  step(m: Message): void {
    this.checkRunning();
    if (m.to !== this.config.id || !this.others.includes(m.from)) return;

    if (m.term > this.term) {
      // Thesis 4.2.3: a node that hears a live leader ignores a vote request of a higher term, so a server that
      // was cut off cannot depose it. A leadership transfer's election is meant to, and is not ignored.
      if (m.type === 'RequestVote' && !m.transfer && this.config.checkQuorum && this.inLeaderLease()) {
        if (m.preVote) this.refusePreVote(m);
        return;
      }
      // Rules for all servers: a higher term anywhere makes this node a follower of that term. A pre-vote request
      // and a granted pre-vote reply carry a *proposed* term, which changes nothing.
      const proposedTerm = (m.type === 'RequestVote' || m.type === 'RequestVoteReply') && m.preVote;
      if (!proposedTerm || (m.type === 'RequestVoteReply' && !m.voteGranted)) {
        this.becomeFollower(m.term, isFromLeader(m) ? m.from : null);
      }
    } else if (m.term < this.term) {
      // A stale message. RequestVote and AppendEntries rule 1: reply false if term < currentTerm; the reply
      // carries our term, which tells the sender to step down. A stale reply is dropped.
      if (isRequest(m)) this.refuseStale(m);
      return;
    }

    // Any role answers a vote request; everything else goes to the step function of the current role.
    if (m.type === 'RequestVote') {
      this.handleRequestVote(m);
      return;
    }
    switch (this.role) {
      case 'follower':
        this.stepFollower(m);
        return;
      case 'precandidate':
      case 'candidate':
        this.stepCandidate(m);
        return;
      case 'leader':
        this.stepLeader(m);
        return;
    }
  }

  /** A follower answers its leader; replies to requests it sent in an earlier role are out of date. */
  private stepFollower(m: Exclude<Message, RequestVote>): void {
    switch (m.type) {
      case 'AppendEntries':
        this.handleAppendEntries(m);
        return;
      case 'Heartbeat':
        this.handleHeartbeat(m);
        return;
      case 'InstallSnapshot':
        this.handleInstallSnapshot(m);
        return;
      case 'TimeoutNow':
        // Leadership transfer: our leader asks us to campaign now, skipping pre-vote (it vouches for us).
        if (m.from === this.leaderId) this.becomeCandidate(true);
        return;
      default:
        return;
    }
  }

  /**
   * A (pre-)candidate counts votes. Rules for candidates: if AppendEntries (or a heartbeat, or a snapshot) arrives
   * from the new leader of this term, convert to follower and handle it.
   */
  private stepCandidate(m: Exclude<Message, RequestVote>): void {
    switch (m.type) {
      case 'RequestVoteReply':
        this.handleVoteReply(m);
        return;
      case 'AppendEntries':
      case 'Heartbeat':
      case 'InstallSnapshot':
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        return;
      default:
        return;
    }
  }

  /**
   * A leader tracks its followers. A request of its own term from another node would come from a second leader,
   * which Election Safety rules out: it is ignored, never obeyed.
   */
  private stepLeader(m: Exclude<Message, RequestVote>): void {
    switch (m.type) {
      case 'AppendEntriesReply':
        this.handleAppendReply(m);
        return;
      case 'HeartbeatReply':
        this.handleHeartbeatReply(m);
        return;
      case 'InstallSnapshotReply':
        this.handleSnapshotReply(m);
        return;
      default:
        return;
    }
  }

  /**
   * The transport could not deliver to `peer` (a broken connection: the runtime's transport knows the peer, not
   * the messages). A follower we were streaming to falls back to probing (etcd's ReportUnreachable); a probe or
   * snapshot chunk is resent by the retransmit timer.
   */
  reportUnreachable(peer: NodeId): void {
    this.checkRunning();
    const pr = this.progress.get(peer);
    if (this.role !== 'leader' || pr === undefined) return;
    if (pr.state === 'replicate') pr.becomeProbe();
  }

  /**
   * The transport could not deliver `message`, or lost its answer (the lab's failed Call, which knows which call
   * failed). A streamed AppendEntries goes again at once, alone, unless a later message carries its entries; other
   * losses are left to the retransmit timer and the heartbeats.
   */
  reportUndelivered(message: Message): void {
    this.checkRunning();
    if (this.role !== 'leader' || message.type !== 'AppendEntries' || message.term !== this.term) return;
    const pr = this.progress.get(message.to);
    if (pr === undefined || message.entries.length === 0) return;
    const lost = pr.lost(message.prevLogIndex + 1, message.prevLogIndex + message.entries.length);
    if (lost !== undefined) this.resendInFlight(message.to, pr, lost);
  }

  /**
   * The driver made `ready`'s writes durable (step 2 of the contract in ready.ts). Only now does the node count
   * what they hold: a candidate its own vote, a leader its own entries.
   */
  advance(ready: Ready): void {
    this.checkRunning();
    if (ready.hardState !== null) this.durableHardState = ready.hardState;
    if (ready.entries !== null) {
      // The write leaves the stored log ending at `last` (or just before `from`). It counts only as far as the log
      // still agrees with it: a truncation since (when the write was taken) already lowered durableIndex below
      // the conflict, and Log Matching says an equal term at `last` means equal entries up to it.
      const last = ready.entries.entries.at(-1);
      const written = last === undefined ? ready.entries.from - 1 : last.index;
      const agrees = last === undefined || this.log.term(last.index) === last.term;
      this.durableIndex = agrees ? written : Math.min(this.durableIndex, written);
      this.durableIndex = Math.min(this.durableIndex, this.log.unstableFrom - 1);
    }
    if (ready.snapshot !== null) this.durableIndex = Math.max(this.durableIndex, ready.snapshot.index);
    if (this.role === 'candidate') this.decideVote();
    if (this.role === 'leader') this.maybeCommit();
  }

  /**
   * A storage write failed (an fsync error): the node stops for good. Nothing it has not made durable may be
   * promised, and a retry would hide that data may be lost, so every later call throws.
   */
  failStorage(error: Error): void {
    this.stopped = error;
    this.eagerOutbox = [];
    this.outbox = [];
  }

  // ---------------------------------------------------------------- outputs

  /** Whether `takeReady` has anything to hand out. */
  hasReady(): boolean {
    if (this.stopped !== null) return false;
    return (
      this.appendsPending ||
      this.eagerOutbox.length > 0 ||
      this.outbox.length > 0 ||
      this.hardStateChanged ||
      this.snapshotChanged ||
      this.log.unstableFrom !== Number.POSITIVE_INFINITY ||
      this.snapshotToApply !== null ||
      this.applied < this.commitIndex ||
      this.readStates.length > 0 ||
      this.droppedReads.length > 0
    );
  }

  /**
   * Takes the pending work; the driver handles it as `Ready` documents. Rules for all servers: if commitIndex >
   * lastApplied, the entries up to commitIndex go out to be applied, each exactly once, in order (at most
   * `maxCommittedBytesPerReady` of them per Ready; the rest follow in the next).
   */
  takeReady(): Ready {
    this.checkRunning();
    this.flushAppends();
    const from = this.log.unstableFrom;
    const firstKept = Math.max(from, this.log.snapshotIndex + 1);
    const committed = this.committedToApply();
    const ready: Ready = {
      hardState: this.hardStateChanged ? this.hardState() : null,
      snapshot: this.snapshotChanged ? this.log.snapshot : null,
      entries:
        from === Number.POSITIVE_INFINITY
          ? null
          : { from, entries: this.log.slice(firstKept, this.log.lastIndex() + 1) },
      eagerMessages: this.eagerOutbox,
      messages: this.outbox,
      applySnapshot: this.snapshotToApply,
      committed,
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    this.applied = Math.max(this.applied, committed.at(-1)?.index ?? 0);
    this.eagerOutbox = [];
    this.outbox = [];
    this.hardStateChanged = false;
    this.snapshotChanged = false;
    this.snapshotToApply = null;
    this.readStates = [];
    this.droppedReads = [];
    this.log.unstableFrom = Number.POSITIVE_INFINITY;
    this.readIndex.sent();
    return ready;
  }

  /** Sends the entries proposed since the last Ready, batched, to every follower that may take them now. */
  private flushAppends(): void {
    if (!this.appendsPending) return;
    this.appendsPending = false;
    if (this.role !== 'leader') return;
    for (const peer of this.others) this.maybeSendAppend(peer);
    this.maybeCommit(); // A cluster of one, whose own durable entries are a quorum.
  }

  private committedToApply(): Entry[] {
    if (this.applied >= this.commitIndex) return [];
    const budget = this.config.maxCommittedBytesPerReady;
    if (budget === Infinity) return this.log.slice(this.applied + 1, this.commitIndex + 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = this.applied + 1; i <= this.commitIndex; i++) {
      const entry = this.log.entry(i) as Entry; // applied >= snapshotIndex, so the log holds it.
      bytes += this.entrySize(entry.command);
      if (out.length > 0 && bytes > budget) break;
      out.push(entry);
    }
    return out;
  }

  /** Everything a restart needs, as it stands now (for drivers that rewrite their whole state). */
  persistentState(): PersistedState {
    return { hardState: this.hardState(), snapshot: this.log.snapshot, entries: [...this.log.all()] };
  }

  /** The current snapshot (taken by the service or installed from a leader), if any. */
  snapshot(): Snapshot | null {
    return this.log.snapshot;
  }

  /** The term of the entry at `index`, if the log holds it or it is the snapshot's last (for observers). */
  entryTerm(index: number): number | undefined {
    return this.log.term(index);
  }

  /**
   * The log entry at `index`, if the log holds it (not compacted into the snapshot, not beyond the end). Read-only,
   * for observers such as invariant checkers; entries are immutable.
   */
  entry(index: number): Entry | undefined {
    return this.log.entry(index);
  }

  status(): RaftStatus {
    return {
      id: this.config.id,
      term: this.term,
      votedFor: this.votedFor,
      role: this.role,
      leaderId: this.leaderId,
      commitIndex: this.commitIndex,
      appliedIndex: this.applied,
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      snapshotIndex: this.log.snapshotIndex,
      transferee: this.transferee,
      stopped: this.stopped,
    };
  }

  /** A leader's view of `peer`'s replication, or undefined on a non-leader. */
  followerStatus(peer: NodeId): FollowerStatus | undefined {
    const pr = this.progress.get(peer);
    if (pr === undefined) return undefined;
    return { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count };
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.votedFor = null;
      this.hardStateChanged = true;
    }
    if (this.role === 'leader') this.stepDown();
    this.role = 'follower';
    this.leaderId = leader;
    this.sinceLeaderContact = leader === null ? Number.POSITIVE_INFINITY : 0;
    this.resetElection();
  }

  /** Leaves leadership: reads waiting for confirmation will never get it here. */
  private stepDown(): void {
    this.droppedReads.push(...this.readsAwaitingCommit, ...this.readIndex.drop());
    this.readsAwaitingCommit = [];
    this.progress = new Map();
    this.transferee = null;
  }

  /** Forgets every vote and pre-vote answer and restarts the election timer: a new role, a new round. */
  private resetElection(): void {
    this.votes = new Map();
    this.preVotes = new Map();
    this.resetElectionTimer();
  }

  /**
   * The election timer fired. A pre-vote round comes first, except at term 0: a node that has never seen a term
   * has no established leader to protect, and every peer starts there together.
   */
  private campaign(): void {
    if (this.config.preVote && this.term > 0) {
      this.becomePreCandidate();
    } else {
      this.becomeCandidate(false);
    }
  }

  /** Asks whether the others would vote for us in the next term. Only this round's answers count. */
  private becomePreCandidate(): void {
    this.role = 'precandidate';
    this.leaderId = null;
    this.sinceLeaderContact = Number.POSITIVE_INFINITY;
    this.resetElection();
    this.preVotes.set(this.config.id, true);
    if (this.decidePreVote()) return; // A cluster of one.
    this.requestVotes(true, false);
  }

  /**
   * Rules for candidates: increment currentTerm, vote for self, reset the election timer, ask for votes. The
   * self-vote counts once the driver reports it durable (advance), like every other vote, which voters persist
   * before they reply.
   */
  private becomeCandidate(transfer: boolean): void {
    this.role = 'candidate';
    this.term += 1;
    this.votedFor = this.config.id;
    this.hardStateChanged = true;
    this.leaderId = null;
    this.sinceLeaderContact = Number.POSITIVE_INFINITY;
    this.resetElection();
    this.requestVotes(false, transfer);
    // Nothing to decide yet: our own vote counts only from advance(), which decides again (and there a cluster
    // of one wins).
  }

  private requestVotes(preVote: boolean, transfer: boolean): void {
    const term = preVote ? this.term + 1 : this.term;
    for (const peer of this.others) {
      this.send({
        type: 'RequestVote',
        term,
        from: this.config.id,
        to: peer,
        preVote,
        transfer,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
      });
    }
  }

  /** A quorum of pre-votes starts the real election; a quorum of refusals ends the attempt. */
  private decidePreVote(): boolean {
    const { granted, refused } = count(this.preVotes);
    if (granted >= this.quorum) this.becomeCandidate(false);
    else if (refused >= this.quorum) this.becomeFollower(this.term, null);
    else return false;
    return true;
  }

  /**
   * Rules for candidates: votes from a majority make us leader (Election Safety: each voter grants one vote per
   * term, and only once that vote is durable; so no two candidates win the same term). Our own vote counts only
   * once the driver has reported it durable: a crash before that could let us vote again in this term.
   */
  private decideVote(): void {
    const selfDurable =
      this.durableHardState.term === this.term && this.durableHardState.votedFor === this.config.id;
    const { granted, refused } = count(this.votes);
    if (granted + (selfDurable ? 1 : 0) >= this.quorum) this.becomeLeader();
    else if (refused >= this.quorum) this.becomeFollower(this.term, null);
  }

  /**
   * Won the election: take charge of every follower's progress. Rules for leaders: upon election, send each
   * server an initial AppendEntries (a probe of where its log matches ours) at once.
   */
  private becomeLeader(): void {
    // Those that just voted for us are known to be up; the others are heard from only once they answer.
    const voters = new Set([...this.votes].filter(([, granted]) => granted).map(([peer]) => peer));
    this.role = 'leader';
    this.leaderId = this.config.id;
    this.resetElection();
    this.quorumCheckElapsed = 0;
    this.uncommittedBytes = 0;
    this.readIndex = new ReadIndexQueue();
    const lastIndex = this.log.lastIndex();
    this.progress = new Map(
      this.others.map((peer) => {
        const heardAt = voters.has(peer) ? this.ticks : Number.NEGATIVE_INFINITY;
        return [peer, new Progress(lastIndex, heardAt, this.config)];
      }),
    );
    if (this.config.noopOnElection) {
      this.appendEntry(null, this.entrySize(null));
    } else {
      for (const peer of this.others) this.sendAppend(peer, true);
    }
  }

  private resetElectionTimer(): void {
    const { min, max } = this.config.electionTicks;
    this.electionElapsed = 0;
    this.electionTimeout = min + this.config.rand.int(max - min);
  }

  // ---------------------------------------------------------------- timers

  private tickElection(): void {
    this.electionElapsed++;
    this.sinceLeaderContact++;
    // Rules for followers: no word from a leader and no vote granted for an election timeout: campaign.
    // Rules for candidates: the election timed out: start a new one.
    if (this.electionElapsed >= this.electionTimeout) this.campaign();
  }

  private tickLeader(): void {
    if (this.config.checkQuorum && ++this.quorumCheckElapsed >= this.config.electionTicks.max) {
      this.quorumCheckElapsed = 0;
      if (!this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
    }
    if (this.transferee !== null && ++this.transferElapsed >= this.config.electionTicks.min) {
      this.transferee = null; // The target did not take over within an election timeout: abandon.
    }
    for (const [peer, pr] of this.progress) {
      // Rules for leaders: send heartbeats during idle periods to prevent election timeouts.
      if (++pr.heartbeatElapsed >= this.config.heartbeatTicks) {
        pr.heartbeatElapsed = 0;
        if (this.presumedDown(pr) && pr.state !== 'snapshot') {
          // A follower silent for an election timeout gets the unanswered probe again in place of a heartbeat:
          // an AppendEntries serves as one, and a dead follower costs one message per heartbeat interval.
          this.resendProbe(peer, pr);
        } else {
          this.sendHeartbeat(peer, pr);
        }
        if (peer === this.transferee) this.maybeSendTimeoutNow();
      }
      this.retransmit(peer, pr);
      if (this.config.deferCommitNews) this.maybeSendAppend(peer, true);
    }
  }

  /**
   * Resends what a follower has not answered in time: a lost message is detected by its retransmit timer, never
   * by the heartbeat (which carries no entries).
   */
  private retransmit(peer: NodeId, pr: Progress): void {
    if (pr.state === 'snapshot') {
      const t = pr.snapshot;
      if (t === null) return;
      // A chunk is large and slow to cross: it waits at least a heartbeat interval before it goes again, and
      // twice as long each time after, so a slow transfer is never duplicated every few ticks.
      const base = Math.max(this.config.retransmitTicks, this.config.heartbeatTicks);
      const wait = Math.min(base * 2 ** t.retries, this.config.electionTicks.max);
      // A chunk is always in flight in snapshot state (the next leaves as the previous is answered).
      if (this.ticks - pr.sentAt >= wait) {
        t.retries++;
        this.sendSnapshotChunk(peer, pr);
      }
      return;
    }
    // A follower presumed down is resent to at the heartbeat interval only (see tickLeader).
    if (this.presumedDown(pr) || !pr.overdue(this.ticks)) return;
    // Fast resends serve progress: while a quorum answers, commits go on without a follower that has missed a
    // heartbeat, and it waits for the heartbeat pace; when the leader hears too few to commit (its own link may be
    // down), it keeps trying every follower.
    if (
      this.ticks - pr.lastHeardAt >= this.config.heartbeatTicks &&
      this.quorumHeardWithin(this.config.heartbeatTicks)
    ) {
      return;
    }
    this.resendProbe(peer, pr);
  }

  /** Whether a quorum (this leader included) has answered within the last `ticks` ticks. */
  private quorumHeardWithin(ticks: number): boolean {
    let heard = 1;
    for (const pr of this.progress.values()) if (this.ticks - pr.lastHeardAt < ticks) heard++;
    return heard >= this.quorum;
  }

  /**
   * An answer is overdue: a stream falls back to probing from just past the match; a probe is sent again from
   * where it stood (what the fast backup learnt is kept). Only the first resend carries entries; later ones are
   * empty, so a follower that stays unreachable costs small messages, and streaming resumes once one is answered.
   */
  private resendProbe(peer: NodeId, pr: Progress): void {
    if (pr.state === 'replicate') pr.becomeProbe();
    else pr.probeSent = false;
    this.sendAppend(peer, true, true);
  }

  /**
   * A follower silent for an election timeout is presumed down (it would have started an election by now, were it
   * the leader that was silent to it), and so is one a new leader has not heard from yet (it did not vote for it).
   * Until then a lost message is resent as soon as its answer is overdue, so a brief outage of the leader's link
   * costs little time; after it, only once per heartbeat interval.
   */
  private presumedDown(pr: Progress): boolean {
    return this.ticks - pr.lastHeardAt >= this.config.electionTicks.min;
  }

  /** Did a quorum (this leader included) answer during the window now ending? Starts the next window. */
  private quorumActive(): boolean {
    let active = 1;
    for (const pr of this.progress.values()) {
      if (pr.recentActive) active++;
      pr.recentActive = false;
    }
    return active >= this.quorum;
  }

  // ---------------------------------------------------------------- elections

  /** Is this node, as far as it knows, served by a live leader? Then it refuses pre-votes and ignores votes. */
  private inLeaderLease(): boolean {
    if (this.role === 'leader') return true;
    return this.leaderId !== null && this.sinceLeaderContact < this.config.electionTicks.min;
  }

  private handleRequestVote(m: RequestVote): void {
    const logOk = this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (m.preVote) {
      // Would we vote in the proposed term? Only for an up-to-date log, and not while a leader is alive.
      const grant = m.term > this.term && logOk && !this.inLeaderLease();
      if (!grant) {
        this.refusePreVote(m);
        return;
      }
      this.reply(m, { type: 'RequestVoteReply', term: m.term, preVote: true, voteGranted: true });
      return;
    }
    // RequestVote rule 2: grant if votedFor is null or candidateId, and the candidate's log is at least as up to
    // date as ours (section 5.4.1). At most one vote per term: votedFor is persisted before the reply leaves.
    const grant = (this.votedFor === null || this.votedFor === m.from) && logOk;
    if (grant) {
      if (this.votedFor !== m.from) {
        this.votedFor = m.from;
        this.hardStateChanged = true;
      }
      this.resetElectionTimer();
    }
    this.reply(m, { type: 'RequestVoteReply', term: this.term, preVote: false, voteGranted: grant });
  }

  private refusePreVote(m: RequestVote): void {
    this.reply(m, { type: 'RequestVoteReply', term: this.term, preVote: true, voteGranted: false });
  }

  /** Counts an answer of the current round; an answer to an earlier round or another role is ignored. */
  private handleVoteReply(m: RequestVoteReply): void {
    if (m.preVote) {
      if (this.role !== 'precandidate') return;
      // A grant echoes the term we proposed; a refusal carries the voter's (equal) term.
      if (m.term !== (m.voteGranted ? this.term + 1 : this.term)) return;
      this.preVotes.set(m.from, m.voteGranted);
      this.decidePreVote();
      return;
    }
    if (this.role !== 'candidate' || m.term !== this.term) return;
    this.votes.set(m.from, m.voteGranted);
    this.decideVote();
  }

  // ---------------------------------------------------------------- replication, follower side

  private handleAppendEntries(m: AppendEntries): void {
    this.hearFromLeader(m.from);
    let matchIndex = this.appendFromLeader(m);
    if (matchIndex === null) {
      // Ahead of our log's end: kept, and taken once the entries before it arrive (reorder-buffer.ts).
      if (m.prevLogIndex > this.log.lastIndex()) this.aheadOfLog.keep(m);
      this.reply(m, {
        type: 'AppendEntriesReply',
        term: this.term,
        success: false,
        matchIndex: 0,
        rejectedIndex: m.prevLogIndex,
        conflict: this.conflictAt(m.prevLogIndex),
      });
      return;
    }
    // Messages that arrived ahead of this one may follow it now; this answer acknowledges their entries too.
    for (
      let kept = this.aheadOfLog.takeConnected(this.term, this.log.lastIndex());
      kept !== undefined;
      kept = this.aheadOfLog.takeConnected(this.term, this.log.lastIndex())
    ) {
      matchIndex = Math.max(matchIndex, this.appendFromLeader(kept) ?? 0);
    }
    this.reply(m, {
      type: 'AppendEntriesReply',
      term: this.term,
      success: true,
      matchIndex,
      rejectedIndex: 0,
      conflict: null,
    });
  }

  /**
   * Figure 2's AppendEntries rules 2-5 for one message of our leader. Returns the index through which our log now
   * matches the leader's (the last new entry), or null if the message is refused.
   */
  private appendFromLeader(m: AppendEntries): number | null {
    const snapshotIndex = this.log.snapshotIndex;
    // Rule 2: refuse if the log has no entry at prevLogIndex whose term matches prevLogTerm. Entries at or below
    // our snapshot are committed, and so match any leader's.
    if (m.prevLogIndex >= snapshotIndex && this.log.term(m.prevLogIndex) !== m.prevLogTerm) return null;
    // Rules 3 and 4: truncate only at a real conflict (never at or below commitIndex); append what is new.
    this.log.merge(m.entries, this.commitIndex);
    this.durableIndex = Math.min(this.durableIndex, this.log.unstableFrom - 1);
    // Rule 5: commitIndex = min(leaderCommit, index of last new entry), never moving backwards.
    const matchIndex = Math.max(m.prevLogIndex + m.entries.length, snapshotIndex);
    if (m.leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(m.leaderCommit, matchIndex));
    }
    return matchIndex;
  }

  /**
   * A heartbeat's commit index is capped at what the leader knows we hold (our acknowledged match), and our log
   * matches the leader's that far: it can be adopted without a log check.
   */
  private handleHeartbeat(m: Heartbeat): void {
    this.hearFromLeader(m.from);
    const commit = Math.min(m.commit, this.log.lastIndex());
    if (commit > this.commitIndex) this.commitIndex = commit;
    this.reply(m, { type: 'HeartbeatReply', term: this.term, readRound: m.readRound });
  }

  /** Where our log diverges at `index`, for the leader's fast backup (spec section 7). */
  private conflictAt(index: number): ConflictHint {
    const xLen = this.log.lastIndex() + 1;
    const xTerm = this.log.term(index);
    if (xTerm === undefined) return { xTerm: -1, xIndex: -1, xLen };
    return { xTerm, xIndex: this.log.firstIndexOfTermAt(index), xLen };
  }

  /**
   * One chunk of the leader's snapshot. A snapshot adds nothing when our log already matches the leader's
   * through its index (it is at or below commitIndex, or we hold its last entry): we report the match at once and
   * keep our state machine, and the leader stops sending. Otherwise chunks are assembled and, with the last, the
   * snapshot replaces our state.
   */
  private handleInstallSnapshot(m: InstallSnapshot): void {
    this.hearFromLeader(m.from);
    const index = m.lastIncludedIndex;
    let received = m.size;
    let matchIndex = 0;
    if (index <= this.commitIndex) {
      matchIndex = this.commitIndex;
      this.snapshotReceiver.clear();
    } else if (this.log.term(index) === m.lastIncludedTerm) {
      this.commitIndex = index;
      matchIndex = index;
      this.snapshotReceiver.clear();
    } else {
      const chunk = this.snapshotReceiver.receive(m);
      received = chunk.received;
      if (chunk.data !== null) {
        const snapshot: Snapshot = { index, term: m.lastIncludedTerm, data: chunk.data };
        this.log.restore(snapshot);
        this.aheadOfLog.clear(); // The log was replaced: what was kept ahead of it may no longer follow.
        this.durableIndex = Math.min(this.durableIndex, index);
        this.commitIndex = index;
        this.applied = index;
        this.snapshotToApply = snapshot;
        this.snapshotChanged = true;
        matchIndex = index;
      }
    }
    this.reply(m, {
      type: 'InstallSnapshotReply',
      term: this.term,
      lastIncludedIndex: index,
      lastIncludedTerm: m.lastIncludedTerm,
      offset: m.offset,
      received,
      matchIndex,
    });
  }

  /** A valid request of our term arrived from the leader: its sender leads this term. */
  private hearFromLeader(leader: NodeId): void {
    this.leaderId = leader;
    this.sinceLeaderContact = 0;
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- replication, leader side

  private appendEntry(command: unknown, size: number): { index: number; term: number } {
    // Rules for leaders: a command received from a client is appended to the local log.
    const entry = this.log.append(this.term, command);
    this.uncommittedBytes += size;
    // Sent when the driver takes the next Ready: proposals made together go out together, in one batch.
    this.appendsPending = true;
    return { index: entry.index, term: entry.term };
  }

  /**
   * Rules for leaders: on success, update the follower's nextIndex and matchIndex; on a log mismatch, move
   * nextIndex back (a whole term at a time) and retry at once.
   */
  private handleAppendReply(m: AppendEntriesReply): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.heard(this.ticks);
    if (m.success) {
      if (m.matchIndex > this.log.lastIndex()) return; // Acknowledges what we never sent: not to be believed.
      // A probe answered: the follower's position is known, so it streams from here on (progress.ts).
      const grew = pr.acknowledge(m.matchIndex, this.ticks);
      this.resendRefused(m.from, pr);
      if (grew) {
        this.maybeCommit();
        if (m.from === this.transferee) this.maybeSendTimeoutNow();
      }
      this.maybeSendAppend(m.from, this.commitNewsNow());
      return;
    }
    // A refusal without a hint answered a stale request.
    if (m.conflict === null) return;
    if (!pr.reject(m.rejectedIndex, this.nextAfterConflict(m.conflict))) return;
    if (pr.state === 'replicate') this.resendRefused(m.from, pr);
    else this.maybeSendAppend(m.from);
  }

  /** Sends again the refused message that is now the oldest in flight, if there is one (progress.ts). */
  private resendRefused(peer: NodeId, pr: Progress): void {
    const refused = pr.refusedToResend();
    if (refused !== undefined) this.resendInFlight(peer, pr, refused);
  }

  /**
   * Sends one streamed AppendEntries again, with the same entries, in its place in the window. If they have been
   * compacted away meanwhile, the follower goes back to probing, which leads to the snapshot.
   */
  private resendInFlight(peer: NodeId, pr: Progress, m: Inflight): void {
    // What the follower has acknowledged meanwhile is not sent again.
    const prevLogIndex = Math.max(m.from, pr.match + 1) - 1;
    const prevLogTerm = this.log.term(prevLogIndex);
    if (prevLogIndex < this.log.snapshotIndex || prevLogTerm === undefined) {
      pr.becomeProbe();
      this.sendAppend(peer, true);
      return;
    }
    this.sendEntries(peer, pr, prevLogIndex, prevLogTerm, this.log.slice(prevLogIndex + 1, m.index + 1));
    pr.resent(m, this.ticks);
  }

  /**
   * The lab's fast backup: skip a whole conflicting term per round trip. If the follower's log is too short, go
   * to its end; if we hold entries of the conflicting term, resume after our last one; otherwise skip the
   * follower's whole term.
   */
  private nextAfterConflict(c: ConflictHint): number {
    if (c.xTerm === -1) return c.xLen;
    const last = this.log.lastIndexOfTerm(c.xTerm);
    return last === undefined ? c.xIndex : last + 1;
  }

  private handleHeartbeatReply(m: HeartbeatReply): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.heard(this.ticks);
    if (m.readRound > pr.readAck && m.readRound <= this.readIndex.round) {
      pr.readAck = m.readRound;
      this.releaseReads();
    }
    // The follower is reachable: a probe that went unanswered may go again now (etcd's heartbeat response), even
    // an empty one, since only an answered probe tells where the follower's log matches ours.
    if (pr.state === 'probe') {
      pr.probeSent = false;
      this.sendAppend(m.from, true);
    } else if (pr.match < this.log.lastIndex()) {
      this.maybeSendAppend(m.from);
    }
  }

  /** The snapshot transfer to a follower moves on: its next chunk, or probing once it is installed. */
  private handleSnapshotReply(m: InstallSnapshotReply): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.heard(this.ticks);
    if (m.matchIndex > this.log.lastIndex()) return; // Acknowledges what we never had: not to be believed.
    const t = pr.snapshot;
    const current =
      pr.state === 'snapshot' &&
      t !== null &&
      t.index === m.lastIncludedIndex &&
      t.term === m.lastIncludedTerm;
    if (m.matchIndex > 0) {
      // Installed (now or earlier): the match holds whatever transfer is under way.
      const grew = pr.acknowledge(m.matchIndex, this.ticks);
      if (current) pr.becomeProbe();
      if (grew) this.maybeCommit();
      this.maybeSendAppend(m.from);
      return;
    }
    // Only the answer to the chunk in flight (the one at t.offset) moves the transfer: a duplicated or late one
    // would rewind it.
    if (!current || m.offset !== t.offset) return;
    t.offset = m.received;
    t.retries = 0;
    this.sendSnapshotChunk(m.from, pr);
  }

  /**
   * Rules for leaders: commit N if a majority has matchIndex >= N and log[N].term == currentTerm. Entries of
   * earlier terms are never committed by counting replicas (Figure 8); they commit with the first entry of
   * ours. The leader counts its own log only as far as it is durable.
   */
  private maybeCommit(): void {
    const matches = [this.durableIndex, ...[...this.progress.values()].map((pr) => pr.match)];
    matches.sort((a, b) => b - a);
    const n = matches[this.quorum - 1] ?? 0;
    if (n <= this.commitIndex || this.log.term(n) !== this.term) return;
    const before = this.commitIndex;
    this.commitIndex = n;
    for (let i = before + 1; i <= n; i++) {
      const entry = this.log.entry(i);
      if (entry?.term === this.term) this.uncommittedBytes -= this.entrySize(entry.command);
    }
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes);
    // The first commit of our term unblocks the reads that waited for it (thesis 6.4).
    if (this.readsAwaitingCommit.length > 0) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const context of waiting) this.queueRead(context);
    }
    for (const peer of this.others) this.maybeSendAppend(peer, this.commitNewsNow());
  }

  /**
   * Whether a follower not yet told of the commit index is told now, in an AppendEntries of its own. Without
   * deferCommitNews, always. With it, only once the whole log is committed: while entries remain uncommitted,
   * their own commit follows shortly and the appends that carry them, or the next tick, carry the news; once
   * nothing is pending, nothing else is coming, and whoever waits for the followers to apply waits no longer.
   */
  private commitNewsNow(): boolean {
    return !this.config.deferCommitNews || this.commitIndex === this.log.lastIndex();
  }

  /** Queues a read at the current commit index; a new round's heartbeats go out at once. */
  private queueRead(context: unknown): void {
    if (this.readIndex.add(context, this.commitIndex)) {
      for (const [peer, pr] of this.progress) this.sendHeartbeat(peer, pr);
    }
    this.releaseReads(); // A cluster of one confirms alone.
  }

  /** Releases the reads whose round a quorum (this leader included) has confirmed. */
  private releaseReads(): void {
    const released = this.readIndex.release((round) => {
      let acks = 1;
      for (const pr of this.progress.values()) if (pr.readAck >= round) acks++;
      return acks >= this.quorum;
    });
    this.readStates.push(...released);
  }

  /** Leadership transfer: once the target's log matches ours to the end, it is told to campaign. */
  private maybeSendTimeoutNow(): void {
    const target = this.transferee;
    if (target === null) return;
    const pr = this.progress.get(target);
    if (pr?.match !== this.log.lastIndex()) return;
    this.send({ type: 'TimeoutNow', term: this.term, from: this.config.id, to: target });
  }

  /**
   * Rules for leaders: if last log index >= nextIndex for a follower, send it the entries from nextIndex, as far
   * as its flow-control state allows (one probe, or a window of streamed messages). With `commitNews`, an empty
   * AppendEntries also goes to carry a commit index the follower has not been sent.
   */
  private maybeSendAppend(peer: NodeId, commitNews = false): void {
    const pr = this.progress.get(peer);
    if (pr === undefined) return;
    const tellCommit = commitNews && pr.sentCommit < Math.min(this.commitIndex, pr.match);
    let sent = false;
    while (this.sendAppend(peer, false)) {
      sent = true;
      if (pr.state !== 'replicate') return;
    }
    if (sent || !tellCommit) return;
    if (pr.state === 'replicate') this.sendCommitNews(peer, pr);
    else this.sendAppend(peer, true); // A probe, if none is out, carries it.
  }

  /**
   * An AppendEntries without entries that tells a streaming follower the commit index. It is anchored at `match`,
   * not at the end of the stream: entries still in flight may arrive after it, and an anchor past them would be
   * refused as a gap. The follower commits no further than the anchor (Figure 2, AppendEntries rule 5), which is
   * as far as the commit index it may learn reaches anyway. It occupies no slot of the window: its answer tells
   * nothing new.
   */
  private sendCommitNews(peer: NodeId, pr: Progress): void {
    const prevLogTerm = this.log.term(pr.match);
    if (prevLogTerm === undefined) return; // Compacted: the next AppendEntries or heartbeat carries the news.
    this.sendEntries(peer, pr, pr.match, prevLogTerm, []);
  }

  /** Sends `peer` an AppendEntries with `entries` after (prevLogIndex, prevLogTerm) and our commit index. */
  private sendEntries(
    peer: NodeId,
    pr: Progress,
    prevLogIndex: number,
    prevLogTerm: number,
    entries: Entry[],
  ): void {
    // The follower commits no further than the last entry this message carries (AppendEntries rule 5).
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commitIndex, prevLogIndex + entries.length));
    this.send({
      type: 'AppendEntries',
      term: this.term,
      from: this.config.id,
      to: peer,
      prevLogIndex,
      prevLogTerm,
      entries,
      leaderCommit: this.commitIndex,
    });
  }

  /**
   * Sends `peer` the entries from its nextIndex, batched within the byte and entry budgets, or starts a snapshot
   * transfer if those are compacted away. Returns whether anything went; nothing does while `peer` is paused, or
   * when there is nothing new and `sendIfEmpty` is false. `resend` marks a probe that repeats a lost one.
   */
  private sendAppend(peer: NodeId, sendIfEmpty: boolean, resend = false): boolean {
    const pr = this.progress.get(peer);
    if (pr === undefined || pr.isPaused()) return false;
    if (pr.next <= this.log.snapshotIndex) {
      const snapshot = this.log.snapshot as Snapshot; // snapshotIndex > 0 means there is one.
      pr.becomeSnapshot(snapshot.index, snapshot.term);
      this.sendSnapshotChunk(peer, pr);
      return true;
    }
    const { entries, bytes } = resend && pr.probeResends > 0 ? { entries: [], bytes: 0 } : this.nextBatch(pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const prevLogIndex = entries.length === 0 ? pr.next - 1 : (entries[0] as Entry).index - 1;
    // prevLogIndex >= snapshotIndex here, so its term is known.
    this.sendEntries(peer, pr, prevLogIndex, this.log.term(prevLogIndex) as number, entries);
    pr.sentEntries(prevLogIndex, prevLogIndex + entries.length, bytes, this.ticks, resend);
    return true;
  }

  /**
   * The entries a follower is sent next: from its nextIndex; or, with resendUnacknowledged, from just past its
   * match while streaming, when that batch reaches past what was sent (it carries the unacknowledged entries again,
   * so that it is taken even if the messages before it are late or lost).
   */
  private nextBatch(pr: Progress): { entries: Entry[]; bytes: number } {
    // Nothing new: asked after every acknowledgement and, with deferCommitNews, every tick, so no slicing then.
    if (pr.next > this.log.lastIndex()) return { entries: [], bytes: 0 };
    const unacknowledged = pr.next > pr.match + 1 && pr.match >= this.log.snapshotIndex;
    if (this.config.resendUnacknowledged && pr.state === 'replicate' && unacknowledged) {
      const whole = this.batchFrom(pr.match + 1);
      const last = whole.entries[whole.entries.length - 1];
      if (last !== undefined && last.index >= pr.next) return whole;
    }
    return this.batchFrom(pr.next);
  }

  /** Entries from `from`, at most maxEntriesPerAppend and maxBytesPerAppend of them (one at least). */
  private batchFrom(from: number): { entries: Entry[]; bytes: number } {
    const to = Math.min(this.log.lastIndex() + 1, from + this.config.maxEntriesPerAppend);
    const entries = this.log.slice(from, to);
    let bytes = 0;
    for (let k = 0; k < entries.length; k++) {
      const size = this.entrySize((entries[k] as Entry).command);
      if (k > 0 && bytes + size > this.config.maxBytesPerAppend) {
        entries.length = k;
        break;
      }
      bytes += size;
    }
    return { entries, bytes };
  }

  /**
   * Sends the next chunk of the snapshot being transferred (Figure 13). If a newer snapshot has replaced it since
   * the transfer began, the transfer starts over with the newer one.
   */
  private sendSnapshotChunk(peer: NodeId, pr: Progress): void {
    const snapshot = this.log.snapshot as Snapshot; // A transfer only starts once there is one.
    let t = pr.snapshot;
    if (t?.index !== snapshot.index || t.term !== snapshot.term) {
      t = pr.becomeSnapshot(snapshot.index, snapshot.term);
    }
    const size = snapshot.data.length;
    const end = Math.min(size, t.offset + this.config.snapshotChunkBytes);
    this.send({
      type: 'InstallSnapshot',
      term: this.term,
      from: this.config.id,
      to: peer,
      lastIncludedIndex: snapshot.index,
      lastIncludedTerm: snapshot.term,
      offset: t.offset,
      size,
      data: snapshot.data.subarray(t.offset, end),
      done: end === size,
    });
    pr.sentAt = this.ticks;
  }

  /**
   * A heartbeat: no entries, the commit index capped at what the follower is known to hold, and the latest read
   * round.
   */
  private sendHeartbeat(peer: NodeId, pr: Progress): void {
    this.send({
      type: 'Heartbeat',
      term: this.term,
      from: this.config.id,
      to: peer,
      commit: Math.min(this.commitIndex, pr.match),
      readRound: this.readIndex.round,
    });
  }

  // ---------------------------------------------------------------- plumbing

  private checkRunning(): void {
    if (this.stopped !== null) {
      throw new RaftError('RAFT_STOPPED', `node ${this.config.id} stopped: ${this.stopped.message}`, {
        cause: this.stopped,
      });
    }
  }

  private entrySize(command: unknown): number {
    return this.config.commandSize(command);
  }

  private hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor };
  }

  /** Requests leave eagerly; replies wait for this Ready's write (they may promise what it holds). */
  private send(m: Message): void {
    // Rules for leaders: heartbeats go during idle periods; an AppendEntries serves as one.
    if (m.type === 'AppendEntries') {
      const pr = this.progress.get(m.to);
      if (pr !== undefined) pr.heartbeatElapsed = 0;
    }
    if (isRequest(m) || m.type === 'TimeoutNow') this.eagerOutbox.push(m);
    else this.outbox.push(m);
  }

  private reply(request: Message, body: DistributiveOmit<Message, 'from' | 'to'>): void {
    this.send({ ...body, from: this.config.id, to: request.from });
  }

  /** Refuses a request from an older term; the reply carries our term so that its sender steps down. */
  private refuseStale(m: RequestVote | AppendEntries | Heartbeat | InstallSnapshot): void {
    switch (m.type) {
      case 'RequestVote':
        this.reply(m, { type: 'RequestVoteReply', term: this.term, preVote: m.preVote, voteGranted: false });
        return;
      case 'AppendEntries':
        this.reply(m, {
          type: 'AppendEntriesReply',
          term: this.term,
          success: false,
          matchIndex: 0,
          rejectedIndex: 0,
          conflict: null,
        });
        return;
      case 'Heartbeat':
        this.reply(m, { type: 'HeartbeatReply', term: this.term, readRound: 0 });
        return;
      case 'InstallSnapshot':
        this.reply(m, {
          type: 'InstallSnapshotReply',
          term: this.term,
          lastIncludedIndex: m.lastIncludedIndex,
          lastIncludedTerm: m.lastIncludedTerm,
          offset: m.offset,
          received: 0,
          matchIndex: 0,
        });
        return;
    }
  }
}

/** The most AppendEntries a follower keeps that arrived ahead of the entries before them. */
const MAX_KEPT_AHEAD = 16;
/** The most entry bytes those may hold. */
const MAX_KEPT_AHEAD_BYTES = 8 << 20;

/** Requests only a leader sends: their sender leads their term. */
function isFromLeader(m: Message): boolean {
  return (
    m.type === 'AppendEntries' ||
    m.type === 'Heartbeat' ||
    m.type === 'InstallSnapshot' ||
    m.type === 'TimeoutNow'
  );
}

function count(answers: ReadonlyMap<NodeId, boolean>): { granted: number; refused: number } {
  let granted = 0;
  for (const answer of answers.values()) if (answer) granted++;
  return { granted, refused: answers.size - granted };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
