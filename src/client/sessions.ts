import { randomBytes } from 'node:crypto';

/** The request headers that make a write exactly-once: the server applies each (client id, seq) at most once. */
export const CLIENT_ID_HEADER = 'x-raft-ts-client-id';
export const SEQ_HEADER = 'x-raft-ts-seq';

/** One exactly-once identity: a random client id and its next sequence number. */
export interface Session {
  readonly clientId: number;
  seq: number;
}

/** A random client id: 53 random bits (a safe integer, as the server's table keys them), never 0. */
export function randomClientId(): number {
  const bytes = randomBytes(8);
  const high = bytes.readUInt32BE(0) & 0x1fffff;
  const id = high * 2 ** 32 + bytes.readUInt32BE(4);
  return id === 0 ? 1 : id;
}

/**
 * The identities a client writes under. The server keeps, per client id, only the latest sequence number (a
 * client has one write outstanding at a time), so concurrent writes each take their own session: a session is
 * lent to one write at a time, and every retry of that write carries the same (id, seq).
 */
export class SessionPool {
  private readonly idle: Session[] = [];

  /** A session for one write, with its sequence number advanced for it. */
  acquire(): Session {
    const session = this.idle.pop() ?? { clientId: randomClientId(), seq: 0 };
    session.seq += 1;
    return session;
  }

  /**
   * Gives the session back once its write is over, whatever the outcome: even when a write's outcome is unknown,
   * the next write takes seq + 1, and the server then ignores the old one if it arrives late.
   */
  release(session: Session): void {
    this.idle.push(session);
  }
}
