import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InspectedEntry, RaftInspection } from '../lab-raft.js';
import { InvariantChecker } from './invariant-checker.js';

interface ViewSpec {
  readonly term: number;
  readonly role?: RaftInspection['role'];
  readonly commit?: number;
  readonly applied?: number;
  /** The snapshot's last index and term ([0, 0]: none). */
  readonly snap?: readonly [number, number];
  /** The entries after the snapshot, as [term, command]. */
  readonly log?: readonly (readonly [number, unknown])[];
}

/** A hand-made server state. */
function view(spec: ViewSpec): RaftInspection {
  const [snapshotIndex, snapshotTerm] = spec.snap ?? [0, 0];
  const entries: InspectedEntry[] = (spec.log ?? []).map(([term, command]) => ({ term, command }));
  const commitIndex = spec.commit ?? snapshotIndex;
  return {
    term: spec.term,
    role: spec.role ?? 'follower',
    commitIndex,
    appliedIndex: spec.applied ?? commitIndex,
    snapshotIndex,
    snapshotTerm,
    lastIndex: snapshotIndex + entries.length,
    lastTerm: entries.at(-1)?.term ?? snapshotTerm,
    entry: (index) => entries[index - snapshotIndex - 1],
  };
}

/** Three servers, one instance object each (a new object stands for a restart). */
class Cluster {
  readonly checker: InvariantChecker;
  readonly instances: object[];

  constructor(readonly n = 3) {
    this.checker = new InvariantChecker(n);
    this.instances = Array.from({ length: n }, () => ({}));
  }

  /** Server i's state after an event; the electability check runs as the tester runs it, after everyone. */
  see(i: number, spec: ViewSpec): string | null {
    return this.checker.observe(i, this.instances[i] as object, view(spec)) ?? this.checker.checkElectable();
  }

  restart(i: number): void {
    this.instances[i] = {};
  }
}

/** Asserts that the sequence passes until its last step, which breaches with a message matching `pattern`. */
function tripsAtLast(steps: readonly (() => string | null)[], pattern: RegExp): void {
  steps.forEach((step, k) => {
    const breach = step();
    if (k < steps.length - 1) assert.equal(breach, null, `step ${k} breached early: ${String(breach)}`);
    else assert.match(String(breach), pattern);
  });
}

