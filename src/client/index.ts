/** The key-value service's client: KvClient over the etcd-compatible JSON API, with typed results and errors. */
export { prefixEnd, toBytes, toText, type Bytes } from './bytes.js';
export {
  KvClosedError,
  KvError,
  KvRequestError,
  KvResponseError,
  KvTimeoutError,
  KvUnavailableError,
} from './errors.js';
export { KvClient, type KvClientOptions } from './kv-client.js';
export { findLeader } from './leader.js';
export { CLIENT_ID_HEADER, SEQ_HEADER } from './sessions.js';
export { Txn, compare, op, type CompareOperator } from './txn.js';
export type * from './types.js';
