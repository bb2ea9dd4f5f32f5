/**
 * The replicated key/value service's state machine: operations, exactly-once client requests (the duplicate
 * table) and the snapshot encoding. Pure: no Node API, no clock, no world; the lab adapters live in `./lab`.
 */
export { parseCommand, parseOp } from './command.js';
export { DedupTable, type DedupEntry, type DedupVerdict } from './dedup-table.js';
export { CorruptSnapshotError, KvError } from './errors.js';
export { KvStateMachine } from './kv-state-machine.js';
export {
  decodeSnapshot,
  encodeSnapshot,
  type DecodedSnapshot,
  type SnapshotState,
} from './snapshot-codec.js';
export type { ApplyOutcome, KvCommand, KvErr, KvOp, KvReply } from './types.js';
