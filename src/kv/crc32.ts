/** The CRC-32 table (IEEE 802.3 polynomial, reflected), built once. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 (the zlib / PNG checksum) of `bytes`. Written out here rather than taken from `node:zlib` because this
 * layer must run anywhere (the state machine is pure); it guards snapshots, which are read rarely, so a table-driven
 * loop is fast enough.
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
