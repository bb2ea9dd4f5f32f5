import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState, Snapshot } from '../core/index.js';
import { CorruptLogError } from './errors.js';
import type { StorageFileSystem } from './file-system.js';
import { readU64, writeU64 } from './u64.js';

/** The hard state's file in the storage directory. */
export const HARD_STATE_FILE = 'hardstate';
/** The latest snapshot's file in the storage directory. */
export const SNAPSHOT_FILE = 'snapshot';
/** The suffix of a file being written; one left behind by a crash is removed at the next load. */
export const TEMP_SUFFIX = '.tmp';

const VERSION = 1;

/**
 * Replaces `dir/name` with `data` so that a crash leaves either the old file or the new one, whole: write a
 * temporary file, fsync it, rename it over the old one, fsync the directory (which makes the rename durable).
 */
export async function replaceFile(
  fs: StorageFileSystem,
  dir: string,
  name: string,
  data: Uint8Array,
): Promise<void> {
  const temp = join(dir, name + TEMP_SUFFIX);
  const file = await fs.open(temp, 'create');
  try {
    await file.write(data, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temp, join(dir, name));
  await fs.syncDir(dir);
}

/** The hard state file: version(1) term(8) votedFor+1(8) crc(4), little-endian; CRC-32 of the bytes before it. */
export function encodeHardState(hardState: HardState): Buffer {
  const buf = Buffer.alloc(21);
  buf.writeUInt8(VERSION, 0);
  writeU64(buf, 1, hardState.term);
  writeU64(buf, 9, hardState.votedFor === null ? 0 : hardState.votedFor + 1);
  buf.writeUInt32LE(crc32(buf.subarray(0, 17)), 17);
  return buf;
}

/** Reads the hard state file; CorruptLogError if it is damaged (it is replaced atomically, so it is never torn). */
export function decodeHardState(bytes: Uint8Array): HardState {
  const buf = asBuffer(bytes);
  const fail = (offset: number, reason: string): never => {
    throw new CorruptLogError(HARD_STATE_FILE, offset, reason);
  };
  if (buf.byteLength !== 21) fail(0, `${buf.byteLength} bytes where 21 were expected`);
  if (buf.readUInt32LE(17) !== crc32(buf.subarray(0, 17))) fail(0, 'checksum mismatch');
  if (buf.readUInt8(0) !== VERSION) fail(0, `unknown version ${buf.readUInt8(0)}`);
  const term = readU64(buf, 1);
  const voted = readU64(buf, 9);
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(voted)) fail(1, 'a number beyond 2^53');
  return { term, votedFor: voted === 0 ? null : voted - 1 };
}

/** The snapshot file: version(1) index(8) term(8) length(8) data crc(4); CRC-32 of every byte before it. */
export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const size = snapshot.data.byteLength;
  const buf = Buffer.allocUnsafe(25 + size + 4);
  buf.writeUInt8(VERSION, 0);
  writeU64(buf, 1, snapshot.index);
  writeU64(buf, 9, snapshot.term);
  writeU64(buf, 17, size);
  buf.set(snapshot.data, 25);
  buf.writeUInt32LE(crc32(buf.subarray(0, 25 + size)), 25 + size);
  return buf;
}

/** Reads the snapshot file; CorruptLogError if it is damaged. The data is a copy the caller owns. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const buf = asBuffer(bytes);
  const fail = (offset: number, reason: string): never => {
    throw new CorruptLogError(SNAPSHOT_FILE, offset, reason);
  };
  if (buf.byteLength < 29) fail(0, `only ${buf.byteLength} bytes`);
  const size = readU64(buf, 17);
  if (size !== buf.byteLength - 29) fail(17, `says ${size} bytes of data, holds ${buf.byteLength - 29}`);
  if (buf.readUInt32LE(25 + size) !== crc32(buf.subarray(0, 25 + size))) fail(0, 'checksum mismatch');
  if (buf.readUInt8(0) !== VERSION) fail(0, `unknown version ${buf.readUInt8(0)}`);
  const index = readU64(buf, 1);
  const term = readU64(buf, 9);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) fail(1, 'a number beyond 2^53');
  const data = new Uint8Array(size);
  data.set(buf.subarray(25, 25 + size));
  return { index, term, data };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
