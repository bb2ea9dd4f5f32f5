/**
 * The wire: raft-ts's one binary codec (shared with the disk), TCP framing, and the Transport that carries core
 * Messages between members (TCP, or memory for tests).
 */
export { formatAddress, type Address } from './address.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { ByteReader, ByteWriter } from './bytes.js';
export {
  CODEC_VERSION,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  readCommand,
  writeCommand,
  writeMessage,
} from './codec.js';
export { CodecError, TransportError, type CodecErrorCode, type TransportErrorCode } from './errors.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  FRAME_HEADER_BYTES,
  frameBody,
} from './frame.js';
export { decodeHello, encodeHello, type Hello } from './handshake.js';
export { recordingLogger, silentLogger, type Logger, type LogRecord } from './logger.js';
export { MemoryNetwork, MemoryTransport } from './memory-transport.js';
export type { PeerStats } from './outbound-peer.js';
export type { QueueLimits } from './peer-queue.js';
export { TCP_TRANSPORT_DEFAULTS, TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export type { Transport } from './transport.js';
