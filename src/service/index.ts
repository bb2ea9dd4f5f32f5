/** The key/value service of a member: the etcd-style state machine driven by a RaftMember, served over HTTP. */
export { GatewayError } from './gateway-error.js';
export {
  CLIENT_ID_HEADER,
  DEFAULT_MAX_BODY_BYTES,
  KvHttpServer,
  SEQ_HEADER,
  type KvHttpServerOptions,
} from './kv-http-server.js';
export { DEFAULT_SNAPSHOT_EVERY, KvService, WriteTimeoutError, type KvServiceOptions } from './kv-service.js';
