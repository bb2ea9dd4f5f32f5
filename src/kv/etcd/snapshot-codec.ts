import { crc32 } from '../crc32.js';
import { CorruptSnapshotError } from '../errors.js';
import {
  ByteReader,
  ByteWriter,
  DecodeError,
  readKeyValue,
  readOutcome,
  writeKeyValue,
  writeOutcome,
} from './wire.js';
import { compareBytes } from './key-bytes.js';
import type { KeyValue, WriteOutcome } from './types.js';

/** A client's latest write, kept so that a retry of it gets the same answer instead of running again. */
export interface Session {
  readonly clientId: string;
  readonly seq: number;
  readonly outcome: WriteOutcome;
  /** The log index of the client's latest command: the least recently active sessions are dropped first. */
  readonly lastIndex: number;
}

/** Everything an etcd-style snapshot holds. */
export interface EtcdSnapshot {
  /** The last log index whose effect the snapshot includes. */
  readonly appliedIndex: number;
  readonly revision: number;
  /** The keys, in key order. */
  readonly kvs: readonly KeyValue[];
  /** The duplicate table, least recently active first. */
  readonly sessions: readonly Session[];
}

/*
 *   "EKV" version(2) appliedIndex revision nKeys { keyValue }* nSessions { clientId seq outcome lastIndex }* crc32
 *
 * The CRC-32 (4 bytes, big-endian) covers everything before it; keys are in key order and sessions by lastIndex
 * (each a distinct log index), so a state always encodes to the same bytes. Version 1 had no lastIndex and its
 * sessions in client id order; it still decodes, with lastIndex 0, in that order.
 */
const MAGIC = [0x45, 0x4b, 0x56]; // "EKV"
const VERSION = 2;

/** Keys encoded between two pauses of encodeEtcdSnapshotSteps: about a millisecond of work. */
const KEYS_PER_STEP = 2_000;
/** Bytes checksummed between two pauses. */
const CRC_BYTES_PER_STEP = 1 << 20;

/** Encodes a snapshot in one go (encodeEtcdSnapshotSteps, run straight through). */
export function encodeEtcdSnapshot(snapshot: EtcdSnapshot): Uint8Array {
  const steps = encodeEtcdSnapshotSteps(snapshot);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * The encoder as steps: it pauses (yields) every KEYS_PER_STEP keys and every CRC_BYTES_PER_STEP checksummed
 * bytes, and returns the bytes. A server runs one step per turn of its event loop: a 100,000-key store takes
 * about 150 ms to encode, which in one go stalled every request the server had in hand. `snapshot` must not
 * change meanwhile (EtcdStateMachine.snapshotState gives such a view).
 */
export function* encodeEtcdSnapshotSteps(snapshot: EtcdSnapshot): Generator<void, Uint8Array, void> {
  let estimate = 64;
  for (const kv of snapshot.kvs) estimate += kv.key.length + kv.value.length + 16;
  const w = new ByteWriter(estimate);
  for (const b of MAGIC) w.byte(b);
  w.byte(VERSION);
  w.uvarint(snapshot.appliedIndex);
  w.uvarint(snapshot.revision);
  let kvs = snapshot.kvs;
  for (let i = 1; i < kvs.length; i++) {
    if (i % KEYS_PER_STEP === 0) yield;
    if (compareBytes((kvs[i - 1] as KeyValue).key, (kvs[i] as KeyValue).key) > 0) {
      kvs = [...kvs].sort((a, b) => compareBytes(a.key, b.key)); // Not in key order (a store lists them so).
      break;
    }
  }
  w.uvarint(kvs.length);
  for (let i = 0; i < kvs.length; i++) {
    if (i > 0 && i % KEYS_PER_STEP === 0) yield;
    writeKeyValue(w, kvs[i] as KeyValue);
  }
  const sessions = [...snapshot.sessions].sort((a, b) => a.lastIndex - b.lastIndex);
  w.uvarint(sessions.length);
  for (const s of sessions) {
    w.string(s.clientId);
    w.uvarint(s.seq);
    writeOutcome(w, s.outcome);
    w.uvarint(s.lastIndex);
  }
  const body = w.view();
  let crc = 0;
  for (let at = 0; at < body.length; at += CRC_BYTES_PER_STEP) {
    yield;
    crc = crc32(body.subarray(at, at + CRC_BYTES_PER_STEP), crc);
  }
  w.uint32(crc);
  return w.finish();
}

/** Decodes a snapshot; bytes that are truncated, altered or of another kind throw CorruptSnapshotError. */
export function decodeEtcdSnapshot(bytes: Uint8Array): EtcdSnapshot {
  if (bytes.length < MAGIC.length + 1 + 4) throw new CorruptSnapshotError(`only ${bytes.length} bytes`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw new CorruptSnapshotError('not an etcd-style snapshot');
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new ByteReader(bytes.subarray(bytes.length - 4)).uint32();
  if (crc32(body) !== stored) throw new CorruptSnapshotError('checksum mismatch');
  const r = new ByteReader(body.subarray(MAGIC.length));
  try {
    const version = r.byte();
    if (version !== VERSION && version !== 1) throw new CorruptSnapshotError(`unknown version ${version}`);
    const appliedIndex = r.uvarint();
    const revision = r.uvarint();
    const nKeys = r.uvarint();
    const kvs: KeyValue[] = [];
    for (let i = 0; i < nKeys; i++) {
      const kv = readKeyValue(r);
      const prev = kvs[kvs.length - 1];
      if (prev !== undefined && compareBytes(prev.key, kv.key) >= 0) {
        throw new CorruptSnapshotError('keys out of order');
      }
      kvs.push(kv);
    }
    const nSessions = r.uvarint();
    const sessions: Session[] = [];
    for (let i = 0; i < nSessions; i++) {
      const clientId = r.string();
      const seq = r.uvarint();
      const outcome = readOutcome(r);
      const lastIndex = version === 1 ? 0 : r.uvarint();
      const prev = sessions[sessions.length - 1];
      if (version !== 1 && prev !== undefined && prev.lastIndex >= lastIndex) {
        throw new CorruptSnapshotError('sessions out of order');
      }
      sessions.push({ clientId, seq, outcome, lastIndex });
    }
    if (r.remaining !== 0) throw new CorruptSnapshotError(`${r.remaining} bytes after the end`);
    return { appliedIndex, revision, kvs, sessions };
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptSnapshotError(error.message, { cause: error });
    throw error;
  }
}
