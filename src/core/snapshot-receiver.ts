import type { InstallSnapshot } from './messages.js';

/** A snapshot being received in chunks, identified by its last included index and term. */
interface PartialSnapshot {
  readonly index: number;
  readonly term: number;
  readonly size: number;
  readonly chunks: Uint8Array[];
  received: number;
}

/**
 * A follower's side of a chunked snapshot transfer (Figure 13). Chunks are accepted only in order; a chunk that is
 * duplicated, reordered or from a gap changes nothing, and the answer's `received` tells the leader where to
 * resume. A first chunk of another snapshot starts over (the leader took a newer one, or restarted the transfer);
 * a later chunk of a snapshot this follower holds nothing of (it restarted mid-transfer) answers 0, so the leader
 * starts over.
 */
export class SnapshotReceiver {
  private partial: PartialSnapshot | null = null;

  /** Takes one chunk. Returns the bytes now held in order, and the whole snapshot once its last chunk is in. */
  receive(m: InstallSnapshot): { received: number; data: Uint8Array | null } {
    let p = this.partial;
    const same =
      p !== null && p.index === m.lastIncludedIndex && p.term === m.lastIncludedTerm && p.size === m.size;
    if (!same) {
      if (m.offset !== 0) return { received: 0, data: null };
      p = { index: m.lastIncludedIndex, term: m.lastIncludedTerm, size: m.size, chunks: [], received: 0 };
      this.partial = p;
    }
    if (p === null) return { received: 0, data: null }; // Unreachable: `same` implies a partial.
    if (m.offset !== p.received) return { received: p.received, data: null };
    p.chunks.push(m.data);
    p.received += m.data.length;
    if (p.received < p.size) return { received: p.received, data: null };
    this.partial = null;
    return { received: p.received, data: concat(p.chunks, p.size) };
  }

  /** Forgets a partial transfer (it became useless: a newer state was reached another way). */
  clear(): void {
    this.partial = null;
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
