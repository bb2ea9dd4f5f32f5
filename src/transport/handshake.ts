import type { NodeId } from '../core/index.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { CODEC_VERSION, readVersion, Tag } from './codec.js';
import { CodecError } from './errors.js';

/**
 * The first frame on every connection, sent by each side: who I am, whom I mean to talk to, in which cluster.
 * Layout (codec version 1): `version 64 clusterIdLen:uint clusterId:utf8 from:uint to:uint`.
 */
export interface Hello {
  readonly clusterId: string;
  readonly from: NodeId;
  readonly to: NodeId;
}

/** A cluster id is short: it names a cluster, it is not a payload. */
export const MAX_CLUSTER_ID_BYTES = 255;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Encodes a handshake body (frame it with `frameBody`). */
export function encodeHello(hello: Hello): Uint8Array {
  const id = utf8.encode(hello.clusterId);
  if (id.length > MAX_CLUSTER_ID_BYTES) {
    throw new CodecError('CODEC_UNSUPPORTED_VALUE', `cluster id longer than ${MAX_CLUSTER_ID_BYTES} bytes`);
  }
  const w = new ByteWriter(16 + id.length);
  w.u8(CODEC_VERSION);
  w.u8(Tag.Handshake);
  w.bytes(id);
  w.uint(hello.from);
  w.uint(hello.to);
  return w.finish();
}

/** Decodes a handshake body; throws CodecError on anything else. */
export function decodeHello(bytes: Uint8Array): Hello {
  const r = new ByteReader(bytes);
  readVersion(r);
  const tag = r.u8();
  if (tag !== Tag.Handshake)
    throw new CodecError('CODEC_UNKNOWN_TYPE', `expected a handshake, got tag ${tag}`);
  const idBytes = r.bytes();
  if (idBytes.length > MAX_CLUSTER_ID_BYTES) {
    throw new CodecError('CODEC_UNSUPPORTED_VALUE', `cluster id longer than ${MAX_CLUSTER_ID_BYTES} bytes`);
  }
  let clusterId: string;
  try {
    clusterId = strictUtf8.decode(idBytes);
  } catch (error) {
    throw new CodecError('CODEC_UNSUPPORTED_VALUE', 'cluster id is not UTF-8', { cause: error });
  }
  const hello = { clusterId, from: r.uint(), to: r.uint() };
  r.expectEnd();
  return hello;
}
