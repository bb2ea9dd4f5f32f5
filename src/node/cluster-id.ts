import { createHash } from 'node:crypto';
import type { NodeId } from '../core/index.js';
import { formatAddress, type Address } from '../transport/index.js';

/**
 * The cluster id the transport's handshake carries: the cluster's name plus a fingerprint of its full member list.
 * Members started with different `--peers` lists then refuse each other's connections, so a member that was given
 * a wrong list (another quorum size, a stray address) cannot vote in, or be elected by, the real cluster.
 */
export function transportClusterId(name: string, members: ReadonlyMap<NodeId, Address>): string {
  const canonical = [...members]
    .sort(([a], [b]) => a - b)
    .map(([id, address]) => `${id}=${formatAddress(address)}`)
    .join(',');
  const fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return `${name}/${fingerprint}`;
}
