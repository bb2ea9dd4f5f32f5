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
   * leader cut off from the cluster stops claiming leadership and stops flooding it with heartbeats. With it, a
   * follower that hears a live leader ignores vote requests (thesis 4.2.3).
   */
  readonly checkQuorum: boolean;
  /** The most entries one AppendEntries carries. */
  readonly maxEntriesPerAppend: number;
  /** The seeded source of the randomized election timeouts. */
  readonly rand: RandomSource;
  /**
   * The most entry bytes one AppendEntries carries (at least one entry goes, however large). Default: unlimited.
   */
  readonly maxBytesPerAppend?: number;
  /** The most AppendEntries in flight to one follower while streaming (etcd's MaxInflightMsgs). Default 256. */
  readonly maxInflightMessages?: number;
  /** The most entry bytes in flight to one follower while streaming (etcd's MaxInflightBytes). Default: unlimited. */
  readonly maxInflightBytes?: number;
  /**
   * The most bytes of uncommitted entries a leader holds; `propose` refuses beyond it (etcd's
   * MaxUncommittedEntriesSize). One entry is always accepted into an empty tail. Default: unlimited.
   */
  readonly maxUncommittedBytes?: number;
  /** The most bytes of committed entries one Ready hands out to apply (at least one entry). Default: unlimited. */
  readonly maxCommittedBytesPerReady?: number;
  /** Snapshots are sent in chunks of at most this many bytes (Figure 13). Default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /**
   * The longest a leader waits for an answer before it resends to a follower (ticks). The wait adapts to the
   * round trips it measures, between one tick and this bound. Default: heartbeatTicks.
   */
  readonly retransmitTicks?: number;
  /**
   * While entries remain uncommitted, a leader whose commit index moves tells its followers with its next tick
   * instead of at once, unless an AppendEntries carrying entries goes to them first and carries it: the pending
   * entries' own commit follows shortly. Once the whole log is committed, the news goes at once (nothing else is
   * coming, and whoever waits for the followers to apply waits no longer). Under a steady flow of proposals this
   * saves one message per follower per commit, and a follower learns of a commit at most a tick later. Worth it
   * when ticks are short (the lab's 10 ms); the runtime, with long ticks, coalesces in its driver instead.
   * Default false.
   */
  readonly deferCommitNews?: boolean;
  /**
   * For transports that reorder or lose messages (the lab's labrpc; UDP), not TCP: while streaming, each
   * AppendEntries also carries the entries sent before it and not yet acknowledged, as long as they all fit in one
   * message. Such a message starts where the follower is known to match, so it is taken whether or not the ones
   * before it arrived; a late or lost message then costs neither a refusal nor a resend, and an entry reaches the
   * follower with the first message that carries it. It costs bytes, not messages. Default false.
   */
  readonly resendUnacknowledged?: boolean;
  /** A new leader appends an empty entry (command `null`) so that it commits an entry of its term at once. */
  readonly noopOnElection?: boolean;
  /** The size in bytes of a command, for the byte budgets. Default: byte length of strings and byte arrays, else 8. */
  readonly commandSize?: (command: unknown) => number;
}

/** A RaftConfig with every optional field filled in. */
export type ResolvedConfig = Required<RaftConfig>;

/** The size of a command when the driver gives no `commandSize`. */
export function defaultCommandSize(command: unknown): number {
  if (typeof command === 'string') return command.length;
  if (command instanceof Uint8Array) return command.byteLength;
  return 8;
}

/** Checks a config, throwing a RaftError that says what is wrong, and fills in the defaults. */
export function validateConfig(config: RaftConfig): ResolvedConfig {
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
  const positiveInteger = (name: string, value: number): void => {
    if (!Number.isInteger(value) || value < 1) fail(`${name} must be an integer >= 1`);
  };
  const positive = (name: string, value: number): void => {
    if (Number.isNaN(value) || value < 1) fail(`${name} must be a number >= 1`);
  };
  positiveInteger('maxEntriesPerAppend', maxEntriesPerAppend);
  const resolved: ResolvedConfig = {
    maxBytesPerAppend: Infinity,
    maxInflightMessages: 256,
    maxInflightBytes: Infinity,
    maxUncommittedBytes: Infinity,
    maxCommittedBytesPerReady: Infinity,
    snapshotChunkBytes: 1 << 20,
    retransmitTicks: heartbeatTicks,
    noopOnElection: false,
    deferCommitNews: false,
    resendUnacknowledged: false,
    commandSize: defaultCommandSize,
    ...stripUndefined(config),
  };
  positive('maxBytesPerAppend', resolved.maxBytesPerAppend);
  positiveInteger('maxInflightMessages', resolved.maxInflightMessages);
  positive('maxInflightBytes', resolved.maxInflightBytes);
  positive('maxUncommittedBytes', resolved.maxUncommittedBytes);
  positive('maxCommittedBytesPerReady', resolved.maxCommittedBytesPerReady);
  positive('snapshotChunkBytes', resolved.snapshotChunkBytes);
  positiveInteger('retransmitTicks', resolved.retransmitTicks);
  return resolved;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