void describe('InvariantChecker', () => {
  void it('accepts a legal history: election, replication, commit, snapshot, a lost uncommitted tail, restart', () => {
    const c = new Cluster();
    const steps: (() => string | null)[] = [
      // Server 2 leads term 2 and takes a command that never reaches anyone.
      () => c.see(2, { term: 2, role: 'leader', log: [[2, 'x']] }),
      () => c.see(2, { term: 3, log: [[2, 'x']] }),
      // Server 0 leads term 3 with server 1's vote, and commits.
      () => c.see(0, { term: 3, role: 'leader', log: [[3, 'a']] }),
      () => c.see(1, { term: 3, log: [[3, 'a']] }),
      () => c.see(0, { term: 3, role: 'leader', commit: 1, log: [[3, 'a']] }),
      () => c.see(1, { term: 3, commit: 1, log: [[3, 'a']] }),
      // Server 2's uncommitted entry is overwritten.
      () => c.see(2, { term: 3, log: [[3, 'a']] }),
      () =>
        c.see(1, {
          term: 3,
          commit: 1,
          log: [
            [3, 'a'],
            [3, 'b'],
          ],
        }),
      () =>
        c.see(0, {
          term: 3,
          role: 'leader',
          commit: 2,
          log: [
            [3, 'a'],
            [3, 'b'],
          ],
        }),
      () => c.see(0, { term: 3, role: 'leader', commit: 2, snap: [2, 3] }),
      // Server 1 restarts from its log: its commit index starts again lower.
      () => {
        c.restart(1);
        return c.see(1, {
          term: 3,
          commit: 0,
          log: [
            [3, 'a'],
            [3, 'b'],
          ],
        });
      },
      () =>
        c.see(1, {
          term: 3,
          commit: 2,
          log: [
            [3, 'a'],
            [3, 'b'],
          ],
        }),
    ];
    for (const [k, step] of steps.entries()) assert.equal(step(), null, `step ${k}`);
  });

  void it('Election Safety: two leaders in one term', () => {
    const c = new Cluster();
    tripsAtLast(
      [() => c.see(0, { term: 2, role: 'leader' }), () => c.see(1, { term: 2, role: 'leader' })],
      /^Election Safety: servers 0 and 1 both lead term 2$/,
    );
  });

  void it('Election Safety: a second leader of a term long gone', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () => c.see(0, { term: 2, role: 'leader' }),
        () => c.see(0, { term: 3 }),
        () => c.see(2, { term: 2, role: 'leader' }),
      ],
      /^Election Safety: servers 0 and 2 both lead term 2$/,
    );
  });

  void it('Log Matching: same index and term, different commands', () => {
    const c = new Cluster();
    tripsAtLast(
      [() => c.see(0, { term: 1, log: [[1, 'a']] }), () => c.see(1, { term: 1, log: [[1, 'b']] })],
      /^Log Matching: index 1 term 1 holds b at server 1 but held a at server 0$/,
    );
  });

  void it('Log Matching: same index and term, different entries before', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () =>
          c.see(0, {
            term: 3,
            log: [
              [1, 'a'],
              [3, 'c'],
            ],
          }),
        () =>
          c.see(1, {
            term: 3,
            log: [
              [2, 'a'],
              [3, 'c'],
            ],
          }),
      ],
      /^Log Matching: index 2 term 3 follows term 2 at server 1 but followed term 1 at server 0$/,
    );
  });

  void it('Log Matching: terms never decrease along a log', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () =>
          c.see(0, {
            term: 2,
            log: [
              [2, 'a'],
              [1, 'b'],
            ],
          }),
      ],
      /^Log Matching: server 0's log has term 1 at index 2 after term 2$/,
    );
  });

  void it('State Machine Safety: two servers commit different entries at one index', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () => c.see(0, { term: 1, commit: 1, log: [[1, 'a']] }),
        () => c.see(1, { term: 2, commit: 1, log: [[2, 'b']] }),
      ],
      /^State Machine Safety: server 1 committed b \(term 2\) at index 1, server 0 committed a \(term 1\)$/,
    );
  });

  void it("State Machine Safety: a snapshot's last entry disagrees with what was committed there", () => {
    const c = new Cluster();
    tripsAtLast(
      [() => c.see(0, { term: 1, commit: 1, log: [[1, 'a']] }), () => c.see(1, { term: 2, snap: [1, 2] })],
      /^State Machine Safety: server 1 committed term 2 at index 1, server 0 committed a \(term 1\)$/,
    );
  });

  void it('Leader Completeness: a leader lacks an entry committed in an earlier term', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () => c.see(0, { term: 1, commit: 1, log: [[1, 'a']] }),
        () => c.see(1, { term: 1, commit: 1, log: [[1, 'a']] }),
        () => c.see(2, { term: 2, role: 'leader' }),
      ],
      /^Leader Completeness: leader 2 of term 2 has no entry at index 1, where a \(term 1\) was committed \(by term 1 at the latest\)$/,
    );
  });

  void it('Leader Completeness: a leader learns of an entry committed in an earlier term after its election', () => {
    const c = new Cluster();
    tripsAtLast(
      [
        () => c.see(2, { term: 3, role: 'leader' }),
        () => c.see(1, { term: 1, log: [[1, 'a']] }),
        () => c.see(0, { term: 1, commit: 1, log: [[1, 'a']] }),
        () => c.see(2, { term: 3, role: 'leader' }), // Unchanged itself: the fast path checks it.
      ],
      /^Leader Completeness: leader 2 of term 3 has no entry at index 1, where a \(term 1\) was committed/,
    );
  });

  void it('Leader Completeness does not bind a stale leader to entries committed in its term or later', () => {
    const c = new Cluster();
    assert.equal(c.see(2, { term: 1, role: 'leader' }), null);
    assert.equal(c.see(0, { term: 2, log: [[2, 'b']] }), null);
    assert.equal(c.see(1, { term: 2, commit: 1, log: [[2, 'b']] }), null); // Committed in term 2.
    // Cut off, the leader of term 1 still takes commands; it is not bound to hold 'b'.
    assert.equal(c.see(2, { term: 1, role: 'leader', log: [[1, 's']] }), null);
  });

  void it('Leader Completeness looking ahead: a server lacking a committed entry must not be electable', () => {
    const c = new Cluster(5);
    // Index 1 (term 2) is committed on servers 0-2 while server 3 holds a term-3 entry there: the Figure 8
    // situation after a leader committed an old-term entry by counting replicas. Server 3 would win votes from
    // 0, 1, 2 and 4, and overwrite index 1.
    tripsAtLast(
      [
        () => c.see(3, { term: 3, log: [[3, 'y']] }),
        () => c.see(1, { term: 4, log: [[2, 'x']] }),
        () => c.see(2, { term: 4, log: [[2, 'x']] }),
        () => c.see(0, { term: 4, role: 'leader', commit: 1, log: [[2, 'x']] }),
      ],
      /^Leader Completeness: server 3 lacks committed entry 1 \(x \(term 2\)\) but its log \(last term 3, last index 1\) is as up to date as 5 of 5 servers' logs: it could be elected and overwrite it$/,
    );
  });

  void it('Leader Completeness looking ahead holds once the commit carries an entry of the leader term', () => {
    const c = new Cluster(5);
    const log: (readonly [number, unknown])[] = [
      [2, 'x'],
      [4, 'z'],
    ];
    assert.equal(c.see(3, { term: 3, log: [[3, 'y']] }), null);
    assert.equal(c.see(1, { term: 4, log }), null);
    assert.equal(c.see(2, { term: 4, log }), null);
    assert.equal(c.see(0, { term: 4, role: 'leader', commit: 2, log }), null);
  });

  void it('a server must not drop or rewrite an entry it committed', () => {
    const dropped = new Cluster();
    tripsAtLast(
      [
        () =>
          dropped.see(0, {
            term: 1,
            commit: 2,
            log: [
              [1, 'a'],
              [1, 'b'],
            ],
          }),
        () => dropped.see(0, { term: 1, commit: 2, log: [[1, 'a']] }),
      ],
      /^server 0's commitIndex 2 is beyond its last log index 1$/,
    );
    const rewritten = new Cluster();
    tripsAtLast(
      [
        () =>
          rewritten.see(0, {
            term: 1,
            commit: 2,
            log: [
              [1, 'a'],
              [1, 'b'],
            ],
          }),
        () =>
          rewritten.see(0, {
            term: 2,
            commit: 2,
            log: [
              [1, 'a'],
              [2, 'c'],
              [2, 'd'],
            ],
          }),
      ],
      /^server 0 rewrote entry 2, which it had committed \(commitIndex 2\)$/,
    );
  });

  void it('commitIndex and appliedIndex never move backwards within one incarnation', () => {
    const log: (readonly [number, unknown])[] = [
      [1, 'a'],
      [1, 'b'],
    ];
    const commit = new Cluster();
    tripsAtLast(
      [() => commit.see(0, { term: 1, commit: 2, log }), () => commit.see(0, { term: 1, commit: 1, log })],
      /^server 0's commitIndex moved backwards from 2 to 1$/,
    );
    const applied = new Cluster();
    tripsAtLast(
      [
        () => applied.see(0, { term: 1, commit: 2, applied: 2, log }),
        () => applied.see(0, { term: 1, commit: 2, applied: 1, log }),
      ],
      /^server 0's appliedIndex moved backwards from 2 to 1$/,
    );
  });

  void it('a restart may start commitIndex again lower, but never the term', () => {
    const c = new Cluster();
    assert.equal(c.see(0, { term: 4, commit: 1, log: [[1, 'a']] }), null);
    c.restart(0);
    assert.equal(c.see(0, { term: 4, commit: 0, log: [[1, 'a']] }), null);
    c.restart(0);
    assert.match(
      String(c.see(0, { term: 3, log: [[1, 'a']] })),
      /^server 0's term moved backwards from 4 to 3$/,
    );
  });

  void it('indices keep their order: applied <= commit <= last, snapshot <= commit', () => {
    assert.match(
      String(new Cluster().see(0, { term: 1, commit: 1, applied: 2, log: [[1, 'a']] })),
      /^server 0's appliedIndex 2 is beyond its commitIndex 1$/,
    );
    assert.match(
      String(new Cluster().see(0, { term: 1, commit: 0, applied: 0, snap: [3, 1] })),
      /^server 0's snapshot through 3 covers uncommitted entries \(commitIndex 0\)$/,
    );
  });
});
