/** Keys per chunk before a chunk splits in two. */
const MAX_CHUNK = 1024;

/**
 * A set of key strings kept in order, for range reads. One sorted array would cost a move of half the keys at every
 * insertion of a new key (100,000 keys: about 50,000 pointers per put, the largest cost of a put at that size), so
 * the keys are held in sorted chunks of at most MAX_CHUNK: an insertion or deletion moves within one chunk, and a
 * lookup is a binary search over the chunks' last keys, then within one chunk.
 *
 * Key strings compare as their bytes do (see key-bytes.ts), so string order is etcd's key order.
 */
export class SortedKeys {
  /** Non-empty sorted chunks; every key of a chunk is below every key of the next. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Replaces the content with `sorted` (in order, distinct). */
  load(sorted: readonly string[]): void {
    this.chunks = [];
    for (let i = 0; i < sorted.length; i += MAX_CHUNK / 2) {
      this.chunks.push(sorted.slice(i, i + MAX_CHUNK / 2));
    }
    this.count = sorted.length;
  }

  /** Adds `k` (which must not be present yet). */
  insert(k: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([k]);
      this.count = 1;
      return;
    }
    // The first chunk whose last key is >= k takes it; past every chunk, the last one does.
    const c = Math.min(this.chunkFor(k), this.chunks.length - 1);
    const chunk = this.chunks[c] as string[];
    chunk.splice(lowerBound(chunk, k), 0, k);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  /** Removes `k` if present. */
  delete(k: string): void {
    const c = this.chunkFor(k);
    const chunk = this.chunks[c];
    if (chunk === undefined) return;
    const at = lowerBound(chunk, k);
    if (chunk[at] !== k) return;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  /** The keys k with from <= k < to (to null: no upper bound), in order. */
  range(from: string, to: string | null): string[] {
    const out: string[] = [];
    const first = this.chunkFor(from);
    for (let c = first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as string[];
      for (let i = c === first ? lowerBound(chunk, from) : 0; i < chunk.length; i++) {
        const k = chunk[i] as string;
        if (to !== null && k >= to) return out;
        out.push(k);
      }
    }
    return out;
  }

  /** Every key, in order. */
  all(): string[] {
    return this.chunks.flat();
  }

  /** The first chunk whose last key is >= k (chunks.length if none is). */
  private chunkFor(k: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as string[];
      if ((chunk[chunk.length - 1] as string) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first position in sorted `keys` whose key is >= k. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
