// The retransmit wait (RFC 6298 in ticks): what it is before and after samples, and that whole-tick samples never
// make it resend a message within the tick it left.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetransmitTimer } from './retransmit-timer.js';

void describe('RetransmitTimer', () => {
  void it('waits the whole cap before any round trip is measured', () => {
    assert.equal(new RetransmitTimer(10).timeout(), 10);
  });

  void it('after round trips under a tick, waits two ticks, never one (granularity)', () => {
    const t = new RetransmitTimer(10);
    for (let i = 0; i < 20; i++) t.sample(0);
    // One tick would resend a message sent late in a tick a moment later, every tick: what a first sample of 0
    // (RTTVAR 0) once caused.
    assert.equal(t.timeout(), 2);
  });

  void it('grows with slow and jittery round trips, up to the cap', () => {
    const t = new RetransmitTimer(10);
    t.sample(1);
    const steady = t.timeout();
    for (const s of [0, 3, 1, 4, 0, 3]) t.sample(s);
    assert.ok(t.timeout() > steady, `${t.timeout()} after jitter, ${steady} before`);
    for (let i = 0; i < 10; i++) t.sample(40);
    assert.equal(t.timeout(), 10, 'capped');
  });
});
