import { GrpcCode, type EtcdFailure } from '../kv/etcd/index.js';

/**
 * An error answered in the shape of etcd's JSON gateway (grpc-gateway): `{"error", "message", "code"}`, where
 * code is the gRPC status code and the HTTP status follows from it as the gateway maps it.
 */
export class GatewayError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
    /** The HTTP status, when it is not the one the gRPC code maps to (413 for a body too large). */
    readonly httpStatus: number = httpStatusOf(grpcCode),
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  static of(failure: EtcdFailure): GatewayError {
    return new GatewayError(failure.code, failure.message);
  }

  static badRequest(message: string): GatewayError {
    return new GatewayError(GrpcCode.invalidArgument, message);
  }

  body(): { error: string; message: string; code: number } {
    return { error: this.message, message: this.message, code: this.grpcCode };
  }
}

/** The statuses etcd answers when a request cannot be served now; the client may retry. */
export const Unavailable = {
  noLeader: () => new GatewayError(GrpcCode.unavailable, 'etcdserver: no leader'),
  leaderChanged: () => new GatewayError(GrpcCode.unavailable, 'etcdserver: leader changed'),
  timedOut: () => new GatewayError(GrpcCode.unavailable, 'etcdserver: request timed out'),
  stopped: () => new GatewayError(GrpcCode.unavailable, 'etcdserver: server stopped'),
  tooManyRequests: () => new GatewayError(8, 'etcdserver: too many requests'),
} as const;

/** grpc-gateway v1's mapping of gRPC codes to HTTP statuses (runtime.HTTPStatusFromCode). */
function httpStatusOf(code: number): number {
  switch (code) {
    case 0:
      return 200;
    case 1:
      return 408;
    case 3:
    case 11:
      return 400;
    case 4:
      return 504;
    case 5:
      return 404;
    case 6:
    case 10:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 9:
      return 412;
    case 12:
      return 501;
    case 14:
      return 503;
    case 16:
      return 401;
    default:
      return 500;
  }
}
