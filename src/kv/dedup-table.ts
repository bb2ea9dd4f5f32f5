import type { KvReply } from './types.js';

/** A client's entry in the duplicate table: its latest write and that write's reply. */
export interface DedupEntry {
  readonly clientId: number;
  readonly seq: number;
  readonly reply: KvReply;
}

/** How a request relates to what its client has already had applied. */
export type DedupVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly reply: KvReply }
  | { readonly kind: 'stale' };

/**
 * The duplicate-detection table: per client, the sequence number of its latest applied write and that write's
 * reply. A client has one request outstanding at a time and numbers them in order, so sending request n means it
 * has seen every reply before n: one entry per client is all that must be kept, and memory is freed as it goes.
 */
export class DedupTable {
  private readonly byClient = new Map<number, DedupEntry>();

  /** Whether (clientId, seq) is new, the latest write again (a duplicate), or older than that. */
  check(clientId: number, seq: number): DedupVerdict {
    const last = this.byClient.get(clientId);
    if (last === undefined || seq > last.seq) return { kind: 'new' };
    if (seq === last.seq) return { kind: 'duplicate', reply: last.reply };
    return { kind: 'stale' };
  }

  /** Records that the client's write `seq` ran and answered `reply`. */
  record(clientId: number, seq: number, reply: KvReply): void {
    this.byClient.set(clientId, { clientId, seq, reply });
  }

  /** Every entry, by client id: the snapshot's order, so that equal tables encode to equal bytes. */
  entries(): DedupEntry[] {
    return [...this.byClient.values()].sort((a, b) => a.clientId - b.clientId);
  }

  get size(): number {
    return this.byClient.size;
  }
}
