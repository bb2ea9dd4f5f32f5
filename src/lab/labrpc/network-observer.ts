/**
 * What a traced network reports about each call, numbered by `call` (1, 2, ...) in the order calls were made.
 * The network calls it only when an observer is installed, so an untraced run pays nothing.
 */
export interface NetworkObserver {
  /** A call left `endName` for `svcMeth`, its arguments `bytes` long once encoded. */
  sent(call: number, endName: string, svcMeth: string, args: unknown, bytes: number): void;
  /** The caller's end is disabled or no server is there: the request never left. */
  unreachable(call: number): void;
  /** The unreliable network lost the request. */
  requestLost(call: number): void;
  /** The request reached the server's handler. */
  delivered(call: number): void;
  /** The handler answered with these encoded bytes. */
  replied(call: number, reply: Uint8Array): void;
  /** The reply was lost: by the unreliable network, or because the server went away while it ran. */
  replyLost(call: number, serverGone: boolean): void;
  /** Long reordering holds the reply back for `ms`. */
  delayed(call: number, ms: number): void;
  /** The reply reached the caller. */
  replyDelivered(call: number): void;
}
