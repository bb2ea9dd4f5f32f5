import { validateConfig, type RaftConfig } from './config.js';
import { RaftError } from './errors.js';
import {
  isRequest,
  type AppendEntries,
  type AppendEntriesReply,
  type ConflictHint,
  type InstallSnapshot,
  type InstallSnapshotReply,
  type Message,
  type RequestVote,
  type RequestVoteReply,
} from './messages.js';
import { Progress } from './progress.js';
import { RaftLog } from './raft-log.js';
import type { Ready } from './ready.js';
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
}

/**
 * One Raft peer as a pure, synchronous state machine (Figure 2 of the Raft paper). Time arrives as `tick()`,
 * messages as `step()`, client commands as `propose()`; what the node wants done (persist, send, apply) leaves
 * as a `Ready` batch from `takeReady()`. It reads no clock, sets no timer, does no I/O and draws randomness only
 * from the injected source, so the same inputs always give the same outputs.
 */
export class RaftNode {
  private readonly config: RaftConfig;
  private readonly others: readonly NodeId[];
  private readonly quorum: number;

  // Persistent state on all servers (Figure 2): currentTerm, votedFor, log[].
  private term: number;
  private votedFor: NodeId | null;
  private readonly log: RaftLog;

  // Volatile state on all servers.
  private role: Role = 'follower';
  private leaderId: NodeId | null = null;
  /** Highest index known to be committed (Figure 2: commitIndex). */
  private commitIndex: number;
  /** Highest index handed to the driver to apply (Figure 2: lastApplied). Never moves backwards. */
  private applied: number;

  // Timers, in ticks.
  private electionElapsed = 0;
  private electionTimeout = 0;
  /** Ticks since a leader of the current term was last heard from (its lease, for pre-votes). */
  private sinceLeaderContact = Number.POSITIVE_INFINITY;
  /** A leader's ticks into its current check-quorum window. */
  private quorumCheckElapsed = 0;

  // Election state. An answer is a fact about a term, so it is kept while that term is current: a reply that
  // arrives after its round timed out still counts (with long network delays, many do).
  /**
   * Answers to our open candidacy in `term` (votes granted or refused; voters persist a vote before granting
   * it). Empty when no candidacy is open: none was made in this term, or it already won.
   */
  private votes = new Map<NodeId, boolean>();
  /** Answers to our pre-vote for term `preVoteTerm`. */
  private preVotes = new Map<NodeId, boolean>();
  private preVoteTerm = -1;
  // Leader state (Figure 2, "Volatile state on leaders"), reinitialized after each election.
  private progress = new Map<NodeId, Progress>();

  // Output not yet taken by the driver.
  private outbox: Message[] = [];
  private hardStateChanged = false;
  private snapshotChanged = false;
  private snapshotToApply: Snapshot | null = null;

