// Progress's round-trip samples follow Karn's rule: an acknowledgement that may answer either of two copies of a
// message measures nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from './progress.js';

const streaming = (): Progress => {
  const pr = new Progress(0, 0, { maxInflightMessages: 8, maxInflightBytes: Infinity, retransmitTicks: 10 });
  pr.becomeReplicate();
  return pr;
};

void describe("Progress round-trip samples (Karn's rule)", () => {
  void it('a message sent once and acknowledged gives a sample', () => {
    const pr = streaming();
    pr.sentEntries(0, 1, 1, 0, false);
    pr.acknowledge(1, 0);
    assert.equal(pr.timer.timeout(), 2, 'measured: under a tick');
  });

  void it('a message sent twice gives none: the answer may be to either copy', () => {
    const pr = streaming();
    pr.sentEntries(0, 1, 1, 0, false);
    const lost = pr.lost(1, 1);
    assert.ok(lost !== undefined);
    pr.resent(lost, 6);
    pr.acknowledge(1, 6);
    assert.equal(pr.timer.timeout(), 10, 'nothing measured: still the cap');
  });

  void it('after a fall back to probing, an answer no further than what was in flight gives none', () => {
    const pr = streaming();
    pr.sentEntries(0, 2, 2, 0, false);
    pr.becomeProbe(); // The probe repeats entries 1..2, which may still be answered from the stream.
    pr.sentEntries(0, 2, 2, 3, false);
    pr.acknowledge(2, 3);
    assert.equal(pr.timer.timeout(), 10);
    assert.equal(pr.state, 'replicate');
  });
});
