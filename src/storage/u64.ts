const TWO_32 = 2 ** 32;

/**
 * Writes a log position or term as an unsigned 64-bit little-endian integer (the on-disk width, so that no format
 * change is needed if positions ever outgrow 2^53; today's writers never exceed it).
 */
export function writeU64(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value % TWO_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

/** Reads what writeU64 wrote. A value above 2^53 comes back inexact: callers check `Number.isSafeInteger`. */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset) + buf.readUInt32LE(offset + 4) * TWO_32;
}
