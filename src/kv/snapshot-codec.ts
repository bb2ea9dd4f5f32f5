import { ByteReader, ByteWriter, DecodeError } from './byte-codec.js';
import { crc32 } from './crc32.js';
import type { DedupEntry } from './dedup-table.js';
import { CorruptSnapshotError } from './errors.js';
import type { KvErr } from './types.js';

/** Everything a key/value snapshot holds. */
export interface SnapshotState {
  /** The last log index whose effect the snapshot includes. */
  readonly appliedIndex: number;
  /** The store, as [key, value] pairs. */
  readonly store: Iterable<readonly [string, string]>;
  /** The duplicate table: without it a retry that arrives after a restart would run twice. */
  readonly dedup: readonly DedupEntry[];
}

/** What decodeSnapshot returns: the state with keys sorted and the table in client order. */
export interface DecodedSnapshot {
  readonly appliedIndex: number;
  readonly store: readonly (readonly [string, string])[];
  readonly dedup: readonly DedupEntry[];
}

/**
 *   "KVS" version(1) appliedIndex nKeys { key value }*nKeys nClients { clientId seq err value }*nClients crc32
 *
 * Integers are unsigned varints, strings varint-length-prefixed UTF-8, err one byte (0 OK, 1 ErrNoKey), and the
 * CRC-32 (4 bytes, big-endian) covers everything before it. Keys are written sorted and clients by id, so the
 * same state always gives the same bytes, whatever order it was built in.
 */
const MAGIC = [0x4b, 0x56, 0x53]; // "KVS"
const VERSION = 1;
const ERRS: readonly KvErr[] = ['OK', 'ErrNoKey'];

/** Encodes a snapshot: deterministic bytes for a given state. */
export function encodeSnapshot(state: SnapshotState): Uint8Array {
  const store = [...state.store].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Size the buffer for an ASCII store up front: servers snapshot often, and regrowing a large buffer is costly.
  let estimate = 32 + 24 * state.dedup.length;
  for (const [key, value] of store) estimate += key.length + value.length + 6;
  const w = new ByteWriter(estimate);
  for (const b of MAGIC) w.byte(b);
  w.byte(VERSION);
  w.uvarint(state.appliedIndex);
  w.uvarint(store.length);
  for (const [key, value] of store) {
    w.string(key);
    w.string(value);
  }
  const dedup = [...state.dedup].sort((a, b) => a.clientId - b.clientId);
  w.uvarint(dedup.length);
  for (const entry of dedup) {
    w.uvarint(entry.clientId);
    w.uvarint(entry.seq);
    w.byte(ERRS.indexOf(entry.reply.err));
    w.string(entry.reply.value);
  }
  w.uint32(crc32(w.view()));
  return w.finish();
}

/** Decodes snapshot bytes; throws CorruptSnapshotError for anything encodeSnapshot could not have written. */
export function decodeSnapshot(bytes: Uint8Array): DecodedSnapshot {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof CorruptSnapshotError) throw error;
    if (error instanceof DecodeError) throw new CorruptSnapshotError(error.message, { cause: error });
    throw error;
  }
}

function decode(bytes: Uint8Array): DecodedSnapshot {
  if (bytes.byteLength < MAGIC.length + 1 + 4)
    throw new CorruptSnapshotError(`only ${bytes.byteLength} bytes`);
  const body = bytes.subarray(0, bytes.byteLength - 4);
  const r = new ByteReader(body);
  for (const b of MAGIC) if (r.byte() !== b) throw new CorruptSnapshotError('not a key/value snapshot');
  const version = r.byte();
  if (version !== VERSION) throw new CorruptSnapshotError(`unknown version ${version}`);
  const stored = new ByteReader(bytes.subarray(body.byteLength)).uint32();
  if (stored !== crc32(body)) throw new CorruptSnapshotError('checksum mismatch');

  const appliedIndex = r.uvarint();
  const nKeys = r.uvarint();
  const store: [string, string][] = [];
  const keys = new Set<string>();
  for (let k = 0; k < nKeys; k++) {
    const key = r.string();
    if (keys.has(key)) throw new CorruptSnapshotError(`key ${JSON.stringify(key)} appears twice`);
    keys.add(key);
    store.push([key, r.string()]);
  }
  const nClients = r.uvarint();
  const dedup: DedupEntry[] = [];
  const clients = new Set<number>();
  for (let k = 0; k < nClients; k++) {
    const clientId = r.uvarint();
    const seq = r.uvarint();
    const err = ERRS[r.byte()];
    if (err === undefined) throw new CorruptSnapshotError(`bad reply code for client ${clientId}`);
    if (clients.has(clientId)) throw new CorruptSnapshotError(`client ${clientId} appears twice`);
    clients.add(clientId);
    dedup.push({ clientId, seq, reply: { err, value: r.string() } });
  }
  if (r.remaining !== 0) throw new CorruptSnapshotError(`${r.remaining} trailing bytes`);
  return { appliedIndex, store, dedup };
}
