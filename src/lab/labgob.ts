import { deserialize, serialize } from 'node:v8';

/**
 * The lab's wire and persistence encoding (labgob's role): V8's structured-clone serializer. What crosses the
 * simulated network or goes to the Persister is encoded to real bytes and decoded into fresh objects, so no two
 * servers ever share an object and byte counts are true sizes. It is deterministic: equal values, equal bytes.
 */
export function encode(value: unknown): Uint8Array {
  return serialize(value);
}

/** Decodes bytes made by `encode`. Throws on bytes it cannot read. */
export function decode(bytes: Uint8Array): unknown {
  return deserialize(bytes) as unknown;
}
