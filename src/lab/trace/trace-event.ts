/**
 * The trace format (version 1): what a recorded run of the lab world looks like on disk. One JSON object per
 * line; the first line is a `TraceHeader`, every other line a `TraceEvent`, the last one a `result` event. Each
 * event carries the virtual time `t` (ms since the run began) and its kind `k`; events that happen on one server
 * name it as `s`. Events appear in the order the simulator ran them, so `t` never decreases.
 *
 * This file is the one description of the format: the recorder writes it and the viewer (web/) reads it.
 */

/** The header's `format` field. */
export const TRACE_FORMAT = 'raft-ts-trace';
/** Bumped whenever a reader of an older trace would misread a newer one. */
export const TRACE_VERSION = 1;

/** The first line of a trace. */
export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  /** The lab test's name, e.g. "TestBackup2B". */
  readonly test: string;
  readonly seed: number;
  /** The number of Raft servers (0 if the test made no config). */
  readonly servers: number;
  readonly unreliable: boolean;
  /** Whether the tester's snapshotting applier (2D) ran. */
  readonly snapshot: boolean;
}

/** A Raft role as the core names it. */
export type TraceRole = 'follower' | 'precandidate' | 'candidate' | 'leader';

/** Why labrpc lost a message. */
export type DropReason =
  /** The sender's end is disabled or the receiver is not on the network: the request never left. */
  | 'unreachable'
  /** The unreliable network lost the request: the handler never ran. */
  | 'request lost'
  /** The unreliable network lost the reply: the handler ran, the caller never heard. */
  | 'reply lost'
  /** The receiver crashed or was disconnected while it handled the request: its reply went nowhere. */
  | 'server gone';

/**
 * What a reader cares about in an RPC's arguments or reply. Raft messages fill the fields of their type (names
 * as in the core's messages); `entries` is a count and `conflict` is [xTerm, xIndex, xLen].
 */
export interface RpcFields {
  readonly term?: number;
  readonly preVote?: boolean;
  readonly lastLogIndex?: number;
  readonly lastLogTerm?: number;
  readonly voteGranted?: boolean;
  readonly prevLogIndex?: number;
  readonly prevLogTerm?: number;
  readonly entries?: number;
  readonly leaderCommit?: number;
  readonly success?: boolean;
  readonly matchIndex?: number;
  readonly conflict?: readonly [number, number, number];
  readonly lastIncludedIndex?: number;
  readonly lastIncludedTerm?: number;
}

interface At {
  /** Virtual milliseconds since the run began. */
  readonly t: number;
}

interface OnServer extends At {
  readonly s: number;
}

/** Every event a trace can hold, by kind `k`. */
export type TraceEvent =
  // ---- one server's Raft state, seen by the lab facade after each input
  /** The server's role, term or known leader changed (also its state when it starts). */
  | (OnServer & { k: 'state'; role: TraceRole; term: number; leader: number | null })
  /** The server voted for candidate `for` in `term` (a real vote, persisted; pre-votes are messages only). */
  | (OnServer & { k: 'vote'; term: number; for: number })
  /** The server's commit index moved to `commit`. */
  | (OnServer & { k: 'commit'; commit: number })
  /**
   * The server's log changed: every entry at `from` or later was dropped, then `terms` were stored from `from`
   * on, run-length encoded as [term, count] pairs; `commands` are the entries' commands, shortened for reading.
   */
  | (OnServer & {
      k: 'log';
      from: number;
      terms: readonly (readonly [number, number])[];
      commands: readonly string[];
    })
  /** The server's log now starts after a snapshot through `index` (taken by its service or installed). */
  | (OnServer & { k: 'snapshot'; index: number; term: number; bytes: number })
  /** The server wrote its Persister: Raft state and snapshot sizes in bytes. */
  | (OnServer & { k: 'persist'; bytes: number; snapshotBytes: number })
  /** Entries `from`..`to` went out to the service to apply. */
  | (OnServer & { k: 'apply'; from: number; to: number })
  /** A snapshot from the leader went out to the service to load. */
  | (OnServer & { k: 'applySnapshot'; index: number; term: number })
  // ---- labrpc: an RPC `id` from `from` to `to`
  /** A request left `from`'s end, `bytes` long. */
  | (At & RpcFields & { k: 'send'; id: number; from: number; to: number; type: string; bytes: number })
  /** The request reached the receiver's handler. */
  | (At & { k: 'recv'; id: number })
  /** The handler answered, `bytes` long. */
  | (At & RpcFields & { k: 'reply'; id: number; bytes: number })
  /** The long-reordering network holds the reply for `ms`. */
  | (At & { k: 'delay'; id: number; ms: number })
  /** The reply reached the caller. */
  | (At & { k: 'done'; id: number })
  /** The network lost the RPC, here. */
  | (At & { k: 'drop'; id: number; why: DropReason })
  // ---- the tester
  /** The test's description (cfg.begin). */
  | (At & { k: 'label'; text: string })
  /** Server `s` was started: first boot, or a restart from its persisted state. */
  | (OnServer & { k: 'start'; restart: boolean })
  /** Server `s` crashed: it is off the network and its memory is gone; its Persister is kept. */
  | (OnServer & { k: 'crash' })
  | (OnServer & { k: 'connect' })
  | (OnServer & { k: 'disconnect' })
  /** The network's behaviour changed. */
  | (At & { k: 'net'; reliable: boolean; longReordering: boolean })
  /** A tester step began: `op` is the helper (checkOneLeader, one, wait, ...), `args` its arguments. */
  | (At & { k: 'begin'; step: number; op: string; args: string })
  /** The tester step `step` returned `result`. */
  | (At & { k: 'end'; step: number; result: string })
  /** A tester check failed with `message` (the lab's t.Fatalf): the first one is why the test failed. */
  | (At & { k: 'fail'; message: string })
  /** The last line: how the run ended (`message` is '' for a pass). */
  | (At & { k: 'result'; passed: boolean; message: string });

/** An event's kind. */
export type TraceKind = TraceEvent['k'];

/** An event before the recorder stamps it with the time. */
export type TraceEventBody = TraceEvent extends infer E ? (E extends At ? Omit<E, 't'> : never) : never;
