/** A peer's identity: its position in the cluster's peer list (the lab's `me`). */
export type NodeId = number;

/** One log entry. Indices are 1-based as the lab sees them; index 0 is the empty log's sentinel. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly command: unknown;
}

/** A state-machine snapshot covering every entry through `index` (whose term was `term`). */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

/** The Raft state that must survive a crash besides the log (Figure 2, "Persistent state on all servers"). */
export interface HardState {
  readonly term: number;
  /** The candidate this node voted for in `term`, or null. */
  readonly votedFor: NodeId | null;
}

/** Everything a node persisted, handed back to it on restart. */
export interface PersistedState {
  readonly hardState: HardState;
  /** The snapshot the log starts after, if any. */
  readonly snapshot: Snapshot | null;
  /** The log entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

/** A node's role; a pre-candidate runs a pre-vote before it disturbs anyone's term (Raft thesis 9.6). */
export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

/** A seeded random source: the only randomness the core ever draws. */
export interface RandomSource {
  /** An integer in [0, n). */
  int(n: number): number;
}
