import { Persister } from '../persister.js';
import type { TraceRecorder } from './trace-recorder.js';

/** A Persister that records each `save` as a `persist` event of its server. */
export class TracedPersister extends Persister {
  private constructor(
    private readonly trace: TraceRecorder,
    private readonly server: number,
  ) {
    super();
  }

  /** A traced Persister for server `server` holding what `from` holds (copied without a `persist` event). */
  static of(from: Persister, trace: TraceRecorder, server: number): TracedPersister {
    const traced = new TracedPersister(trace, server);
    Persister.prototype.save.call(traced, from.readRaftState(), from.readSnapshot());
    return traced;
  }

  override save(raftState: Uint8Array, snapshot: Uint8Array | null): void {
    super.save(raftState, snapshot);
    this.trace.emit({
      k: 'persist',
      s: this.server,
      bytes: this.raftStateSize(),
      snapshotBytes: this.snapshotSize(),
    });
  }
}
