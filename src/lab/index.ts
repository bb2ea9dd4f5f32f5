/**
 * The MIT 6.824 / 6.5840 Raft lab's world on the simulator: the lab API over the core (`make`, `ApplyMsg`), the
 * labrpc network, the Persister, and the tester with its runner.
 */
export { commandMsg, snapshotMsg, type ApplyCh, type ApplyMsg } from './apply-msg.js';
export type {
  InspectedEntry,
  LabRaft,
  LabRaftTuning,
  LabWorld,
  MakeRaft,
  RaftInspection,
  RaftState,
  StartResult,
} from './lab-raft.js';
export { decode, encode } from './labgob.js';
export * from './labrpc/index.js';
export { Persister } from './persister.js';
export { LAB_TIMING, make } from './raft.js';
export { CorruptStateError } from './raft-state-codec.js';
export * from './tester/index.js';
export * from './runner/index.js';
export * from './trace/index.js';
