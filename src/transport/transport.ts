import type { Message, NodeId } from '../core/index.js';

/**
 * What a member's driver needs from a network, whatever carries it (TCP in production, memory in tests): send a
 * message to `message.to` without waiting, hear messages, and hear that a peer could not be reached. Delivery is
 * best effort (Raft tolerates loss, duplication is not produced) and in order per sender-receiver pair.
 */
export interface Transport {
  /** Starts listening and connecting. Resolves once the transport can accept connections. */
  start(): Promise<void>;
  /** Queues a message for `message.to`. Never blocks; a message may be lost (a dead peer, a full queue). */
  send(message: Message): void;
  /** Registers a handler for every message received; returns a function that unregisters it. */
  onMessage(handler: (message: Message) => void): () => void;
  /**
   * Registers a handler called when messages to a peer were or may have been lost (a failed connection, a full
   * queue), so that the node can call `RaftNode.reportUnreachable(peer)`. Returns a function that unregisters it.
   */
  onPeerUnreachable(handler: (peer: NodeId) => void): () => void;
  /** Closes every connection and timer; messages still queued are dropped. Idempotent. */
  stop(): Promise<void>;
}
