import { ByteReader, ByteWriter, DecodeError, readBytes, readWrite, writeBytes, writeWrite } from './wire.js';
import type { EtcdCommand } from './types.js';

/*
 *   magic(0xE7 0x01) origin session? write
 *
 * session: one byte 0 (none) or 1 then clientId (string) and seq (varint). The magic tells these entries from
 * other bytes in the log (`POST /propose` writes raw bytes), which the state machine skips.
 */
const MAGIC0 = 0xe7;
const VERSION = 0x01;

/** Encodes a write for the log. */
export function encodeCommand(command: EtcdCommand): Uint8Array {
  // Room for a put's key and value up front: regrowing the buffer would copy the value again.
  const w = new ByteWriter(
    64 +
      (command.write.type === 'txn' ? 0 : command.write.request.key.length * 2) +
      (command.write.type === 'put' ? command.write.request.value.length : 0),
  );
  w.byte(MAGIC0);
  w.byte(VERSION);
  writeBytes(w, command.origin);
  if (command.session === null) w.byte(0);
  else {
    w.byte(1);
    w.string(command.session.clientId);
    w.uvarint(command.session.seq);
  }
  writeWrite(w, command.write);
  return w.finish();
}

/** Decodes a log entry: the command, or null for bytes that are not one (skipped alike on every replica). */
export function decodeCommand(bytes: Uint8Array): EtcdCommand | null {
  if (bytes.length < 2 || bytes[0] !== MAGIC0 || bytes[1] !== VERSION) return null;
  try {
    const r = new ByteReader(bytes.subarray(2));
    const origin = readBytes(r);
    const hasSession = r.byte();
    if (hasSession > 1) return null;
    const session = hasSession === 1 ? { clientId: r.string(), seq: r.uvarint() } : null;
    const write = readWrite(r);
    if (r.remaining !== 0) return null;
    return { origin, session, write };
  } catch (error) {
    if (error instanceof DecodeError) return null;
    throw error;
  }
}
