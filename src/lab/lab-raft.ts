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
}

/** The simulated world a lab Raft lives in: its clock and its own random stream. */
export interface LabWorld {
  readonly sim: Simulator;
  readonly rand: Prng;
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
