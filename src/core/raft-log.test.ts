import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftError } from './errors.js';
import { RaftLog } from './raft-log.js';
import type { Entry, Snapshot } from './types.js';

/** Entries with the given terms, starting at index `start`. */
function run(start: number, ...terms: number[]): Entry[] {
  return terms.map((term, k) => ({ index: start + k, term, command: `c${start + k}` }));
}

/** A log holding entries 1.. with the given terms, all of it persisted. */
function logOf(...terms: number[]): RaftLog {
  return new RaftLog(null, run(1, ...terms));
}

const snap = (index: number, term: number): Snapshot => ({ index, term, data: Uint8Array.of(index, term) });

const terms = (log: RaftLog): number[] => log.all().map((e) => e.term);

const isBadState = (e: unknown): boolean => e instanceof RaftError && e.code === 'RAFT_BAD_STATE';

void describe('RaftLog', () => {
  void describe('construction and lookups', () => {
    void it('an empty log has index 0 with term 0 as its sentinel and nothing unstable', () => {
      const log = new RaftLog(null, []);
      assert.equal(log.lastIndex(), 0);
      assert.equal(log.lastTerm(), 0);
      assert.equal(log.term(0), 0);
      assert.equal(log.term(1), undefined);
      assert.equal(log.unstableFrom, Infinity);
    });

    void it('refuses persisted entries that are not contiguous after the snapshot', () => {
      assert.throws(() => new RaftLog(null, [...run(1, 1), ...run(3, 1)]), isBadState);
      assert.throws(() => new RaftLog(snap(4, 1), run(4, 1)), isBadState);
      assert.throws(() => new RaftLog(null, run(0, 1)), isBadState);
      assert.equal(new RaftLog(snap(4, 1), run(5, 1, 2)).lastIndex(), 6);
    });

    void it('term, entry and slice address the log by absolute index, also after a snapshot', () => {
      const log = new RaftLog(snap(3, 2), run(4, 2, 3, 3));
      assert.equal(log.lastIndex(), 6);
      assert.equal(log.lastTerm(), 3);
      assert.equal(log.term(2), undefined, 'compacted away');
      assert.equal(log.term(3), 2, 'the snapshot keeps its last term');
      assert.equal(log.term(4), 2);
      assert.equal(log.term(6), 3);
      assert.equal(log.term(7), undefined, 'beyond the end');
      assert.equal(log.entry(3), undefined);
      assert.deepEqual(log.entry(5), { index: 5, term: 3, command: 'c5' });
      assert.deepEqual(
        log.slice(5, 7).map((e) => e.index),
        [5, 6],
      );
      assert.deepEqual(log.slice(4, 4), []);
    });

    void it('lastTerm falls back to the snapshot term when no entry follows it', () => {
      const log = new RaftLog(snap(5, 4), []);
      assert.equal(log.lastIndex(), 5);
      assert.equal(log.lastTerm(), 4);
    });
  });

  void describe('append', () => {
    void it('appends at lastIndex + 1 with the given term and marks it unstable', () => {
      const log = logOf(1, 1);
      const e = log.append(3, 'x');
      assert.deepEqual(e, { index: 3, term: 3, command: 'x' });
      assert.equal(log.lastIndex(), 3);
      assert.equal(log.unstableFrom, 3);
      log.append(3, 'y');
      assert.equal(log.unstableFrom, 3, 'unstableFrom is the lowest changed index');
    });

    void it('appends after a snapshot with no entries', () => {
      const log = new RaftLog(snap(7, 2), []);
      assert.equal(log.append(3, 'x').index, 8);
      assert.equal(log.term(8), 3);
    });
  });

  void describe('merge (Figure 2, AppendEntries rules 3 and 4)', () => {
    void it('a batch that matches the log changes nothing and marks nothing unstable', () => {
      const log = logOf(1, 1, 2);
      log.merge(run(1, 1, 1, 2), 0);
      assert.deepEqual(terms(log), [1, 1, 2]);
      assert.equal(log.unstableFrom, Infinity);
    });

    void it('a stale, shorter batch that matches a prefix does not truncate what follows', () => {
      const log = logOf(1, 1, 2, 2);
      log.merge(run(2, 1), 0);
      assert.deepEqual(terms(log), [1, 1, 2, 2]);
      log.merge([], 0);
      assert.deepEqual(terms(log), [1, 1, 2, 2]);
      assert.equal(log.unstableFrom, Infinity);
    });

    void it('a duplicated batch merged twice leaves the same log', () => {
      const log = logOf(1);
      log.merge(run(2, 1, 2), 0);
      log.unstableFrom = Infinity; // The driver persisted it.
      log.merge(run(2, 1, 2), 0);
      assert.deepEqual(terms(log), [1, 1, 2]);
      assert.equal(log.unstableFrom, Infinity);
    });

    void it('truncates at the first real conflict (same index, other term) and appends the rest', () => {
      const log = logOf(1, 1, 2, 2, 2);
      log.merge(run(2, 1, 3), 0);
      assert.deepEqual(terms(log), [1, 1, 3], 'entries 4 and 5 followed the conflict and are gone');
      assert.equal(log.unstableFrom, 3);
      assert.equal(log.entry(3)?.command, 'c3');
    });

    void it('appends the new tail of a batch that overlaps a matching prefix', () => {
      const log = logOf(1, 1);
      log.merge(run(2, 1, 2, 2), 0);
      assert.deepEqual(terms(log), [1, 1, 2, 2]);
      assert.equal(log.unstableFrom, 3, 'only the appended entries are unstable');
    });

    void it('skips entries already covered by the snapshot', () => {
      const log = new RaftLog(snap(3, 2), run(4, 2));
      log.merge(run(2, 1, 2, 2, 3), 0);
      assert.equal(log.snapshotIndex, 3);
      assert.deepEqual(
        log.all().map((e) => [e.index, e.term]),
        [
          [4, 2],
          [5, 3],
        ],
      );
      assert.equal(log.unstableFrom, 5);
    });

    void it('a conflict at or below commitIndex throws RAFT_INVARIANT and changes nothing; above it truncates', () => {
      const log = logOf(1, 1, 2, 2);
      assert.throws(
        () => {
          log.merge(run(3, 1, 3), 3);
        },
        (e: unknown) => e instanceof RaftError && e.code === 'RAFT_INVARIANT',
      );
      assert.deepEqual(terms(log), [1, 1, 2, 2]);
      assert.equal(log.unstableFrom, Infinity);
      assert.throws(() => {
        log.merge(run(2, 1, 3, 3), 3);
      }, RaftError);
      assert.deepEqual(terms(log), [1, 1, 2, 2], 'a matching prefix is no excuse');
      log.merge(run(4, 3), 3);
      assert.deepEqual(terms(log), [1, 1, 2, 3], 'a conflict above the commit index truncates');
    });

    void it('a batch that would leave a gap throws RAFT_BAD_STATE and changes nothing', () => {
      const log = logOf(1, 1);
      assert.throws(() => {
        log.merge(run(4, 1), 0);
      }, isBadState);
      assert.deepEqual(terms(log), [1, 1]);
      assert.equal(log.unstableFrom, Infinity);
    });
  });

  void describe('isUpToDate (section 5.4.1)', () => {
    const log = logOf(1, 2, 2);

    void it('a later last term wins whatever the length', () => {
      assert.equal(log.isUpToDate(1, 3), true);
    });
    void it('an earlier last term loses whatever the length', () => {
      assert.equal(log.isUpToDate(10, 1), false);
    });
    void it('with the same last term, the longer or equal log wins', () => {
      assert.equal(log.isUpToDate(3, 2), true);
      assert.equal(log.isUpToDate(4, 2), true);
      assert.equal(log.isUpToDate(2, 2), false);
    });
    void it('anything is as up to date as an empty log', () => {
      assert.equal(new RaftLog(null, []).isUpToDate(0, 0), true);
    });
    void it('uses the snapshot term when the log after the snapshot is empty', () => {
      const compacted = new RaftLog(snap(5, 3), []);
      assert.equal(compacted.isUpToDate(5, 3), true);
      assert.equal(compacted.isUpToDate(4, 3), false);
      assert.equal(compacted.isUpToDate(9, 2), false);
    });
  });

  void describe('term searches for the fast backup', () => {
    void it('lastIndexOfTerm finds the last entry of a term, or undefined', () => {
      const log = logOf(1, 1, 2, 2, 4);
      assert.equal(log.lastIndexOfTerm(1), 2);
      assert.equal(log.lastIndexOfTerm(2), 4);
      assert.equal(log.lastIndexOfTerm(3), undefined);
      assert.equal(log.lastIndexOfTerm(4), 5);
      assert.equal(log.lastIndexOfTerm(5), undefined);
    });

    void it('lastIndexOfTerm sees the snapshot term but not what the snapshot hides', () => {
      const log = new RaftLog(snap(4, 2), run(5, 4));
      assert.equal(log.lastIndexOfTerm(2), 4);
      assert.equal(log.lastIndexOfTerm(1), undefined);
      assert.equal(new RaftLog(null, []).lastIndexOfTerm(0), undefined);
    });

    void it('firstIndexOfTermAt walks back to the first entry of the same term', () => {
      const log = logOf(1, 1, 2, 2, 2, 4);
      assert.equal(log.firstIndexOfTermAt(5), 3);
      assert.equal(log.firstIndexOfTermAt(3), 3);
      assert.equal(log.firstIndexOfTermAt(2), 1);
      assert.equal(log.firstIndexOfTermAt(6), 6);
    });

    void it('firstIndexOfTermAt stops at the first retained entry after a snapshot', () => {
      const log = new RaftLog(snap(3, 2), run(4, 2, 2, 4));
      assert.equal(log.firstIndexOfTermAt(5), 4);
    });
  });

  void describe('compact and restore', () => {
    void it('compact drops the entries through the snapshot and keeps its index and term', () => {
      const log = logOf(1, 1, 2, 2, 3);
      const s = snap(3, 2);
      log.compact(s);
      assert.equal(log.snapshotIndex, 3);
      assert.equal(log.snapshotTerm, 2);
      assert.equal(log.snapshot, s);
      assert.deepEqual(
        log.all().map((e) => e.index),
        [4, 5],
      );
      assert.equal(log.lastIndex(), 5);
      assert.equal(log.term(3), 2);
      assert.equal(log.unstableFrom, Infinity, 'the retained entries were already persisted');
    });

    void it('compact through the last entry leaves an empty tail with the right last term', () => {
      const log = logOf(1, 2);
      log.compact(snap(2, 2));
      assert.deepEqual(log.all(), []);
      assert.equal(log.lastIndex(), 2);
      assert.equal(log.lastTerm(), 2);
      assert.equal(log.append(3, 'x').index, 3);
    });

    void it('restore keeps the suffix when the log holds the snapshot last entry', () => {
      const log = logOf(1, 1, 2, 2, 3);
      log.restore(snap(3, 2));
      assert.equal(log.snapshotIndex, 3);
      assert.deepEqual(terms(log), [2, 3]);
      assert.equal(log.lastIndex(), 5);
      assert.equal(log.unstableFrom, Infinity);
    });

    void it('restore discards the whole log when the snapshot last entry has another term', () => {
      const log = logOf(1, 1, 1, 1, 1);
      log.restore(snap(3, 2));
      assert.equal(log.snapshotIndex, 3);
      assert.equal(log.snapshotTerm, 2);
      assert.deepEqual(log.all(), []);
      assert.equal(log.lastIndex(), 3);
      assert.equal(log.lastTerm(), 2);
      assert.equal(log.unstableFrom, 4, 'storage must drop everything after the snapshot');
    });

    void it('restore discards the log when the snapshot reaches past its end', () => {
      const log = logOf(1, 1);
      log.restore(snap(5, 1));
      assert.deepEqual(log.all(), []);
      assert.equal(log.lastIndex(), 5);
      assert.equal(log.unstableFrom, 6);
    });
  });

  void describe('unstableFrom', () => {
    void it('tracks the lowest changed index across appends and merges until the driver resets it', () => {
      const log = logOf(1, 1, 1);
      log.append(2, 'a');
      assert.equal(log.unstableFrom, 4);
      log.merge(run(2, 1, 3), 0);
      assert.equal(log.unstableFrom, 3, 'the conflict at 3 lowers it');
      log.unstableFrom = Infinity;
      log.merge(run(1, 1, 1, 3), 0);
      assert.equal(log.unstableFrom, Infinity, 'a matching merge changes nothing');
      log.append(3, 'b');
      assert.equal(log.unstableFrom, 4);
    });
  });
});
