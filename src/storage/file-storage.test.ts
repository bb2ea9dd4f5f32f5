import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Entry, PersistedState } from '../core/index.js';
import { CorruptLogError, StorageFailedError } from './errors.js';
import { FileStorage, type FileStorageOptions } from './file-storage.js';
import {
  nodeFileSystem,
  observeFileSystem,
  type FileSystemObserver,
  type StorageFileSystem,
} from './file-system.js';
import type { StorageWrite } from './storage.js';
import { storageConformance } from './storage-conformance.js';
import { RECORD_HEADER_BYTES } from './wal-record.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'raft-ts-storage-'));
}

storageConformance('FileStorage', async () => {
  const dir = await tempDir();
  return { open: () => new FileStorage(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// Segments of a few records each: every test above then also crosses segment boundaries and compacts segments.
storageConformance('FileStorage, 256-byte segments', async () => {
  const dir = await tempDir();
  return {
    open: () => new FileStorage(dir, { segmentBytes: 256 }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Commands of 32 bytes, so that every entry record is RECORD_BYTES long. */
const PAYLOAD = 32;
const RECORD_BYTES = RECORD_HEADER_BYTES + PAYLOAD;

function entry(index: number, term = 1): Entry {
  return { index, term, command: new Uint8Array(PAYLOAD).fill(index % 251) };
}

function entries(from: number, to: number, term = 1): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, term));
}

function append(from: number, list: Entry[]): StorageWrite {
  return { hardState: null, snapshot: null, entries: { from, entries: list } };
}

const SEGMENT_1 = '0000000000000001.wal';
const SEGMENT_2 = '0000000000000002.wal';

void describe('FileStorage on disk', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens and loads a storage on `dir`. */
  async function open(options: FileStorageOptions = {}): Promise<[FileStorage, PersistedState]> {
    const s = new FileStorage(dir, options);
    return [s, await s.load()];
  }

  /** Writes entries 1..n (one write each) and closes. */
  async function writeLog(n: number, options: FileStorageOptions = {}): Promise<void> {
    const [s] = await open(options);
    for (let i = 1; i <= n; i++) await s.write(append(i, [entry(i)]));
    await s.close();
  }

  async function segments(): Promise<string[]> {
    return (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
  }

  async function flip(file: string, offset: number): Promise<void> {
    const bytes = await readFile(join(dir, file));
    bytes[offset] = (bytes[offset] ?? 0) ^ 0x40;
    await writeFile(join(dir, file), bytes);
  }

  void describe('recovery', () => {
    void it('a torn final record, cut at every byte offset, is cut off and the prefix kept', async () => {
      await writeLog(4);
      const whole = await readFile(join(dir, SEGMENT_1));
      assert.equal(whole.byteLength, 4 * RECORD_BYTES);
      const start = 3 * RECORD_BYTES;
      for (let cut = 1; cut < RECORD_BYTES; cut++) {
        await rm(dir, { recursive: true });
        dir = await tempDir();
        await writeFile(join(dir, SEGMENT_1), whole.subarray(0, start + cut));
        const [s, loaded] = await open();
        assert.deepEqual(loaded.entries, entries(1, 3), `cut ${cut} bytes into the last record`);
        assert.deepEqual(s.lastRecovery, {
          file: SEGMENT_1,
          offset: start,
          bytes: cut,
          reason: cut < RECORD_HEADER_BYTES ? 'short header' : 'short payload',
        });
        assert.equal((await stat(join(dir, SEGMENT_1))).size, start, 'the torn bytes are gone from the file');
        // The log goes on from the cut: the lost entry is written again and survives a restart.
        await s.write(append(4, [entry(4, 2)]));
        await s.close();
        const [s2, again] = await open();
        assert.deepEqual(again.entries, [...entries(1, 3), entry(4, 2)]);
        assert.equal(s2.lastRecovery, null);
        await s2.close();
      }
    });

    void it('a bad checksum on the final record (payload, length or CRC damaged) cuts it off', async () => {
      await writeLog(3);
      const whole = await readFile(join(dir, SEGMENT_1));
      const last = 2 * RECORD_BYTES;
      for (const offset of [last, last + 2, last + 5, last + 9, last + 20, last + RECORD_BYTES - 1]) {
        const damaged = Buffer.from(whole);
        damaged[offset] = (damaged[offset] ?? 0) ^ 0x01;
        await writeFile(join(dir, SEGMENT_1), damaged);
        const [s, loaded] = await open();
        assert.deepEqual(loaded.entries, entries(1, 2), `byte ${offset} damaged`);
        assert.equal(s.lastRecovery?.offset, last);
        await s.close();
      }
    });

    void it('a tail of zeros after the last record (a crash after the size grew) is cut off', async () => {
      await writeLog(2);
      const whole = await readFile(join(dir, SEGMENT_1));
      await writeFile(join(dir, SEGMENT_1), Buffer.concat([whole, Buffer.alloc(4096)]));
      const [s, loaded] = await open();
      assert.deepEqual(loaded.entries, entries(1, 2));
      assert.deepEqual(s.lastRecovery, {
        file: SEGMENT_1,
        offset: whole.byteLength,
        bytes: 4096,
        reason: 'bad length',
      });
      await s.close();
    });

    void it('a flipped byte in a non-final record of the last segment refuses to start, naming file and offset', async () => {
      await writeLog(5);
      for (const offset of [
        0,
        3,
        6,
        8,
        12,
        30,
        RECORD_BYTES - 1,
        2 * RECORD_BYTES + 7,
        4 * RECORD_BYTES - 1,
      ]) {
        await flip(SEGMENT_1, offset);
        const s = new FileStorage(dir);
        const recordStart = offset - (offset % RECORD_BYTES);
        await assert.rejects(s.load(), (error) => {
          assert.ok(error instanceof CorruptLogError, String(error));
          assert.equal(error.code, 'STORAGE_CORRUPT');
          assert.equal(error.file, SEGMENT_1);
          assert.equal(error.offset, recordStart, `byte ${offset} damaged`);
          assert.match(error.message, new RegExp(`${SEGMENT_1} at byte ${recordStart}\\b`));
          return true;
        });
        // Refused for good: nothing was cut, and the failed storage takes no writes.
        await assert.rejects(s.write(append(6, [entry(6)])), CorruptLogError);
        assert.equal((await stat(join(dir, SEGMENT_1))).size, 5 * RECORD_BYTES);
        await flip(SEGMENT_1, offset); // Undo, for the next offset.
      }
      const [s, loaded] = await open();
      assert.deepEqual(loaded.entries, entries(1, 5), 'undamaged again');
      await s.close();
    });

    void it('a flipped byte anywhere in a closed segment refuses to start, naming file and offset', async () => {
      const options = { segmentBytes: 3 * RECORD_BYTES };
      await writeLog(7, options);
      assert.deepEqual(await segments(), [SEGMENT_1, SEGMENT_2, '0000000000000003.wal']);
      for (let offset = 0; offset < 3 * RECORD_BYTES; offset++) {
        await flip(SEGMENT_1, offset);
        const recordStart = offset - (offset % RECORD_BYTES);
        await assert.rejects(new FileStorage(dir, options).load(), (error) => {
          assert.ok(error instanceof CorruptLogError, String(error));
          assert.equal(error.file, SEGMENT_1);
          assert.equal(error.offset, recordStart, `byte ${offset} damaged`);
          return true;
        });
        await flip(SEGMENT_1, offset);
      }
      // Even the final record of a closed segment: it was fsynced whole before the next segment began.
      await flip(SEGMENT_2, 3 * RECORD_BYTES - 1);
      await assert.rejects(
        new FileStorage(dir, options).load(),
        /0000000000000002\.wal at byte 114: checksum/,
      );
    });

    void it('a closed segment cut short, or a segment missing, refuses to start', async () => {
      const options = { segmentBytes: 2 * RECORD_BYTES };
      await writeLog(6, options);
      const second = await readFile(join(dir, SEGMENT_2));
      await writeFile(join(dir, SEGMENT_2), second.subarray(0, RECORD_BYTES + 10));
      await assert.rejects(new FileStorage(dir, options).load(), (error) => {
        assert.ok(error instanceof CorruptLogError);
        assert.equal(error.file, SEGMENT_2);
        assert.equal(error.offset, RECORD_BYTES);
        return true;
      });
      await rm(join(dir, SEGMENT_2));
      await assert.rejects(
        new FileStorage(dir, options).load(),
        /0000000000000003\.wal at byte 0: segment 0000000000000002\.wal is missing/,
      );
    });

    void it('a damaged hard-state or snapshot file refuses to start', async () => {
      const [s] = await open();
      await s.write({
        hardState: { term: 3, votedFor: 1 },
        snapshot: { index: 0, term: 0, data: new Uint8Array([1, 2, 3]) },
        entries: null,
      });
      await s.close();
      for (const [file, offset] of [
        ['hardstate', 5],
        ['snapshot', 27],
      ] as const) {
        await flip(file, offset);
        await assert.rejects(
          new FileStorage(dir).load(),
          new RegExp(`corrupt storage: ${file} at byte 0: checksum mismatch`),
        );
        await flip(file, offset);
      }
      const [s2, loaded] = await open();
      assert.deepEqual(loaded.hardState, { term: 3, votedFor: 1 });
      await s2.close();
    });

    void it("a crash anywhere in a snapshot's write never leaves the snapshot followed by entries it discards", async () => {
      const [s] = await open();
      await s.write(append(1, entries(1, 10)));
      await s.close();
      const before = await readFile(join(dir, SEGMENT_1));
      // A leader's snapshot through 6 of term 2: entry 6 here has term 1, so the core discards 7..10 with it.
      const snapshot = { index: 6, term: 2, data: new Uint8Array([6]) };
      const [s2] = await open();
      await s2.write({ hardState: null, snapshot, entries: { from: 7, entries: [entry(7, 2)] } });
      await s2.close();
      const after = await readFile(join(dir, SEGMENT_1));
      for (let cut = before.byteLength; cut <= after.byteLength; cut++) {
        await writeFile(join(dir, SEGMENT_1), after.subarray(0, cut)); // The snapshot file is durable already.
        const [s3, loaded] = await open();
        assert.deepEqual(loaded.snapshot, snapshot);
        assert.deepEqual(loaded.entries, cut === after.byteLength ? [entry(7, 2)] : [], `cut at ${cut}`);
        await s3.close();
      }
    });

    void it('a temporary file left by a crash mid-replacement is ignored and removed', async () => {
      await writeLog(2);
      await writeFile(join(dir, 'hardstate.tmp'), 'half a hard state');
      await writeFile(join(dir, 'snapshot.tmp'), '');
      const [s, loaded] = await open();
      assert.deepEqual(loaded.entries, entries(1, 2));
      assert.deepEqual(loaded.hardState, { term: 0, votedFor: null });
      assert.deepEqual((await readdir(dir)).sort(), [SEGMENT_1]);
      await s.close();
    });
  });

  void describe('compaction', () => {
    void it('drops whole segments entirely behind a durable snapshot, and never the last one', async () => {
      const options = { segmentBytes: 4 * RECORD_BYTES };
      await writeLog(20, options);
      assert.equal((await segments()).length, 5);
      let [s] = await open(options);
      // Entry 10 lies in segment 3 (9..12): segments 1 and 2 go, segment 3 stays.
      await s.write({
        hardState: null,
        snapshot: { index: 10, term: 1, data: new Uint8Array([10]) },
        entries: null,
      });
      await s.close(); // Compaction runs after the write resolves; close() waits for it.
      assert.deepEqual(await segments(), [
        '0000000000000003.wal',
        '0000000000000004.wal',
        '0000000000000005.wal',
        '0000000000000006.wal',
      ]);
      let loaded: PersistedState;
      [s, loaded] = await open(options);
      assert.deepEqual(loaded.entries, entries(11, 20));
      await s.write({
        hardState: null,
        snapshot: { index: 20, term: 1, data: new Uint8Array([20]) },
        entries: null,
      });
      await s.write(append(21, [entry(21)]));
      await s.close();
      assert.deepEqual(await segments(), ['0000000000000006.wal']);
      [s, loaded] = await open(options);
      assert.deepEqual(loaded.snapshot?.index, 20);
      assert.deepEqual(loaded.entries, [entry(21)]);
      await s.close();
    });
  });

  void describe('group commit', () => {
    function countSyncs(): { observer: FileSystemObserver; syncs: () => number } {
      let syncs = 0;
      return {
        observer: {
          beforeSync: (path) => {
            if (path.endsWith('.wal')) syncs++;
          },
        },
        syncs: () => syncs,
      };
    }

    void it('64 writes issued at once share one fsync', async () => {
      const { observer, syncs } = countSyncs();
      const [s] = await open({ fs: observeFileSystem(nodeFileSystem, observer) });
      await Promise.all(entries(1, 64).map((e) => s.write(append(e.index, [e]))));
      assert.equal(syncs(), 1);
      await s.close();
    });

    void it('16 concurrent writers, 20 writes each: about one fsync per round, not one per write', async () => {
      const { observer, syncs } = countSyncs();
      const [s] = await open({ fs: observeFileSystem(nodeFileSystem, observer) });
      let next = 1;
      const writer = async (): Promise<void> => {
        for (let k = 0; k < 20; k++) {
          const index = next++;
          await s.write(append(index, [entry(index)]));
        }
      };
      await Promise.all(Array.from({ length: 16 }, writer));
      // Writers woken by one fsync write again together: 20 rounds, each one group.
      assert.ok(syncs() <= 25, `${syncs()} fsyncs for 320 writes`);
      await s.close();
      const [s2, loaded] = await open();
      assert.deepEqual(loaded.entries, entries(1, 320));
      await s2.close();
    });
  });

  void describe('failures', () => {
    /** A file system whose next fsync (or write) of a matching path fails once `armed`, as a dying disk would. */
    function faulty(
      what: 'sync' | 'write',
      match: RegExp,
    ): { fs: StorageFileSystem; arm: () => void; eio: Error } {
      let armed = false;
      const eio = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      const hook = (path: string): void => {
        if (armed && match.test(path)) throw eio;
      };
      const observer: FileSystemObserver = what === 'sync' ? { beforeSync: hook } : { beforeWrite: hook };
      return { fs: observeFileSystem(nodeFileSystem, observer), arm: () => (armed = true), eio };
    }

    for (const what of ['sync', 'write'] as const) {
      void it(`a failed ${what} rejects the write and every queued one, and fails the storage for good`, async () => {
        const { fs, arm, eio } = faulty(what, /\.wal$/);
        const [s] = await open({ fs });
        await s.write(append(1, entries(1, 2)));
        arm();
        const results = await Promise.allSettled([
          s.write(append(3, [entry(3)])),
          s.write(append(4, [entry(4)])),
        ]);
        const reasons = results.map((result): unknown => {
          assert.equal(result.status, 'rejected');
          return result.reason;
        });
        for (const error of reasons) {
          assert.ok(error instanceof StorageFailedError);
          assert.equal(error.code, 'STORAGE_FAILED');
          assert.equal(error.cause, eio);
        }
        // Never retried as if nothing happened: every later call rejects with the same failure.
        const failure = reasons[0];
        await assert.rejects(s.write(append(3, [entry(3)])), (error) => error === failure);
        await assert.rejects(
          s.write({ hardState: null, snapshot: null, entries: null }),
          (error) => error === failure,
        );
        await assert.rejects(s.load(), (error) => error === failure);
        await assert.rejects(s.close(), (error) => error === failure);
        // A restart reads back at least everything acknowledged, and what it reads is a prefix of what was written.
        const [s2, loaded] = await open();
        assert.deepEqual(loaded.entries.slice(0, 2), entries(1, 2));
        assert.ok(loaded.entries.length <= 4);
        await s2.close();
      });
    }

    void it('a crash after the snapshot file is durable and before its log records: recovery redoes them', async () => {
      for (const [snapshotTerm, expected] of [
        [2, [] as Entry[]], // Entry 6 has term 1: the snapshot conflicts, entries 7..10 were discarded.
        [1, entries(7, 10)], // Same term: a compaction, entries 7..10 stay.
      ] as const) {
        await rm(dir, { recursive: true });
        dir = await tempDir();
        const { fs, arm } = faulty('write', /\.wal$/);
        const [s] = await open({ fs });
        await s.write(append(1, entries(1, 10)));
        arm(); // The snapshot's file is written and renamed; the log's records never reach the disk.
        const snapshot = { index: 6, term: snapshotTerm, data: new Uint8Array([6]) };
        const discard = snapshotTerm === 2 ? { from: 7, entries: [] } : null;
        await assert.rejects(s.write({ hardState: null, snapshot, entries: discard }), StorageFailedError);
        let [s2, loaded] = await open();
        assert.deepEqual(loaded, { hardState: { term: 0, votedFor: null }, snapshot, entries: expected });
        // The log agrees with the snapshot file again: what follows is appended and read back.
        const next = snapshotTerm === 2 ? 7 : 11;
        await s2.write(append(next, [entry(next, 2)]));
        await s2.close();
        [s2, loaded] = await open();
        assert.deepEqual(loaded.entries, [...expected, entry(next, 2)]);
        await s2.close();
      }
    });
  });
});
