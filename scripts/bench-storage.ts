// npm run bench:storage -- [--writers 1,8,64] [--duration 2] [--size 256]
//
// Appends entries of `size` bytes to a FileStorage in a temporary directory (fsync on), with C concurrent
// writers each awaiting its write before the next (a driver awaits each Ready's write). Prints writes per second,
// fsyncs per second (group commit: writes per fsync), the p50/p99 latency of a write, and the conditions.
import { statfs } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileStorage, nodeFileSystem, observeFileSystem } from '../src/storage/index.js';

const { values } = parseArgs({
  options: {
    writers: { type: 'string', default: '1,8,64' },
    duration: { type: 'string', default: '2' },
    size: { type: 'string', default: '256' },
  },
});
const writerCounts = values.writers.split(',').map(Number);
const durationMs = Number(values.duration) * 1000;
const size = Number(values.size);
if (writerCounts.some((c) => !Number.isInteger(c) || c < 1) || !(durationMs > 0) || !(size >= 0)) {
  console.error('usage: npm run bench:storage -- [--writers 1,8,64] [--duration seconds] [--size bytes]');
  process.exit(2);
}

/** Names of the file systems a temporary directory is likely on, by statfs magic number. */
const FS_TYPES: Record<number, string> = {
  0xef53: 'ext2/3/4',
  0x01021994: 'tmpfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};

interface Result {
  writes: number;
  fsyncs: number;
  seconds: number;
  latencies: Float64Array;
}

async function run(writers: number): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-ts-bench-'));
  let fsyncs = 0;
  const fs = observeFileSystem(nodeFileSystem, {
    beforeSync: () => {
      fsyncs++;
    },
    beforeSyncDir: () => {
      fsyncs++;
    },
  });
  const storage = new FileStorage(dir, { fs });
  try {
    await storage.load();
    const payload = new Uint8Array(size).fill(7);
    let next = 1;
    const latencies: number[] = [];
    const started = performance.now();
    const deadline = started + durationMs;
    const writer = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const index = next++;
        const t0 = performance.now();
        await storage.write({
          hardState: null,
          snapshot: null,
          entries: { from: index, entries: [{ index, term: 1, command: payload }] },
        });
        latencies.push(performance.now() - t0);
      }
    };
    const fsyncsBefore = fsyncs;
    await Promise.all(Array.from({ length: writers }, writer));
    const seconds = (performance.now() - started) / 1000;
    return {
      writes: latencies.length,
      fsyncs: fsyncs - fsyncsBefore,
      seconds,
      latencies: Float64Array.from(latencies).sort(),
    };
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const fsType = (await statfs(tmpdir())).type;
const cpu = cpus();
console.log('bench:storage: FileStorage appends, fsync on (one O_DSYNC write per group commit)');
console.log(
  `  node ${process.version} on linux ${release()}, ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'})`,
);
console.log(`  temp dir ${tmpdir()} on ${FS_TYPES[fsType] ?? `file system 0x${fsType.toString(16)}`}`);
console.log(`  entries of ${size} bytes, one per write, ${values.duration} s per row`);
console.log('');
console.log('writers   writes/s   fsyncs/s   writes/fsync   p50 ms   p99 ms');
for (const writers of writerCounts) {
  const r = await run(writers);
  const row = [
    String(writers).padStart(7),
    Math.round(r.writes / r.seconds)
      .toString()
      .padStart(10),
    Math.round(r.fsyncs / r.seconds)
      .toString()
      .padStart(10),
    (r.writes / Math.max(1, r.fsyncs)).toFixed(1).padStart(14),
    percentile(r.latencies, 0.5).toFixed(3).padStart(8),
    percentile(r.latencies, 0.99).toFixed(3).padStart(8),
  ];
  console.log(row.join(' '));
}
