/**
 * What a Raft peer hands its service (the tester, or a key/value server) for each committed entry or installed
 * snapshot: the lab's ApplyMsg, field for field.
 */
export interface ApplyMsg {
  readonly commandValid: boolean;
  readonly command: unknown;
  readonly commandIndex: number;
  readonly snapshotValid: boolean;
  readonly snapshot: Uint8Array | null;
  readonly snapshotTerm: number;
  readonly snapshotIndex: number;
}

/**
 * The lab's applyCh. Raft calls it from a simulator event of its own, never from inside a Raft method, so the
 * receiver may call back into Raft (the tester calls `snapshot()` from here).
 */
export type ApplyCh = (msg: ApplyMsg) => void;

/** An ApplyMsg for a committed command. */
export function commandMsg(commandIndex: number, command: unknown): ApplyMsg {
  return {
    commandValid: true,
    command,
    commandIndex,
    snapshotValid: false,
    snapshot: null,
    snapshotTerm: 0,
    snapshotIndex: 0,
  };
}

/** An ApplyMsg for a snapshot the service must install. */
export function snapshotMsg(snapshotIndex: number, snapshotTerm: number, snapshot: Uint8Array): ApplyMsg {
  return {
    commandValid: false,
    command: undefined,
    commandIndex: 0,
    snapshotValid: true,
    snapshot,
    snapshotTerm,
    snapshotIndex,
  };
}
