import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { basicAgreementTest, brokenAgreementTest } from '../../../test/support/broken-raft.js';
import { TRACE_FORMAT, TRACE_VERSION, type TraceEvent, type TraceHeader } from '../trace/index.js';
import { runLabTest } from './run-test.js';
import { runTraced, traceLines, type TraceOptions } from './traced-run.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function options(always: boolean): TraceOptions {
  const dir = mkdtempSync(join(tmpdir(), 'raft-ts-trace-'));
  dirs.push(dir);
  return { dir, always, render: (text) => `<html>${String(text.split('\n').length)}</html>` };
}

function parse(path: string): { header: TraceHeader; events: TraceEvent[] } {
  const [first, ...rest] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return {
    header: JSON.parse(first ?? '') as TraceHeader,
    events: rest.map((line) => JSON.parse(line) as TraceEvent),
  };
}

void describe('runTraced', () => {
  void it('writes nothing for a passing run unless asked to', async () => {
    const opts = options(false);
    const result = await runTraced(basicAgreementTest, 1, opts);
    assert.ok(result.passed);
    assert.equal(result.trace, null);
    assert.deepEqual(readdirSync(opts.dir), []);
  });

  void it("writes a failing run's trace and timeline, which show the failure", async () => {
    const opts = options(false);
    const lines: string[] = [];
    const result = await runTraced(brokenAgreementTest, 1, opts, (line) => lines.push(line));
    assert.ok(!result.passed);
    assert.deepEqual(result.trace, {
      jsonl: join(opts.dir, 'TestBrokenAgreement-seed1.jsonl'),
      html: join(opts.dir, 'TestBrokenAgreement-seed1.html'),
    });
    assert.ok(existsSync(result.trace.html));
    assert.deepEqual(traceLines(result.trace), [
      `      trace:    ${result.trace.jsonl}`,
      `      timeline: ${result.trace.html}`,
    ]);
    const { header, events } = parse(result.trace.jsonl);
    assert.deepEqual(
      [header.format, header.version, header.test, header.seed, header.servers],
      [TRACE_FORMAT, TRACE_VERSION, 'TestBrokenAgreement', 1, 3],
    );
    const fail = events.find((e) => e.k === 'fail');
    assert.equal(fail?.k === 'fail' ? fail.message : '', 'one(100) failed to reach agreement');
    const last = events.at(-1);
    assert.deepEqual(last?.k === 'result' && [last.passed, last.message], [false, result.message]);
    // The leader stored the command; the followers ignored every AppendEntries that carried it.
    const logs = events.filter((e) => e.k === 'log');
    assert.deepEqual(
      logs.map((e) => [e.s, e.from, e.commands]),
      [[logs[0]?.s, 1, ['100']]],
    );
    assert.ok(events.some((e) => e.k === 'send' && e.type === 'AppendEntries' && e.entries === 1));
  });

  void it('records a run without changing it, and the same seed gives the same trace, byte for byte', async () => {
    const opts = options(true);
    const plain = await runLabTest(basicAgreementTest, 5);
    const first = await runTraced(basicAgreementTest, 5, opts);
    const bytes = readFileSync(first.trace?.jsonl ?? '');
    const second = await runTraced(basicAgreementTest, 5, opts);
    assert.deepEqual(first.lines, plain.lines);
    assert.deepEqual(readFileSync(second.trace?.jsonl ?? ''), bytes);
    // Time never runs backwards, and every event of the kinds a reader needs is there.
    const { events } = parse(first.trace?.jsonl ?? '');
    assert.ok(events.every((e, k) => k === 0 || e.t >= (events[k - 1]?.t ?? 0)));
    const kinds = new Set(events.map((e) => e.k));
    for (const kind of [
      'state',
      'vote',
      'commit',
      'log',
      'persist',
      'apply',
      'send',
      'recv',
      'reply',
      'done',
    ]) {
      assert.ok(kinds.has(kind as TraceEvent['k']), `no ${kind} event`);
    }
  });
});
