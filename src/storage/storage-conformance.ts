// The Storage contract as one suite, run against every implementation (MemoryStorage, FileStorage): what a node
// writes, it reads back after a restart, exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftNode, type Entry, type PersistedState, type Snapshot } from '../core/index.js';
import { InvalidCommandError, InvalidWriteError, StorageClosedError, StorageMisuseError } from './errors.js';
import type { Storage, StorageWrite } from './storage.js';

/** One durable place (a directory, a memory volume) from which storages are opened, one after another. */
export interface StorageHarness {
  /** A new storage over the place: opened after another was closed, it is a restart. */
  open(): Storage;
  /** Removes the place. */
  cleanup(): Promise<void>;
}

const text = new TextEncoder();

/** Bytes of a string. */
const b = (s: string): Uint8Array => text.encode(s);

/** An entry whose command names it, or the given command. */
function e(index: number, term: number, command: Uint8Array | null = b(`c${index}`)): Entry {
  return { index, term, command };
}

/** Entries from..to (inclusive), all of `term`. */
function range(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, k) => e(from + k, term));
}

function snap(index: number, term: number, data = `snapshot through ${index}`): Snapshot {
  return { index, term, data: b(data) };
}

/** A write of entries only. */
function append(from: number, entries: Entry[]): StorageWrite {
  return { hardState: null, snapshot: null, entries: { from, entries } };
}

const NOTHING: StorageWrite = { hardState: null, snapshot: null, entries: null };

/** Closes `storage` and opens the next one on the same place: a restart. */
async function restart(h: StorageHarness, storage: Storage): Promise<[Storage, PersistedState]> {
  await storage.close();
  const next = h.open();
  return [next, await next.load()];
}

function state(
  term: number,
  votedFor: number | null,
  snapshot: Snapshot | null,
  entries: Entry[],
): PersistedState {
  return { hardState: { term, votedFor }, snapshot, entries };
}

/**
 * Defines the conformance tests of one Storage implementation, hono-style: `makeHarness` gives each test a fresh
 * durable place.
 */
