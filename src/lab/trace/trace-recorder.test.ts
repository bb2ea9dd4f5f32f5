import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRACE_FORMAT, TRACE_VERSION } from './trace-event.js';
import { TraceRecorder } from './trace-recorder.js';

void describe('TraceRecorder', () => {
  void it('writes a header line, the events stamped with the clock, and a result line', () => {
    let now = 0;
    const trace = new TraceRecorder('TestX', 7);
    trace.attach(() => now, { servers: 3, unreliable: true, snapshot: false });
    trace.emit({ k: 'crash', s: 1 });
    now = 250;
    const step = trace.beginStep('one', '100');
    now = 300;
    trace.endStep(step, 'index 1');
    const lines = trace.finish(true, '').trimEnd().split('\n');
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      test: 'TestX',
      seed: 7,
      servers: 3,
      unreliable: true,
      snapshot: false,
    });
    assert.deepEqual(lines.slice(1), [
      '{"t":0,"k":"crash","s":1}',
      '{"t":250,"k":"begin","step":1,"op":"one","args":"100"}',
      '{"t":300,"k":"end","step":1,"result":"index 1"}',
      '{"t":300,"k":"result","passed":true,"message":""}',
    ]);
  });

  void it('keeps only the first failure, and records a crash that was no check as the failure', () => {
    const first = new TraceRecorder('TestX', 1);
    first.fail('expected one leader, got none');
    first.fail('an echo of the test unwinding');
    const lines = first.finish(false, 'expected one leader, got none').trimEnd().split('\n');
    assert.equal(lines.filter((l) => l.includes('"k":"fail"')).length, 1);
    assert.match(lines[1] ?? '', /expected one leader, got none/);

    const crashed = new TraceRecorder('TestY', 1);
    const text = crashed.finish(false, 'TypeError: boom');
    assert.match(text, /"k":"fail","message":"TypeError: boom"/);
  });

  void it('ignores the end of a step that was never opened', () => {
    const trace = new TraceRecorder('TestX', 1);
    trace.endStep(undefined, 'nothing');
    assert.equal(trace.size, 0);
  });
});
