/**
 * The lab's Persister: the Raft state and the snapshot as two byte strings, replaced together by `save`. Bytes are
 * copied on the way in and out, so nothing a server keeps can alias what was "written to disk".
 */
export class Persister {
  private raftState: Uint8Array = new Uint8Array(0);
  private snapshot: Uint8Array = new Uint8Array(0);

  /**
   * The array last passed as `snapshot`: Raft saves the same snapshot with every state change, and a key/value
   * server's snapshot can be large, so an unchanged one is not copied again (snapshot bytes, once handed over,
   * are never modified by their owner).
   */
  private snapshotSource: Uint8Array | null = null;

  /** Atomically replaces both the Raft state and the snapshot (pass `null` for no snapshot). */
  save(raftState: Uint8Array, snapshot: Uint8Array | null): void {
    this.raftState = raftState.slice();
    if (snapshot === null || snapshot !== this.snapshotSource) {
      this.snapshot = snapshot === null ? new Uint8Array(0) : snapshot.slice();
      this.snapshotSource = snapshot;
    }
  }

  readRaftState(): Uint8Array {
    return this.raftState.slice();
  }

  raftStateSize(): number {
    return this.raftState.byteLength;
  }

  readSnapshot(): Uint8Array {
    return this.snapshot.slice();
  }

  snapshotSize(): number {
    return this.snapshot.byteLength;
  }

  /** A new Persister holding the same contents (bytes are immutable once saved, so sharing them is safe). */
  copy(): Persister {
    const copy = new Persister();
    copy.raftState = this.raftState;
    copy.snapshot = this.snapshot;
    return copy;
  }
}