export function storageConformance(name: string, makeHarness: () => Promise<StorageHarness>): void {
  /** Runs `body` with a fresh place and its first storage, loaded; cleans up after, pass or fail. */
  const withStorage = async (body: (h: StorageHarness, s: Storage) => Promise<void>): Promise<void> => {
    const h = await makeHarness();
    try {
      const s = h.open();
      assert.deepEqual(await s.load(), state(0, null, null, []), 'a new storage is empty');
      await body(h, s);
    } finally {
      await h.cleanup();
    }
  };

  void describe(`Storage conformance: ${name}`, () => {
    void it('an empty storage stays empty across restarts', () =>
      withStorage(async (h, s) => {
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, null, []));
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, null, []));
        await s.close();
      }));

    void it('appends read back exactly after a restart, writes awaited or not', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 3, 1)));
        // Issued together, as a driver with several Readies in flight does: they apply in order.
        await Promise.all([s.write(append(4, range(4, 6, 1))), s.write(append(7, range(7, 9, 2)))]);
        const [s2, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, null, [...range(1, 6, 1), ...range(7, 9, 2)]));
        await s2.write(append(10, range(10, 10, 2)));
        const [s3, again] = await restart(h, s2);
        assert.deepEqual(
          again.entries.map((x) => x.index),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
        await s3.close();
      }));

    void it('a no-op (null command) comes back as null, distinct from an empty command, and bytes as Uint8Array', () =>
      withStorage(async (h, s) => {
        const binary = new Uint8Array([0, 255, 1, 254, 0]);
        await s.write(append(1, [e(1, 1, null), e(2, 1, new Uint8Array(0)), e(3, 1, binary)]));
        const [s2, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, [e(1, 1, null), e(2, 1, new Uint8Array(0)), e(3, 1, binary)]);
        for (const entry of loaded.entries.slice(1)) {
          assert.equal(Object.getPrototypeOf(entry.command), Uint8Array.prototype, 'a plain Uint8Array');
        }
        await s2.close();
      }));

    void it('a conflict overwrites the suffix from its first index, and only that', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 6, 1)));
        await s.write(append(4, range(4, 5, 2))); // Entry 6 of term 1 goes too: everything >= 4 is dropped.
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, [...range(1, 3, 1), ...range(4, 5, 2)]);
        await s.write(append(1, range(1, 2, 3))); // The whole log, replaced.
        await s.write(append(3, [])); // A truncation alone: drop 3 and after, append nothing.
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, range(1, 2, 3));
        await s.write(append(3, range(3, 4, 3)));
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, range(1, 4, 3));
        await s.close();
      }));

    void it('hard state: the last write wins; votedFor null and node 0 are distinct', () =>
      withStorage(async (h, s) => {
        await s.write({ hardState: { term: 1, votedFor: 0 }, snapshot: null, entries: null });
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.hardState, { term: 1, votedFor: 0 });
        await s.write({
          hardState: { term: 2, votedFor: null },
          snapshot: null,
          entries: append(1, [e(1, 2)]).entries,
        });
        await s.write({ hardState: { term: 2, votedFor: 7 }, snapshot: null, entries: null });
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(2, 7, null, [e(1, 2)]));
        await s.write({ hardState: { term: 2 ** 40, votedFor: null }, snapshot: null, entries: null });
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.hardState, { term: 2 ** 40, votedFor: null });
        await s.close();
      }));

    void it('a snapshot compacts the prefix it covers; entries after it stay, and more follow', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 10, 1)));
        await s.write({ hardState: null, snapshot: snap(6, 1), entries: null });
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(6, 1), range(7, 10, 1)));
        await s.write(append(11, range(11, 12, 2)));
        await s.write({ hardState: null, snapshot: snap(10, 1, 'newer'), entries: null });
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(10, 1, 'newer'), range(11, 12, 2)));
        await s.close();
      }));

    void it('a snapshot that covers the whole log, with the entries after it in the same write', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 5, 1)));
        await s.write({ hardState: null, snapshot: snap(5, 1), entries: append(6, range(6, 7, 2)).entries });
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(5, 1), range(6, 7, 2)));
        await s.close();
      }));

    void it("a leader's snapshot past the end of the log (InstallSnapshot): the log resumes after it", () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 3, 1)));
        await s.write({
          hardState: { term: 3, votedFor: null },
          snapshot: snap(20, 3),
          entries: append(21, []).entries,
        });
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(3, null, snap(20, 3), []));
        await s.write(append(21, range(21, 22, 3)));
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(3, null, snap(20, 3), range(21, 22, 3)));
        await s.close();
      }));

    void it("a leader's snapshot that conflicts with the log: the core discards the rest in the same write", () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 10, 1)));
        // As RaftLog.restore does: entry 6 has term 1 here, the snapshot says term 2, so 7..10 conflict.
        await s.write({ hardState: null, snapshot: snap(6, 2), entries: append(7, []).entries });
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(6, 2), []));
        await s.write(append(7, range(7, 8, 2)));
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(6, 2), range(7, 8, 2)));
        await s.close();
      }));

    void it('a long log with snapshots as it goes, conflicts and restarts in between', () =>
      withStorage(async (h, s) => {
        const expected: Entry[] = [];
        let snapshot: Snapshot | null = null;
        let term = 1;
        for (let round = 1; round <= 6; round++) {
          const from = (expected.at(-1)?.index ?? snapshot?.index ?? 0) + 1;
          const batch = range(from, from + 29, term);
          await Promise.all(batch.map((entry) => s.write(append(entry.index, [entry]))));
          expected.push(...batch);
          // A conflict: the last 5 replaced by entries of a newer term.
          term++;
          const redo = range(from + 25, from + 31, term);
          await s.write(append(from + 25, redo));
          expected.splice(expected.length - 5, 5, ...redo);
          if (round % 2 === 0) {
            const through = from + 20;
            snapshot = snap(through, expected.find((x) => x.index === through)?.term ?? 0);
            await s.write({ hardState: { term, votedFor: round }, snapshot, entries: null });
            expected.splice(0, expected.findIndex((x) => x.index === through) + 1);
          }
          let loaded: PersistedState;
          [s, loaded] = await restart(h, s);
          assert.deepEqual(loaded.snapshot, snapshot, `round ${round}`);
          assert.deepEqual(loaded.entries, expected, `round ${round}`);
        }
        await s.close();
      }));

    void it('an empty write resolves, in order, and changes nothing', () =>
      withStorage(async (h, s) => {
        const order: number[] = [];
        await Promise.all([
          s.write(append(1, range(1, 1, 1))).then(() => order.push(1)),
          s.write(NOTHING).then(() => order.push(2)),
          s.write(append(2, range(2, 2, 1))).then(() => order.push(3)),
          s.write(NOTHING).then(() => order.push(4)),
        ]);
        assert.deepEqual(order, [1, 2, 3, 4], 'writes resolve in the order they were issued');
        const [s2, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, null, range(1, 2, 1)));
        await s2.close();
      }));

    void it('a command that is not bytes is refused whole with InvalidCommandError; the storage goes on', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 2, 1)));
        for (const command of ['a string', 42, { bytes: [1] }, [1, 2], undefined]) {
          await assert.rejects(s.write(append(3, [e(3, 1), { index: 4, term: 1, command }])), (error) => {
            assert.ok(error instanceof InvalidCommandError);
            assert.equal(error.code, 'STORAGE_BAD_COMMAND');
            assert.equal(error.index, 4);
            return true;
          });
        }
        await s.write(append(3, [e(3, 1)]));
        const [s2, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, range(1, 3, 1), 'entry 3 of the refused writes was not stored');
        await s2.close();
      }));

    void it('a write that does not fit the log is refused whole with InvalidWriteError; the storage goes on', () =>
      withStorage(async (h, s) => {
        await s.write(append(1, range(1, 3, 1)));
        await s.write({ hardState: null, snapshot: snap(2, 1), entries: null });
        const refused: StorageWrite[] = [
          append(5, [e(5, 1)]), // a gap after 3
          append(4, [e(5, 1)]), // an entry that is not the next index
          append(4, [e(4, 1), e(6, 1)]), // a hole inside the write
          append(0, []), // index 0 is the empty log's sentinel
          append(4, [e(4, -1)]),
          append(4, [e(4, 1.5)]),
          { hardState: { term: 1, votedFor: null }, snapshot: snap(1, 1), entries: null }, // older than stored
          { hardState: { term: Number.NaN, votedFor: null }, snapshot: null, entries: null },
        ];
        for (const write of refused) {
          await assert.rejects(s.write(write), (error) => {
            assert.ok(error instanceof InvalidWriteError, String(error));
            assert.equal(error.code, 'STORAGE_BAD_WRITE');
            return true;
          });
        }
        await s.write(append(4, [e(4, 1)]));
        const [s2, loaded] = await restart(h, s);
        assert.deepEqual(loaded, state(0, null, snap(2, 1), range(3, 4, 1)));
        await s2.close();
      }));

    void it('calls out of order are refused: write before load, load twice, anything after close', async () => {
      const h = await makeHarness();
      try {
        const s = h.open();
        await assert.rejects(s.write(append(1, [e(1, 1)])), StorageMisuseError);
        await s.load();
        await assert.rejects(s.load(), StorageMisuseError);
        await s.write(append(1, [e(1, 1)]));
        await s.close();
        await assert.rejects(s.write(append(2, [e(2, 1)])), StorageClosedError);
        await assert.rejects(s.load(), StorageClosedError);
        const [s2, loaded] = await restart(h, h.open());
        assert.deepEqual(loaded.entries, [e(1, 1)]);
        await s2.close();
      } finally {
        await h.cleanup();
      }
    });

    void it("bytes are copied in and out: a caller's later changes to its buffers change nothing stored", () =>
      withStorage(async (h, s) => {
        const command = b('before');
        const data = b('snapshot');
        await s.write({
          hardState: null,
          snapshot: { index: 0, term: 0, data },
          entries: append(1, [e(1, 1, command)]).entries,
        });
        command.fill(0);
        data.fill(0);
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, [e(1, 1, b('before'))]);
        assert.deepEqual(loaded.snapshot?.data, b('snapshot'));
        (loaded.entries[0]?.command as Uint8Array).fill(0);
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded.entries, [e(1, 1, b('before'))]);
        await s.close();
      }));

    void it('drives a RaftNode: a node restarted from load() has exactly the state it wrote', () =>
      withStorage(async (h, s) => {
        let node = makeNode();
        await electAndPropose(node, s, 20);
        node.compact(12, b('state through 12'));
        await pump(node, s);
        await electAndPropose(node, s, 5);
        const written = node.persistentState();
        assert.equal(written.snapshot?.index, 12);
        let loaded: PersistedState;
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, written);
        node = makeNode(loaded);
        assert.deepEqual(node.persistentState(), written, 'the core takes it back as it was');
        await electAndPropose(node, s, 3); // A new term after the restart: a vote, a no-op, commands.
        const after = node.persistentState();
        assert.ok(
          after.entries.some((x) => x.command === null),
          "the new leader's no-op is in the log",
        );
        [s, loaded] = await restart(h, s);
        assert.deepEqual(loaded, after);
        await s.close();
      }));
  });
}

function makeNode(persisted?: PersistedState): RaftNode {
  return new RaftNode(
    {
      id: 1,
      peers: [1],
      electionTicks: { min: 3, max: 6 },
      heartbeatTicks: 1,
      preVote: false,
      checkQuorum: false,
      maxEntriesPerAppend: 64,
      noopOnElection: true,
      rand: { int: () => 0 },
    },
    persisted,
  );
}

/** The driver's loop of the storage contract: write each Ready, await it durable, then advance. */
async function pump(node: RaftNode, storage: Storage): Promise<void> {
  while (node.hasReady()) {
    const ready = node.takeReady();
    await storage.write(ready);
    node.advance(ready);
  }
}

/** Ticks a one-node cluster until it leads (if it does not yet), then proposes `n` commands and persists them. */
async function electAndPropose(node: RaftNode, storage: Storage, n: number): Promise<void> {
  for (let t = 0; t < 20 && node.status().role !== 'leader'; t++) {
    node.tick();
    await pump(node, storage);
  }
  assert.equal(node.status().role, 'leader');
  for (let k = 0; k < n; k++) {
    node.propose(b(`command ${k} of term ${node.status().term}`));
    await pump(node, storage);
  }
}
