// A member on a damaged disk: a flipped byte before the log's tail refuses to start; a torn last record recovers.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Entry } from '../../src/core/index.js';
import { FileStorage } from '../../src/storage/index.js';
import { TestCluster, until, waitExit } from './member-processes.js';

/** Writes `count` entries of term 1 into member `dir`'s storage, in segments of `segmentBytes`. */
async function writeLog(dir: string, count: number, segmentBytes?: number): Promise<void> {
  const storage = new FileStorage(dir, segmentBytes === undefined ? {} : { segmentBytes });
  await storage.load();
  const entries: Entry[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    term: 1,
    command: new TextEncoder().encode(`entry-${String(i + 1).padStart(4, '0')}`),
  }));
  await storage.write({ hardState: { term: 1, votedFor: 1 }, snapshot: null, entries: { from: 1, entries } });
  await storage.close();
}

async function segments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.wal')).sort();
}

describe('a member on a damaged disk', { timeout: 60_000 }, () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
  });

  it('refuses to start, naming the file and offset, when a closed segment has a flipped byte', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    const dir = cluster.member(1).dataDir;
    await writeLog(dir, 40, 256);
    const files = await segments(dir);
    assert.ok(files.length >= 3, `expected several segments, got ${files.length}`);
    const victim = join(dir, files[0] as string);
    const bytes = await readFile(victim);
    const at = bytes.length - 3; // Inside the payload of the segment's last record.
    bytes[at] = (bytes[at] as number) ^ 0x40;
    await writeFile(victim, bytes);

    const child = cluster.start(1);
    const code = await waitExit(child, 30_000);
    assert.equal(code, 3, 'exit code 3: corrupt storage');
    const output = await readFile(join(cluster.root, 'member-1.log'), 'utf8');
    assert.match(
      output,
      new RegExp(
        `raft-ts node: cannot start member 1 \\(data dir .*\\): CorruptLogError: corrupt storage: ${files[0]} at byte \\d+`,
      ),
    );
  });

  it('cuts a torn last record and starts from the complete prefix', async () => {
    const cluster = await TestCluster.create(3);
    clusters.push(cluster);
    const dir = cluster.member(1).dataDir;
    await writeLog(dir, 50);
    const files = await segments(dir);
    assert.equal(files.length, 1);
    const segment = join(dir, files[0] as string);
    await truncate(segment, (await stat(segment)).size - 5); // A crash in the middle of the last record.

    cluster.start(1); // Alone: its peers are down, so it stays a follower, but it serves its status.
    const status = await until('member 1 to answer', 30_000, () => cluster.status(1));
    assert.equal(status.lastIndex, 49, 'the 49 complete records are kept, the torn 50th is cut');
    assert.equal(status.term, 1);
    assert.equal(await cluster.stop(1), 0);
    const log = await cluster.readLog(1);
    assert.equal(log.length, 49);
    assert.equal(new TextDecoder().decode(log.at(-1)?.command as Uint8Array), 'entry-0049');
  });
});