  constructor(config: RaftConfig, persisted?: PersistedState) {
    validateConfig(config);
    this.config = config;
    this.others = config.peers.filter((p) => p !== config.id);
    this.quorum = Math.floor(config.peers.length / 2) + 1;
    this.term = persisted?.hardState.term ?? 0;
    this.votedFor = persisted?.hardState.votedFor ?? null;
    this.log = new RaftLog(persisted?.snapshot ?? null, persisted?.entries ?? []);
    // The snapshot is committed and already in the service's state; everything after it is unknown.
    this.commitIndex = this.log.snapshotIndex;
    this.applied = this.log.snapshotIndex;
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === 'leader') {
      this.tickHeartbeat();
    } else {
      this.tickElection();
    }
  }

  /**
   * Proposes a command. Returns its index and term if this node is leader (the entry is appended and sent to the
   * followers at once), or null if it is not.
   */
  propose(command: unknown): { index: number; term: number } | null {
    if (this.role !== 'leader') return null;
    // Rules for leaders: a command received from a client is appended to the local log.
    const entry = this.log.append(this.term, command);
    for (const peer of this.others) this.maybeSendAppend(peer);
    this.maybeCommit(); // A cluster of one commits on its own.
    return { index: entry.index, term: entry.term };
  }

  /**
   * The service took a snapshot of its state through `index` (which it has applied): drop the log up to there.
   * An index at or below the current snapshot is ignored as stale.
   */
  compact(index: number, data: Uint8Array): void {
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
    if (m.to !== this.config.id || !this.others.includes(m.from)) return;

    // Rules for all servers: a higher term anywhere makes this node a follower of that term. A pre-vote request
    // and a granted pre-vote reply carry a *proposed* term, which changes nothing.
    if (m.term > this.term) {
      const proposedTerm = (m.type === 'RequestVote' || m.type === 'RequestVoteReply') && m.preVote;
      if (!proposedTerm || (m.type === 'RequestVoteReply' && !m.voteGranted)) {
        const fromLeader = m.type === 'AppendEntries' || m.type === 'InstallSnapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : null);
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
    if (m.type === 'AppendEntries') this.handleAppendEntries(m);
    else if (m.type === 'InstallSnapshot') this.handleInstallSnapshot(m);
  }

  /**
   * A (pre-)candidate counts votes. Rules for candidates: if AppendEntries (or a snapshot) arrives from the new
   * leader of this term, convert to follower and handle it.
   */
  private stepCandidate(m: Exclude<Message, RequestVote>): void {
    switch (m.type) {
      case 'RequestVoteReply':
        this.handleVoteReply(m);
        return;
      case 'AppendEntries':
      case 'InstallSnapshot':
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        return;
      case 'AppendEntriesReply':
      case 'InstallSnapshotReply':
        return;
    }
  }

  /**
   * A leader tracks its followers. An AppendEntries or InstallSnapshot of its own term would come from a second
   * leader, which Election Safety rules out: it is ignored, never obeyed.
   */
  private stepLeader(m: Exclude<Message, RequestVote>): void {
    if (m.type === 'AppendEntriesReply') this.handleAppendReply(m);
    else if (m.type === 'InstallSnapshotReply') this.handleSnapshotReply(m);
  }

  /**
   * The transport could not deliver to `peer` (the lab's failed Call). The leader stops waiting for a reply that
   * will never come, so the next heartbeat or new entry goes out at once.
   */
  reportUnreachable(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role === 'leader' && pr !== undefined) pr.inflight = false;
  }

  // ---------------------------------------------------------------- outputs

  /** Whether `takeReady` has anything to hand out. */
  hasReady(): boolean {
    return (
      this.outbox.length > 0 ||
      this.hardStateChanged ||
      this.snapshotChanged ||
      this.log.unstableFrom !== Number.POSITIVE_INFINITY ||
      this.snapshotToApply !== null ||
      this.applied < this.commitIndex
    );
  }

  /**
   * Takes the pending work. The driver must handle it in the order `Ready` documents before the next call.
   * Rules for all servers: if commitIndex > lastApplied, the entries up to commitIndex go out to be applied,
   * each exactly once, in order.
   */
  takeReady(): Ready {
    const from = this.log.unstableFrom;
    const firstKept = Math.max(from, this.log.snapshotIndex + 1);
    const ready: Ready = {
      hardState: this.hardStateChanged ? this.hardState() : null,
      snapshot: this.snapshotChanged ? this.log.snapshot : null,
      entries:
        from === Number.POSITIVE_INFINITY
          ? null
          : { from, entries: this.log.slice(firstKept, this.log.lastIndex() + 1) },
      messages: this.outbox,
      applySnapshot: this.snapshotToApply,
      committed:
        this.applied < this.commitIndex ? this.log.slice(this.applied + 1, this.commitIndex + 1) : [],
    };
    this.applied = Math.max(this.applied, this.commitIndex);
    this.outbox = [];
    this.hardStateChanged = false;
    this.snapshotChanged = false;
    this.snapshotToApply = null;
    this.log.unstableFrom = Number.POSITIVE_INFINITY;
    return ready;
  }

  /** Everything a restart needs, as it stands now (for drivers that rewrite their whole state). */
  persistentState(): PersistedState {
    return { hardState: this.hardState(), snapshot: this.log.snapshot, entries: [...this.log.all()] };
  }

  /** The current snapshot (taken by the service or installed from a leader), if any. */
  snapshot(): Snapshot | null {
    return this.log.snapshot;
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
    };
  }

  // ---------------------------------------------------------------- roles

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.term) {
      this.term = term;
      this.votedFor = null;
      this.hardStateChanged = true;
      this.votes = new Map();
    }
    this.role = 'follower';
    this.leaderId = leader;
    this.sinceLeaderContact = leader === null ? Number.POSITIVE_INFINITY : 0;
    this.progress = new Map();
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
      this.becomeCandidate();
    }
  }

  /**
   * Asks whether the others would vote for us in the next term. Grants from an earlier round for the same term
   * still stand and are not asked for again; refusals are, since a voter's lease may have ended.
   */
  private becomePreCandidate(): void {
    this.role = 'precandidate';
    this.leaderId = null;
    this.sinceLeaderContact = Number.POSITIVE_INFINITY;
    this.resetElectionTimer();
    if (this.preVoteTerm !== this.term + 1) {
      this.preVoteTerm = this.term + 1;
      this.preVotes = new Map();
    }
    for (const [voter, granted] of this.preVotes) if (!granted) this.preVotes.delete(voter);
    this.preVotes.set(this.config.id, true);
    if (this.decidePreVote()) return; // A cluster of one.
    this.requestVotes(
      true,
      this.others.filter((peer) => this.preVotes.get(peer) !== true),
    );
  }

  /** Rules for candidates: increment currentTerm, vote for self, reset the election timer, ask for votes. */
  private becomeCandidate(): void {
    this.role = 'candidate';
    this.term += 1;
    this.votedFor = this.config.id;
    this.hardStateChanged = true;
    this.leaderId = null;
    this.sinceLeaderContact = Number.POSITIVE_INFINITY;
    this.resetElectionTimer();
    this.votes = new Map([[this.config.id, true]]);
    if (this.decideVote()) return; // A cluster of one.
    this.requestVotes(false, this.others);
  }

  private requestVotes(preVote: boolean, voters: readonly NodeId[]): void {
    const term = preVote ? this.preVoteTerm : this.term;
    for (const peer of voters) {
      this.send({
        type: 'RequestVote',
        term,
        from: this.config.id,
        to: peer,
        preVote,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
      });
    }
  }

  /** A quorum of pre-votes starts the real election; a quorum of refusals ends the attempt. */
  private decidePreVote(): boolean {
    const { granted, refused } = this.count(this.preVotes);
    if (granted >= this.quorum) this.becomeCandidate();
    else if (refused >= this.quorum) this.becomeFollower(this.term, null);
    else return false;
    return true;
  }

  /**
   * Rules for candidates: votes from a majority make us leader (Election Safety: each voter grants one vote per
   * term, so no two candidates win the same term).
   */
  private decideVote(): boolean {
    const { granted, refused } = this.count(this.votes);
    if (granted >= this.quorum) this.becomeLeader();
    else if (refused >= this.quorum && this.role === 'candidate') this.becomeFollower(this.term, null);
    else return false;
    return true;
  }

  private count(answers: ReadonlyMap<NodeId, boolean>): { granted: number; refused: number } {
    let granted = 0;
    for (const answer of answers.values()) if (answer) granted++;
    return { granted, refused: answers.size - granted };
  }

  /**
   * Won the election: take charge of every follower's progress. Rules for leaders: upon election, send each
   * server an initial AppendEntries (a heartbeat) at once.
   */
  private becomeLeader(): void {
    this.role = 'leader';
    this.leaderId = this.config.id;
    this.votes = new Map(); // The candidacy is over: a late vote must not elect us again after a step-down.
    this.quorumCheckElapsed = 0;
    this.progress = new Map(this.others.map((peer) => [peer, new Progress(this.log.lastIndex())]));
    for (const peer of this.others) this.sendAppend(peer);
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

  private tickHeartbeat(): void {
    if (this.config.checkQuorum && ++this.quorumCheckElapsed >= this.config.electionTicks.max) {
      this.quorumCheckElapsed = 0;
      if (!this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
    }
    for (const [peer, pr] of this.progress) {
      pr.idleTicks++;
      // Rules for leaders: send heartbeats during idle periods to prevent election timeouts. It goes out even
      // with a message in flight, so a lost message is retransmitted.
      if (pr.idleTicks >= this.config.heartbeatTicks) this.sendAppend(peer);
    }
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

  /** Is this node, as far as it knows, served by a live leader? Then it refuses pre-votes. */
  private inLeaderLease(): boolean {
    if (this.role === 'leader') return true;
    return this.leaderId !== null && this.sinceLeaderContact < this.config.electionTicks.min;
  }

  private handleRequestVote(m: RequestVote): void {
    const logOk = this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (m.preVote) {
      // Would we vote in the proposed term? Only for an up-to-date log, and not while a leader is alive.
      const grant = m.term > this.term && logOk && !this.inLeaderLease();
      this.reply(m, {
        type: 'RequestVoteReply',
        term: grant ? m.term : this.term,
        preVote: true,
        voteGranted: grant,
      });
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

  private handleVoteReply(m: RequestVoteReply): void {
    if (m.preVote) {
      if (this.role !== 'precandidate') return;
      // A grant echoes the term we proposed; a refusal carries the voter's (equal) term.
      if (m.term !== (m.voteGranted ? this.preVoteTerm : this.term)) return;
      this.preVotes.set(m.from, m.voteGranted);
      this.decidePreVote();
      return;
    }
    // A vote for our candidacy in this term counts even if it arrives after the round timed out and we went back
    // to pre-voting: we are still in that term, and the voter cannot vote for anyone else in it.
    const campaigning = this.role === 'candidate' || this.role === 'precandidate';
    if (!campaigning || m.term !== this.term || !this.votes.has(this.config.id)) return;
    this.votes.set(m.from, m.voteGranted);
    this.decideVote();
  }

  // ---------------------------------------------------------------- replication, follower side

  private handleAppendEntries(m: AppendEntries): void {
    this.hearFromLeader(m.from);

    const snapshotIndex = this.log.snapshotIndex;
    const lastNew = m.prevLogIndex + m.entries.length;
    // AppendEntries rule 2: refuse if the log has no entry at prevLogIndex whose term matches prevLogTerm.
    // Entries at or below our snapshot are committed, and so match any leader's.
    if (m.prevLogIndex >= snapshotIndex && this.log.term(m.prevLogIndex) !== m.prevLogTerm) {
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
    // Rules 3 and 4: truncate only at a real conflict; append what is new.
    this.log.merge(m.entries);
    // Rule 5: commitIndex = min(leaderCommit, index of last new entry), never moving backwards.
    const matchIndex = Math.max(lastNew, snapshotIndex);
    if (m.leaderCommit > this.commitIndex) {
      this.commitIndex = Math.max(this.commitIndex, Math.min(m.leaderCommit, matchIndex));
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

  /** Where our log diverges at `index`, for the leader's fast backup (spec section 7). */
  private conflictAt(index: number): ConflictHint {
    const xLen = this.log.lastIndex() + 1;
    const xTerm = this.log.term(index);
    if (xTerm === undefined) return { xTerm: -1, xIndex: -1, xLen };
    return { xTerm, xIndex: this.log.firstIndexOfTermAt(index), xLen };
  }

  private handleInstallSnapshot(m: InstallSnapshot): void {
    this.hearFromLeader(m.from);
    // Install only a snapshot that moves us forward. One at or below commitIndex adds nothing: our log already
    // matches the leader's through commitIndex.
    if (m.lastIncludedIndex > this.commitIndex) {
      const snapshot: Snapshot = { index: m.lastIncludedIndex, term: m.lastIncludedTerm, data: m.data };
      this.log.restore(snapshot);
      this.commitIndex = snapshot.index;
      this.applied = snapshot.index;
      this.snapshotToApply = snapshot;
      this.snapshotChanged = true;
    }
    this.reply(m, { type: 'InstallSnapshotReply', term: this.term, matchIndex: this.commitIndex });
  }

  /** A valid AppendEntries or InstallSnapshot of our term arrived: its sender leads this term. */
  private hearFromLeader(leader: NodeId): void {
    this.leaderId = leader;
    this.sinceLeaderContact = 0;
    this.resetElectionTimer();
  }

  // ---------------------------------------------------------------- replication, leader side

  /**
   * Rules for leaders: on success, update the follower's nextIndex and matchIndex; on a log mismatch, move
   * nextIndex back (a whole term at a time) and retry at once.
   */
  private handleAppendReply(m: AppendEntriesReply): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.success) {
      if (m.matchIndex > this.log.lastIndex()) return; // Acknowledges what we never sent: not to be believed.
      if (pr.acknowledge(m.matchIndex)) this.maybeCommit();
      this.maybeSendAppend(m.from);
      return;
    }
    // A refusal without a hint answered a stale request; a hint about an older probe than the current one is
    // out of date (next only moves past a probe after a success, which also moves match past it).
    if (m.conflict === null || m.rejectedIndex !== pr.next - 1) return;
    pr.backUpTo(Math.min(this.nextAfterConflict(m.conflict), m.rejectedIndex));
    this.sendAppend(m.from);
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

  private handleSnapshotReply(m: InstallSnapshotReply): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.matchIndex > this.log.lastIndex()) return;
    if (pr.acknowledge(m.matchIndex)) this.maybeCommit();
    this.maybeSendAppend(m.from);
  }

  /**
   * Rules for leaders: commit N if a majority has matchIndex >= N and log[N].term == currentTerm. Entries of
   * earlier terms are never committed by counting replicas (Figure 8); they commit with the first entry of
   * ours.
   */
  private maybeCommit(): void {
    const matches = [this.log.lastIndex(), ...[...this.progress.values()].map((pr) => pr.match)];
    matches.sort((a, b) => b - a);
    const n = matches[this.quorum - 1] ?? 0;
    if (n <= this.commitIndex || this.log.term(n) !== this.term) return;
    this.commitIndex = n;
    for (const peer of this.others) this.maybeSendAppend(peer); // Tell the followers promptly.
  }

  /**
   * Rules for leaders: if last log index >= nextIndex for a follower, send it the entries from nextIndex. Also
   * sends a commit index it can use. Nothing goes out while a message to `peer` is in flight: the reply (or the
   * next heartbeat) sends what accumulated meanwhile, batched.
   */
  private maybeSendAppend(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (pr === undefined || pr.inflight) return;
    const hasNewEntries = pr.next <= this.log.lastIndex();
    const hasUsefulCommit = pr.sentCommit < Math.min(this.commitIndex, pr.match);
    if (hasNewEntries || hasUsefulCommit) this.sendAppend(peer);
  }

  /** Sends `peer` the entries from its nextIndex (batched), or our snapshot if those are compacted away. */
  private sendAppend(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (pr === undefined) return;
    pr.inflight = true;
    pr.idleTicks = 0;
    if (pr.next <= this.log.snapshotIndex) {
      const snapshot = this.log.snapshot as Snapshot; // snapshotIndex > 0 means there is one.
      this.send({
        type: 'InstallSnapshot',
        term: this.term,
        from: this.config.id,
        to: peer,
        lastIncludedIndex: snapshot.index,
        lastIncludedTerm: snapshot.term,
        data: snapshot.data,
      });
      return;
    }
    const prevLogIndex = pr.next - 1;
    const entries = this.log.slice(
      pr.next,
      Math.min(this.log.lastIndex() + 1, pr.next + this.config.maxEntriesPerAppend),
    );
    pr.sentCommit = this.commitIndex;
    this.send({
      type: 'AppendEntries',
      term: this.term,
      from: this.config.id,
      to: peer,
      prevLogIndex,
      prevLogTerm: this.log.term(prevLogIndex) as number, // prevLogIndex >= snapshotIndex here.
      entries,
      leaderCommit: this.commitIndex,
    });
  }

  // ---------------------------------------------------------------- plumbing

  private hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor };
  }

  private send(m: Message): void {
    this.outbox.push(m);
  }

  private reply(request: Message, body: DistributiveOmit<Message, 'from' | 'to'>): void {
    this.send({ ...body, from: this.config.id, to: request.from });
  }

  /** Refuses a request from an older term; the reply carries our term so that its sender steps down. */
  private refuseStale(m: RequestVote | AppendEntries | InstallSnapshot): void {
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
      case 'InstallSnapshot':
        this.reply(m, { type: 'InstallSnapshotReply', term: this.term, matchIndex: 0 });
        return;
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
