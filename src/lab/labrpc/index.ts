/** labrpc: the lab's simulated network. */
export type { NetworkObserver } from './network-observer.js';
export { ClientEnd, Network, type CallResult } from './network.js';
export { PendingReply, Server, Service, UnknownMethodError, type RpcHandler } from './server.js';
