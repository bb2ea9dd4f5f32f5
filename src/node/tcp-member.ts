import type { Logger } from 'pino';
import type { NodeId } from '../core/index.js';
import { FileStorage, nodeFileSystem, observeFileSystem, type StorageFileSystem } from '../storage/index.js';
import { TcpTransport, type Address } from '../transport/index.js';
import { transportClusterId } from './cluster-id.js';
import { MemberConfigError } from './errors.js';
import { RaftMember } from './raft-member.js';
import type { MemberTiming } from './timing.js';

/** How a member of a TCP cluster with its log on disk is set up (what `raft-ts node` takes). */
export interface TcpMemberOptions {
  readonly id: NodeId;
  /** Every member's peer address, this one's included; every member must be given the same list. */
  readonly members: ReadonlyMap<NodeId, Address>;
  /** Where this member's log, hard state and snapshot live. */
  readonly dataDir: string;
  /** Names the cluster (default `raft-ts`); with the member list it forms the handshake's cluster id. */
  readonly clusterName?: string;
  /** Where to listen for peers, if not this member's address in `members` (e.g. 0.0.0.0). */
  readonly listen?: Address;
  readonly timing?: Partial<MemberTiming>;
  readonly logger?: Logger;
  /** Called with the seconds each file fsync took (for the metrics). */
  readonly onFsync?: (seconds: number) => void;
}

/** A running TCP member, with the counters its status port reports. */
export interface TcpMember {
  readonly member: RaftMember;
  /** File fsyncs since the start (log segments, hard state, snapshot): writes per fsync proves group commit. */
  fsyncs(): number;
}

/**
 * Starts a member over `FileStorage(dataDir)` and a `TcpTransport`. Rejects with the storage's CorruptLogError if
 * the log on disk cannot be trusted, and with a TransportError if the address cannot be listened on.
 */
export async function startTcpMember(options: TcpMemberOptions): Promise<TcpMember> {
  if (!options.members.has(options.id)) {
    throw new MemberConfigError(`member ${options.id} is not in the member list`);
  }
  let fsyncs = 0;
  const fs = observeFileSystem(timeSyncs(nodeFileSystem, options.onFsync), {
    beforeSync: () => {
      fsyncs++;
    },
  });
  const storage = new FileStorage(options.dataDir, { fs });
  const log = options.logger?.child({ member: options.id });
  const transport = new TcpTransport({
    id: options.id,
    clusterId: transportClusterId(options.clusterName ?? 'raft-ts', options.members),
    members: options.members,
    ...(options.listen === undefined ? {} : { listen: options.listen }),
    ...(log === undefined ? {} : { logger: log.child({ component: 'transport' }) }),
  });
  const member = await RaftMember.start({
    id: options.id,
    peers: [...options.members.keys()],
    storage,
    transport,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const recovery = storage.lastRecovery;
  if (recovery !== null) {
    log?.warn({ ...recovery }, 'recovered from a torn final record: cut it off and kept the prefix');
  }
  return { member, fsyncs: () => fsyncs };
}

/** The file system with each file fsync timed, when someone listens. */
function timeSyncs(
  base: StorageFileSystem,
  onFsync: ((seconds: number) => void) | undefined,
): StorageFileSystem {
  if (onFsync === undefined) return base;
  return {
    ...base,
    async open(path, mode) {
      const file = await base.open(path, mode);
      return {
        write: (data, position) => file.write(data, position),
        async sync() {
          const started = performance.now();
          await file.sync();
          onFsync((performance.now() - started) / 1000);
        },
        close: () => file.close(),
      };
    },
  };
}
