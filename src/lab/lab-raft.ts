import type { RaftStatus, Ready } from '../core/index.js';
import type { Prng, Simulator } from '../sim/index.js';
import type { ApplyCh } from './apply-msg.js';
import type { ClientEnd, RpcHandler } from './labrpc/index.js';
import type { Persister } from './persister.js';

/** What `start` returns: where the command will sit if it commits, and whether this peer took it. */
export interface StartResult {
  readonly index: number;
  readonly term: number;
  readonly isLeader: boolean;
}

/** What `getState` returns. */
export interface RaftState {
  readonly term: number;
  readonly isLeader: boolean;
}

/** One logged entry as an observer sees it. */
export interface InspectedEntry {
  readonly term: number;
  readonly command: unknown;
}

/**
 * A read-only view of a peer's Raft state at one moment, for the tester's invariant checker. `entry(i)` answers
 * for snapshotIndex < i <= lastIndex; the entry at snapshotIndex is known only by its term, `snapshotTerm`.
 */
export interface RaftInspection {
  readonly term: number;
  readonly role: 'follower' | 'precandidate' | 'candidate' | 'leader';
  readonly commitIndex: number;
  /** The highest index handed to the service to apply (or covered by the snapshot it loaded). */
  readonly appliedIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  entry(index: number): InspectedEntry | undefined;
}

/** The lab's Raft API, as the tester and services use it. */
export interface LabRaft {
  /** Proposes `command`; returns at once, without waiting for agreement. */
  start(command: unknown): StartResult;
  getState(): RaftState;
  /** The service has a snapshot of everything through `index`: Raft may drop those log entries. */
  snapshot(index: number, snapshot: Uint8Array): void;
  /** Stops this peer for good: it sends, persists and applies nothing more. */
  kill(): void;
  /** The handlers to register as labrpc service "Raft" ("Raft.RequestVote", "Raft.AppendEntries", ...). */
  rpcHandlers(): Readonly<Record<string, RpcHandler>>;
  /**
   * Not part of the lab's API: a read-only view of the peer's state for the tester's invariant checker. Optional,
   * so that a Raft without it (the tester's fakes) simply goes unchecked.
   */
  inspect?(): RaftInspection;
  /**
   * Beyond the lab's API, a linearizable read (ReadIndex): returns false if this peer is not leader; otherwise
   * `onConfirmed` is called once, from an event of its own, with the index the service must have applied before
   * it serves the read, or with null if leadership was lost before a quorum confirmed it.
   */
  readIndex?(onConfirmed: (index: number | null) => void): boolean;
  /** Beyond the lab's API: hands leadership to `target`; returns false if this peer is not leader. */
  transferLeadership?(target: number): boolean;
}

/** Settings of the project's lab Raft that a test may change (the lab's own tests never do). */
export interface LabRaftTuning {
  /** Snapshots travel in chunks of this many bytes (default: whole, in one InstallSnapshot). */
  readonly snapshotChunkBytes?: number;
  /**
   * A new leader appends an empty entry (command `null`, applied like any other) so that it commits an entry of
   * its own term at once (default: off, as the lab's Raft tests count every entry). Services that read through
   * ReadIndex want it on: until the leader has committed an entry of its term, its reads wait (thesis 6.4).
   */
  readonly noopOnElection?: boolean;
  /**
   * A leader that has not heard from a quorum for an election timeout steps down, and a follower that hears its
   * leader ignores vote requests (default: off, as in the lab's own solution). A real cluster wants it on: clients
   * of a leader cut off from the majority learn within a timeout that it no longer leads. The lab's tests do not,
   * and under its long reordering (two replies in three arrive 0.2-2.2 s late) a leader with live followers would
   * often hear too few of them in one window and step down for nothing; a leader cut off briefly keeps its place
   * and commits, on its return, what it took meanwhile. The nemesis and the kvraft service run with it on.
   */
  readonly checkQuorum?: boolean;
  /**
   * Streamed AppendEntries also carry the entries not yet acknowledged (RaftConfig.resendUnacknowledged; default
   * on, as labrpc reorders and loses calls). Off, the leader streams as over TCP, and the follower's reorder buffer
   * and the leader's handling of refusals do the work: the nemesis runs half its seeds that way.
   */
  readonly resendUnacknowledged?: boolean;
  /** RaftConfig.deferCommitNews (default on). */
  readonly deferCommitNews?: boolean;
}

/** The simulated world a lab Raft lives in: its clock and its own random stream. */
export interface LabWorld {
  readonly sim: Simulator;
  readonly rand: Prng;
  readonly tuning?: LabRaftTuning | undefined;
  /** Watches the peer when the run is traced (src/lab/trace); absent otherwise. */
  readonly observer?: RaftObserver;
}

/**
 * What a traced run watches in a lab Raft peer: the core's status after each input (tick, message, proposal,
 * snapshot) and each Ready it hands out, before the peer acts on it. An observer only reads.
 */
export interface RaftObserver {
  status(status: RaftStatus): void;
  ready(ready: Ready): void;
}

/** The lab's `Make(peers, me, persister, applyCh)`, plus the simulated world to run in. */
export type MakeRaft = (
  peers: readonly ClientEnd[],
  me: number,
  persister: Persister,
  applyCh: ApplyCh,
  world: LabWorld,
) => LabRaft;
