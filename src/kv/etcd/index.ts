/**
 * The etcd-style key/value state machine (etcd 3.4's KV API without history, leases or watches): requests and
 * responses, the store with its revisions, exactly-once sessions, and the command and snapshot codecs. Pure.
 */
export { decodeCommand, encodeCommand } from './command-codec.js';
export { Failures, GrpcCode, staleSequence } from './errors.js';
export { EtcdStateMachine, type EtcdApplied } from './etcd-state-machine.js';
export { EtcdStore, INITIAL_REVISION } from './etcd-store.js';
export { bytesEqual, compareBytes, keyBytes, keyString } from './key-bytes.js';
export {
  decodeEtcdSnapshot,
  encodeEtcdSnapshot,
  encodeEtcdSnapshotSteps,
  type EtcdSnapshot,
  type Session,
} from './snapshot-codec.js';
export type * from './types.js';
