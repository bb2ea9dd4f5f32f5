import type { NodeId } from '../core/index.js';
import { ByteReader, ByteWriter, CODEC_VERSION, CodecError, FRAME_HEADER_BYTES } from '../transport/index.js';

/**
 * The binary client protocol of a member's proposal port: frames as on the peer port (`length:u32be body`, the
 * length counting the body only, checked against a cap before anything is allocated), each body a value of
 * raft-ts's codec version 1:
 *
 *   80  Propose    (client -> member)  version 80 id:uint len:uint command[len]
 *   81  Committed  (member -> client)  version 81 id:uint index:uint term:uint
 *   82  Refused    (member -> client)  version 82 id:uint reason:u8 leader:uint   (leader+1, 0 when none known)
 *
 * `id` is the client's name for a request, unique among its outstanding requests on one connection: a client may
 * have many proposals outstanding on a connection, and each answer carries the id of the request it settles.
 * Answers come in no particular order. Every value has exactly one encoding (canonical varints, no trailing
 * bytes, no unknown reason), as in the peer codec.
 */
export const ProposalTag = { Propose: 80, Committed: 81, Refused: 82 } as const;

/**
 * Why a proposal was not committed, as the client sees it:
 * - `not_leader`: this member does not lead; `leader` names the one it knows of (retry there).
 * - `dropped`: the leader could not take it now (a full uncommitted log, too many outstanding on the connection,
 *   a leadership transfer): retry later. Nothing was appended.
 * - `lost`: it was appended, but another leader's entry took its index: it will never commit; safe to retry.
 * - `stopped`: the member stopped (or failed) first: the outcome is unknown.
 * - `timeout`: the commit did not come in time: the outcome is unknown (it may still commit).
 * - `unknown`: its index was covered by a snapshot from the leader: the outcome is unknown.
 */
export type RefusalReason = 'not_leader' | 'dropped' | 'lost' | 'stopped' | 'timeout' | 'unknown';

const REASONS: readonly RefusalReason[] = ['not_leader', 'dropped', 'lost', 'stopped', 'timeout', 'unknown'];
const REASON_CODE: Readonly<Record<RefusalReason, number>> = {
  not_leader: 1,
  dropped: 2,
  lost: 3,
  stopped: 4,
  timeout: 5,
  unknown: 6,
};

/** A request from a client. */
export interface ProposeRequest {
  readonly type: 'propose';
  readonly id: number;
  readonly command: Uint8Array;
}

/** An answer from the member. */
export type ProposalAnswer =
  | { readonly type: 'committed'; readonly id: number; readonly index: number; readonly term: number }
  | {
      readonly type: 'refused';
      readonly id: number;
      readonly reason: RefusalReason;
      readonly leader: NodeId | null;
    };

/** The frame bytes of a Propose, beyond the command itself: the header, version, tag and two varints. */
const PROPOSE_OVERHEAD_BYTES = FRAME_HEADER_BYTES + 2 + 8 + 8;
/** An answer frame is at most this long (header, version, tag, three varints of at most 8 bytes). */
export const MAX_ANSWER_FRAME_BYTES = FRAME_HEADER_BYTES + 2 + 3 * 8;

/**
 * Appends a Propose frame (length prefix included) to `w`: a client writes a turn's worth of proposals into one
 * buffer and hands the socket one write.
 */
export function writeProposeFrame(w: ByteWriter, id: number, command: Uint8Array): void {
  const at = w.reserve(FRAME_HEADER_BYTES);
  w.u8(CODEC_VERSION);
  w.u8(ProposalTag.Propose);
  w.uint(id);
  w.bytes(command);
  w.patchU32(at, w.length - at - FRAME_HEADER_BYTES);
}

/** Appends an answer frame (length prefix included) to `w`. */
export function writeAnswerFrame(w: ByteWriter, answer: ProposalAnswer): void {
  const at = w.reserve(FRAME_HEADER_BYTES);
  w.u8(CODEC_VERSION);
  if (answer.type === 'committed') {
    w.u8(ProposalTag.Committed);
    w.uint(answer.id);
    w.uint(answer.index);
    w.uint(answer.term);
  } else {
    w.u8(ProposalTag.Refused);
    w.uint(answer.id);
    w.u8(REASON_CODE[answer.reason]);
    w.uint(answer.leader === null ? 0 : answer.leader + 1);
  }
  w.patchU32(at, w.length - at - FRAME_HEADER_BYTES);
}

/** The size of the Propose frame of a command of `commandBytes` bytes, at most: what a writer should reserve. */
export function proposeFrameBytes(commandBytes: number): number {
  return PROPOSE_OVERHEAD_BYTES + commandBytes;
}

/**
 * Decodes a request body (a frame's body, as FrameDecoder hands it out). The command is copied out, into memory
 * from `allocate` (default: a fresh buffer of its own): it will live in the log, and a view would pin the socket
 * chunk it arrived in. Throws CodecError on anything else.
 */
export function decodeProposeRequest(
  body: Uint8Array,
  allocate: (n: number) => Uint8Array = (n) => new Uint8Array(n),
): ProposeRequest {
  const r = new ByteReader(body);
  readHeader(r, ProposalTag.Propose, 'Propose');
  const id = r.uint();
  const command = r.bytesInto(allocate);
  r.expectEnd();
  return { type: 'propose', id, command };
}

/** Decodes an answer body; throws CodecError on anything else. */
export function decodeProposalAnswer(body: Uint8Array): ProposalAnswer {
  const r = new ByteReader(body);
  const version = r.u8();
  if (version !== CODEC_VERSION) {
    throw new CodecError('CODEC_BAD_VERSION', `layout version ${version}, expected ${CODEC_VERSION}`);
  }
  const tag = r.u8();
  let answer: ProposalAnswer;
  if (tag === ProposalTag.Committed) {
    answer = { type: 'committed', id: r.uint(), index: r.uint(), term: r.uint() };
  } else if (tag === ProposalTag.Refused) {
    const id = r.uint();
    const code = r.u8();
    const reason = REASONS[code - 1];
    if (reason === undefined) throw new CodecError('CODEC_BAD_FLAGS', `unknown refusal reason ${code}`);
    const leader = r.uint();
    answer = { type: 'refused', id, reason, leader: leader === 0 ? null : leader - 1 };
  } else {
    throw new CodecError('CODEC_UNKNOWN_TYPE', `expected a proposal answer (tag 81 or 82), got tag ${tag}`);
  }
  r.expectEnd();
  return answer;
}

function readHeader(r: ByteReader, tag: number, name: string): void {
  const version = r.u8();
  if (version !== CODEC_VERSION) {
    throw new CodecError('CODEC_BAD_VERSION', `layout version ${version}, expected ${CODEC_VERSION}`);
  }
  const got = r.u8();
  if (got !== tag)
    throw new CodecError('CODEC_UNKNOWN_TYPE', `expected a ${name} (tag ${tag}), got tag ${got}`);
}
