/**
 * The key/value service in the lab world: the kvraft server and clerk over labrpc and a lab Raft, on the
 * simulator, and the kvraft tester's config.
 */
export {
  BadRequestError,
  Clerk,
  ClerkBusyError,
  makeClerk,
  RETRY_ROUND_MS,
  type ClerkWorld,
} from './clerk.js';
export { KvConfig, KV_LATENCY, makeKvConfig, type KvConfigOptions } from './kv-config.js';
export {
  DEFAULT_READ_STRATEGY,
  KVServer,
  SNAPSHOT_MIN_GROWTH,
  SNAPSHOT_THRESHOLD,
  startKVServer,
  type KvServerOptions,
} from './kv-server.js';
export { readThroughReadIndex } from './read-index-strategy.js';
export { readThroughLog, type ReadContext, type ReadStrategy, type SubmitResult } from './read-strategy.js';
export {
  parseGetArgs,
  parseGetReply,
  parsePutAppendArgs,
  parsePutAppendReply,
  type GetArgs,
  type GetReply,
  type KvRpcErr,
  type PutAppendArgs,
  type PutAppendReply,
} from './rpc.js';
