/** Why bytes could not be encoded or decoded. Stable: callers and tests match on it, logs carry it. */
export type CodecErrorCode =
  /** The input ends before the value it announces. */
  | 'CODEC_TRUNCATED'
  /** The first byte names a layout version this code does not read. */
  | 'CODEC_BAD_VERSION'
  /** A type tag that names no known message or record. */
  | 'CODEC_UNKNOWN_TYPE'
  /** A varint that is overlong, longer than 8 bytes, or above Number.MAX_SAFE_INTEGER. */
  | 'CODEC_BAD_VARINT'
  /** A flags or tag byte with bits that mean nothing. */
  | 'CODEC_BAD_FLAGS'
  /** Bytes left over after a complete value: a framing bug or a forgery, never silently ignored. */
  | 'CODEC_TRAILING_BYTES'
  /** The bytes decode, but into a message that `validateMessage` refuses; or one is refused before encoding. */
  | 'CODEC_INVALID_MESSAGE'
  /** A value the wire cannot carry: a command that is neither a Uint8Array nor null, a negative integer, ... */
  | 'CODEC_UNSUPPORTED_VALUE'
  /** A frame whose length prefix is above the configured cap (checked before anything is allocated). */
  | 'CODEC_FRAME_TOO_LARGE'
  /** A frame whose length prefix is zero: it cannot even hold the version byte. */
  | 'CODEC_EMPTY_FRAME';

/**
 * The one error the codec and the frame decoder throw. Whatever bytes a peer or a damaged disk hands them, they
 * return a value or throw this; nothing else (no RangeError, no TypeError) escapes.
 */
export class CodecError extends Error {
  constructor(
    readonly code: CodecErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CodecError';
  }
}

/** Why the transport refused or dropped something. */
export type TransportErrorCode =
  /** `send` or `start` on a transport that is stopped, or `start` twice. */
  | 'TRANSPORT_STATE'
  /** A configuration the transport cannot run: no such member, a bad address, a bad bound. */
  | 'TRANSPORT_BAD_CONFIG'
  /** A message to a member the transport does not know. */
  | 'TRANSPORT_UNKNOWN_PEER'
  /** A peer broke the protocol: bad handshake, wrong cluster, unknown id, a message with a forged sender. */
  | 'TRANSPORT_PROTOCOL';

/** An error from the transport itself (its codec errors stay CodecErrors, carried as `cause` where wrapped). */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}
