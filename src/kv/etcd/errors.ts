import type { EtcdFailure } from './types.js';

/** gRPC status codes etcd answers with (the gateway carries them as `code`). */
export const GrpcCode = {
  invalidArgument: 3,
  notFound: 5,
  failedPrecondition: 9,
  outOfRange: 11,
  unimplemented: 12,
  unavailable: 14,
} as const;

/** etcd's own messages for the requests it refuses, so that clients matching on them keep working. */
export const Failures = {
  keyNotProvided: { code: GrpcCode.invalidArgument, message: 'etcdserver: key is not provided' },
  keyNotFound: { code: GrpcCode.invalidArgument, message: 'etcdserver: key not found' },
  futureRevision: {
    code: GrpcCode.outOfRange,
    message: 'etcdserver: mvcc: required revision is a future revision',
  },
  compactedRevision: {
    code: GrpcCode.outOfRange,
    message: 'etcdserver: mvcc: required revision has been compacted',
  },
  duplicateKey: { code: GrpcCode.invalidArgument, message: 'etcdserver: duplicate key given in txn request' },
  tooManyOps: { code: GrpcCode.invalidArgument, message: 'etcdserver: too many operations in txn request' },
  leaseNotFound: { code: GrpcCode.notFound, message: 'etcdserver: requested lease not found' },
} satisfies Record<string, EtcdFailure>;

/** A client's request whose sequence number is older than its latest one: the client has moved on. */
export function staleSequence(clientId: string, seq: number, latest: number): EtcdFailure {
  return {
    code: GrpcCode.failedPrecondition,
    message: `raft-ts: request ${seq} of client ${clientId} is older than its latest (${latest}); not applied`,
  };
}
