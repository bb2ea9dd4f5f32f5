import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MemberStatus } from '../node/index.js';

/** The Prometheus metrics of one member's client port (GET /metrics). */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'code'>;
  readonly requestSeconds: Histogram<'route'>;
  readonly proposals: Counter<'result'>;
  readonly commitSeconds: Histogram;
  readonly fsyncSeconds: Histogram;

  constructor(status: () => MemberStatus & { revision: number; keys: number }) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const latencyBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
    this.requests = new Counter({
      name: 'raft_ts_http_requests_total',
      help: 'HTTP requests served, by route and status code',
      labelNames: ['route', 'code'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'raft_ts_http_request_duration_seconds',
      help: 'HTTP request latency, by route',
      labelNames: ['route'],
      buckets: latencyBuckets,
      registers,
    });
    this.proposals = new Counter({
      name: 'raft_ts_proposals_total',
      help: 'Writes proposed by this member, by result (applied, failed, timeout)',
      labelNames: ['result'],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'raft_ts_commit_latency_seconds',
      help: 'From proposal to applied, for writes proposed by this member',
      buckets: latencyBuckets,
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'raft_ts_fsync_duration_seconds',
      help: 'Duration of each fsync of the log, hard state or snapshot',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers,
    });
    const gauge = (name: string, help: string, read: (s: ReturnType<typeof status>) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(status()));
        },
      });
    };
    gauge('raft_ts_term', 'Current Raft term', (s) => s.term);
    gauge('raft_ts_is_leader', '1 if this member is the leader', (s) => (s.role === 'leader' ? 1 : 0));
    gauge('raft_ts_commit_index', 'Commit index', (s) => s.commit);
    gauge('raft_ts_applied_index', 'Applied index', (s) => s.applied);
    gauge('raft_ts_log_entries', 'Entries held in the log after the snapshot', (s) => s.logEntries);
    gauge('raft_ts_snapshot_index', 'Index of the latest snapshot', (s) => s.snapshotIndex);
    gauge('raft_ts_leader_changes', 'Times the known leader changed since the start', (s) => s.leaderChanges);
    gauge('raft_ts_kv_revision', 'The key/value store revision', (s) => s.revision);
    gauge('raft_ts_kv_keys', 'Keys in the key/value store', (s) => s.keys);
  }
}
