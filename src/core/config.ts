import { RaftError } from './errors.js';
import type { NodeId, RandomSource } from './types.js';

/** How a RaftNode is set up. Times are in ticks: the driver decides how long a tick is. */
export interface RaftConfig {
  /** This node's id; it must appear in `peers`. */
  readonly id: NodeId;
  /** Every member of the cluster, this node included. */
  readonly peers: readonly NodeId[];
  /** Election timeouts are drawn uniformly from [min, max) ticks, afresh at every reset. */
  readonly electionTicks: { readonly min: number; readonly max: number };
  /** A leader sends each follower something at least this often (ticks). */
  readonly heartbeatTicks: number;
  /**
   * Run a pre-vote round before a real election (Raft thesis 9.6), so that a node cut off from the cluster does
   * not inflate its term and depose a healthy leader when it comes back.
   */
  readonly preVote: boolean;
  /**
   * A leader that has not heard from a quorum for `electionTicks.max` ticks steps down (etcd's CheckQuorum), so a
   * leader cut off from the cluster stops claiming leadership and stops flooding it with heartbeats.
   */
  readonly checkQuorum: boolean;
  /** The most entries one AppendEntries carries. */
  readonly maxEntriesPerAppend: number;
  /** The seeded source of the randomized election timeouts. */
  readonly rand: RandomSource;
}

/** Checks a config, throwing a RaftError that says what is wrong. */
export function validateConfig(config: RaftConfig): void {
  const { id, peers, electionTicks, heartbeatTicks, maxEntriesPerAppend } = config;
  const fail = (message: string): never => {
    throw new RaftError('RAFT_BAD_CONFIG', message);
  };
  if (!peers.includes(id)) fail(`node ${id} is not among the peers ${peers.join(', ')}`);
  if (new Set(peers).size !== peers.length) fail(`peer ids repeat: ${peers.join(', ')}`);
  if (!Number.isInteger(heartbeatTicks) || heartbeatTicks < 1) fail('heartbeatTicks must be an integer >= 1');
  if (!Number.isInteger(electionTicks.min) || !Number.isInteger(electionTicks.max)) {
    fail('electionTicks must be integers');
  }
  if (electionTicks.min <= heartbeatTicks) fail('electionTicks.min must exceed heartbeatTicks');
  if (electionTicks.max <= electionTicks.min) fail('electionTicks.max must exceed electionTicks.min');
  if (!Number.isInteger(maxEntriesPerAppend) || maxEntriesPerAppend < 1) {
    fail('maxEntriesPerAppend must be an integer >= 1');
  }
}
