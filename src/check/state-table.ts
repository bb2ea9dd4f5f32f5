/**
 * Interns states by a 32-bit hash the model keeps for them (`Model.stateHash`), resolving equal hashes by
 * comparing keys, so that a state's key (a long string, for a key-value store) is built only when its hash
 * meets another's. An open-addressing table in typed arrays: the search interns a new state on almost every
 * successful step, and a `Map` insertion per state cost more than the rest of the step.
 */
export class StateTable<S> {
  /** Small at first, as the configuration cache's, so that growing runs before the code is optimized. */
  private hashes = new Int32Array(32);
  /** Keys built so far, by id: only for states whose hash has met another's (undefined for the others). */
  private readonly keys: (string | undefined)[] = [];
  /** Slot -> id + 1; 0 marks an empty slot. */
  private table = new Int32Array(64);

  /** `states` receives every distinct state, at its id (a caller's own list, to spare it keeping a copy). */
  constructor(
    private readonly hashOf: (state: S) => number,
    private readonly keyOf: (state: S) => string,
    private readonly states: S[] = [],
  ) {}

  /** The id of `state`: the id given to an equal state before, or a new one. */
  intern(state: S): number {
    const hash = this.hashOf(state) | 0;
    const mask = this.table.length - 1;
    let key: string | undefined;
    let slot = mix(hash) & mask;
    for (;;) {
      const at = this.table[slot] ?? 0;
      if (at === 0) break;
      const id = at - 1;
      if (this.hashes[id] === hash) {
        key ??= this.keyOf(state);
        if (this.keyFor(id) === key) return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.states.length;
    this.states.push(state);
    this.keys.push(key); // every time, undefined or not: a branch first taken late would cost a deoptimization
    if (id === this.hashes.length) this.grow();
    this.hashes[id] = hash;
    this.place(id);
    return id;
  }

  private keyFor(id: number): string {
    let key = this.keys[id];
    if (key === undefined) {
      key = this.keyOf(this.states[id] as S);
      this.keys[id] = key;
    }
    return key;
  }

  private place(id: number): void {
    const mask = this.table.length - 1;
    let slot = mix(this.hashes[id] ?? 0) & mask;
    while ((this.table[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.table[slot] = id + 1;
  }

  /** Doubles the room; the table stays at most half full. */
  private grow(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.table = new Int32Array(hashes.length * 2);
    for (let id = 0; id < this.states.length - 1; id++) this.place(id);
  }
}

/** Spreads a model's hash over the table's low bits (a weak hash such as Java's may vary in its high bits only). */
function mix(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}
