import type { TestCluster } from './member-processes.js';

/** `--client-peers` for every member: followers then forward to the leader, and /status lists every member. */
export function clientPeersFlag(cluster: TestCluster): string[] {
  return ['--client-peers', cluster.members.map((m) => `${m.id}=127.0.0.1:${m.clientPort}`).join(',')];
}

/** Starts every member of a key-value cluster, as `raft-ts cluster` (and `npm start`) would. */
export function startWithClientPeers(cluster: TestCluster): void {
  for (const m of cluster.members) cluster.start(m.id, clientPeersFlag(cluster));
}
