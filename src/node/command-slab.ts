/** Commands up to this size are carved from a shared slab; larger ones get a buffer of their own. */
const MAX_CARVED_BYTES = 4 * 1024;
/** The size of each slab. */
const SLAB_BYTES = 64 * 1024;

/**
 * Memory for the commands a connection receives: small commands are carved one after another from 64 KiB slabs
 * instead of each getting its own ArrayBuffer. At tens of thousands of proposals a second, one ArrayBuffer per
 * command is a large share of the garbage collector's work. A command keeps its slab alive, and with it only the
 * commands proposed just before and after it on the same connection, which enter and leave the log with it.
 */
export class CommandSlab {
  private slab = new Uint8Array(0);
  private used = 0;

  /** `n` bytes that nothing else uses. */
  readonly allocate = (n: number): Uint8Array => {
    if (n > MAX_CARVED_BYTES) return new Uint8Array(n);
    if (this.slab.length - this.used < n) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  };
}
