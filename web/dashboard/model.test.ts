import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DashboardModel, parseStatus, type MemberStatus } from './model.js';

const A = 'http://127.0.0.1:8001';
const B = 'http://127.0.0.1:8002';
const C = 'http://127.0.0.1:8003';
const members = [
  { id: 1, client: A },
  { id: 2, client: B },
  { id: 3, client: C },
];

function status(id: number, requests: number, extra: Partial<MemberStatus> = {}): MemberStatus {
  return {
    id,
    role: id === 1 ? 'leader' : 'follower',
    term: 2,
    leader: 1,
    commit: 5,
    applied: 5,
    requests,
    ...extra,
  };
}

void describe('dashboard model', () => {
  it('learns the members from the first answer and polls them all', () => {
    const model = new DashboardModel(A);
    assert.deepEqual(model.clients(), [A]);
    model.observe(A, 0, status(1, 0, { members }));
    assert.deepEqual(model.clients(), [A, B, C]);
    assert.deepEqual(
      model.rows().map((r) => r.id),
      [1, 2, 3],
    );
  });

  it("does not poll the page's own member twice when the list names it by another URL", () => {
    const model = new DashboardModel('http://localhost:8001');
    model.observe('http://localhost:8001', 0, status(1, 0, { members }));
    assert.deepEqual(model.clients(), ['http://localhost:8001', B, C]);
  });

  it("draws the cluster rate as the sum of the members' counter deltas per second", () => {
    const model = new DashboardModel(A);
    model.observe(A, 0, status(1, 100, { members }));
    model.observe(B, 0, status(2, 10));
    model.endRound(0);
    assert.deepEqual(model.series(), []); // one answer each: no rate yet
    model.observe(A, 1000, status(1, 400));
    model.observe(B, 1000, status(2, 60));
    model.endRound(1000);
    model.observe(A, 2000, status(1, 400));
    model.observe(B, 2500, status(2, 210)); // 150 in 1.5 s
    model.endRound(2500);
    assert.deepEqual(model.series(), [
      { t: 1000, rps: 350 },
      { t: 2500, rps: 100 },
    ]);
    assert.equal(model.rows()[0]?.rps, 0);
  });

  it('shows a member that stops answering as down since then, and counts a restart from zero', () => {
    const model = new DashboardModel(A);
    model.observe(A, 0, status(1, 50, { members }));
    model.observe(C, 0, status(3, 50));
    model.observe(C, 1000, null);
    model.observe(C, 2000, null);
    const down = model.rows().find((r) => r.id === 3);
    assert.ok(down !== undefined);
    assert.equal(down.downSince, 1000);
    assert.equal(down.rps, null);
    model.observe(C, 3000, status(3, 5));
    model.observe(C, 4000, status(3, 2)); // restarted again in between: 2 served since
    assert.equal(model.rows().find((r) => r.id === 3)?.downSince, null);
    assert.equal(model.rows().find((r) => r.id === 3)?.rps, 2);
  });

  it('keeps one minute of the line', () => {
    const model = new DashboardModel(A, 60_000);
    for (let t = 0; t <= 90_000; t += 1000) {
      model.observe(A, t, status(1, t));
      model.endRound(t);
    }
    const series = model.series();
    assert.equal(series[0]?.t, 30_000);
    assert.equal(series.at(-1)?.t, 90_000);
    assert.ok(series.every((p) => p.rps === 1000));
  });

  it('reads /status bodies, refusing ones without id, role and term', () => {
    assert.equal(parseStatus(null), null);
    assert.equal(parseStatus({ id: 1, role: 'leader' }), null);
    assert.deepEqual(
      parseStatus({ id: 1, role: 'leader', term: 3, leader: 1, members: [{ id: 2, client: B + '/' }] }),
      {
        id: 1,
        role: 'leader',
        term: 3,
        leader: 1,
        commit: 0,
        applied: 0,
        requests: 0,
        members: [{ id: 2, client: B }],
      },
    );
  });
});
