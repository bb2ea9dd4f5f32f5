/** A key or value as the client takes it: raw bytes, or a string sent as its UTF-8 bytes. */
export type Bytes = Uint8Array | string;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of a key or value. */
export function toBytes(value: Bytes): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Bytes as text (UTF-8; invalid sequences become U+FFFD). */
export function toText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Bytes as etcd's JSON gateway sends them: standard base64. */
export function toBase64(value: Bytes): string {
  const bytes = toBytes(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes standard base64, refusing anything else (Node's decoder would skip bad characters silently). */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * The range end that selects every key starting with `prefix` (etcd's rule): the prefix with its last byte that
 * is not 0xff incremented and what follows dropped; a prefix of only 0xff bytes (or empty) gives "\0", every key.
 */
export function prefixEnd(prefix: Bytes): Uint8Array {
  const bytes = toBytes(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i] ?? 0xff;
    if (byte < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}
