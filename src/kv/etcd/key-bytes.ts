/**
 * Keys as strings for maps and ordering: each byte becomes one UTF-16 code unit (0-255), so JavaScript's string
 * comparison orders these strings exactly as etcd orders keys (bytewise), and a Map can index them.
 */
export function keyString(bytes: Uint8Array): string {
  // Keys are mostly short: a plain loop beats spreading the bytes into a call.
  if (bytes.length <= 64) {
    let short = '';
    for (const b of bytes) short += String.fromCharCode(b);
    return short;
  }
  let out = '';
  // fromCharCode takes arguments: go in chunks so a long key cannot overflow the call stack.
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

/** The bytes of a key string made by keyString. */
export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise comparison (Go's bytes.Compare): negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
