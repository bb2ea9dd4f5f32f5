/**
 * The simulator's one source of randomness: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded
 * through splitmix32 so that nearby seeds give unrelated streams. 128 bits of state, passes PractRand, and is
 * cheap in 32-bit JavaScript arithmetic.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for `seed` (any integer; only its low 32 bits matter). */
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // Warm up so the first outputs do not echo the seeding function.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n): Go's `rand.Intn(n)`. `n` must be a positive integer below 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Prng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A large non-negative integer (53 bits), for values such as random commands: Go's `rand.Int()`. */
  bigInt(): number {
    return this.nextUint32() * 2097152 + (this.nextUint32() >>> 11);
  }

  /** A new generator whose stream is independent of this one's later outputs. */
  fork(): Prng {
    return new Prng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x27d4eb2d));
  }
}
