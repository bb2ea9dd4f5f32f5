/**
 * Lowe's cache of the configurations the search has already explored: a configuration is the set of operations
 * linearized so far (a bitset) and the model state they lead to (an interned id). Reaching a configuration a
 * second time can never succeed where the first visit failed, so the search backs off at once.
 *
 * Everything lives in typed arrays: the bitsets back to back in one pool, and an open-addressing hash table of
 * indices into it. The checker visits up to millions of configurations; an object per configuration would
 * spend most of the time in the allocator and the garbage collector.
 */
export class ConfigCache {
  /** 32-bit words per bitset. */
  private readonly words: number;
  private pool: Uint32Array;
  private stateIds: Int32Array;
  private hashes: Int32Array;
  /** Slot -> configuration index + 1; 0 marks an empty slot. Its length is a power of two. */
  private table: Int32Array;
  private count = 0;

  /** A cache for bitsets of `bits` bits. */
  constructor(bits: number) {
    this.words = Math.max(1, Math.ceil(bits / 32));
    // Small at first, so that the first growths happen while the search's code still runs unoptimized: code
    // compiled before a path first runs is compiled to give up on it (deoptimize), and recompiling costs more
    // than the few extra copies.
    const capacity = 32;
    this.pool = new Uint32Array(capacity * this.words);
    this.stateIds = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.table = new Int32Array(capacity * 2);
  }

  /** How many configurations the cache holds. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds the configuration (`bits` with bit `extra` also set, `stateId`) unless it is already present; `hash`
   * must be a hash of exactly that configuration. Returns whether it was added. Taking the extra bit apart lets
   * the search ask before it copies anything: most candidate configurations are refused.
   */
  addIfAbsent(bits: Uint32Array, extra: number, stateId: number, hash: number): boolean {
    const words = this.words;
    const extraWord = extra >>> 5;
    const extraMask = 1 << (extra & 31);
    const mask = this.table.length - 1;
    let slot = hash & mask;
    for (;;) {
      const at = this.table[slot] ?? 0;
      if (at === 0) break;
      const index = at - 1;
      if (this.hashes[index] === hash && this.stateIds[index] === stateId) {
        const base = index * words;
        let equal = true;
        for (let w = 0; w < words; w++) {
          const word = (bits[w] ?? 0) | (w === extraWord ? extraMask : 0);
          if ((this.pool[base + w] ?? 0) !== word >>> 0) {
            equal = false;
            break;
          }
        }
        if (equal) return false;
      }
      slot = (slot + 1) & mask;
    }
    if (this.count === this.stateIds.length) {
      this.grow();
      return this.addIfAbsent(bits, extra, stateId, hash);
    }
    const index = this.count++;
    const base = index * words;
    for (let w = 0; w < words; w++) this.pool[base + w] = bits[w] ?? 0;
    this.pool[base + extraWord] = (this.pool[base + extraWord] ?? 0) | extraMask;
    this.stateIds[index] = stateId;
    this.hashes[index] = hash;
    this.table[slot] = index + 1;
    return true;
  }

  /** Doubles the capacity; the table stays at most half full so that probe runs stay short. */
  private grow(): void {
    const capacity = this.stateIds.length * 2;
    const pool = new Uint32Array(capacity * this.words);
    pool.set(this.pool);
    this.pool = pool;
    const stateIds = new Int32Array(capacity);
    stateIds.set(this.stateIds);
    this.stateIds = stateIds;
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const table = new Int32Array(capacity * 2);
    const mask = table.length - 1;
    for (let index = 0; index < this.count; index++) {
      let slot = (this.hashes[index] ?? 0) & mask;
      while ((table[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      table[slot] = index + 1;
    }
    this.table = table;
  }
}
