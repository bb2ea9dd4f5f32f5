// The viewer in a real browser: headless Chromium (Debian's package, driven by playwright-core) opens the HTML
// timelines of a failing and a passing run and of the suite's largest trace, and checks what a reader would see.
// Without Chromium the tests are skipped, loudly: install it with `apt-get install -y chromium` (.ci/run does).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runTraced, type TraceOptions } from '../src/lab/runner/index.js';
import type { TraceEvent, TraceHeader } from '../src/lab/trace/index.js';
import { suite } from '../test/lab/suite.js';
import { basicAgreementTest, brokenAgreementTest } from '../test/support/broken-raft.js';
import type { ViewerHook } from './viewer/app.js';
import { renderTraceHtml } from './build-html.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve('traces', 'browser-test');
const missing = existsSync(CHROMIUM)
  ? false
  : `SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (missing !== false) console.error(`\nviewer browser test ${missing}\n`);

declare global {
  interface Window {
    raftViewer?: ViewerHook;
    raftViewerError?: string;
  }
}

let browser: Browser | undefined;
let dir = '';

before(async () => {
  if (missing !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'raft-ts-viewer-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  await browser?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Runs a lab test with tracing on and returns its trace's events and HTML file. */
async function traced(test: Parameters<typeof runTraced>[0]) {
  const options: TraceOptions = { dir, always: true, render: renderTraceHtml };
  const result = await runTraced(test, 1, options);
  const [first, ...rest] = readFileSync(result.trace?.jsonl ?? '', 'utf8')
    .trimEnd()
    .split('\n');
  return {
    result,
    header: JSON.parse(first ?? '') as TraceHeader,
    events: rest.map((line) => JSON.parse(line) as TraceEvent),
    html: result.trace?.html ?? '',
  };
}

/** Opens an HTML timeline from disk, as a double click would, and waits for the viewer. */
async function open(html: string): Promise<Page> {
  assert.ok(browser !== undefined);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The file must need nothing but itself: any request beyond it fails the test.
  await page.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort(),
  );
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction(() => window.raftViewer !== undefined || window.raftViewerError !== undefined);
  assert.equal(await page.evaluate(() => window.raftViewerError), undefined);
  assert.deepEqual(errors, []);
  return page;
}

/** The logs every server holds after the events up to time `t`, replayed here from the trace itself. */
function logsAt(events: readonly TraceEvent[], servers: number, t: number) {
  const terms: number[][] = Array.from({ length: servers }, () => []);
  const commit = new Array<number>(servers).fill(0);
  for (const e of events) {
    if (e.t > t) break;
    if (e.k === 'commit') commit[e.s] = e.commit;
    if (e.k === 'log') {
      const log = terms[e.s] ?? [];
      log.length = Math.min(log.length, e.from - 1);
      for (const [term, count] of e.terms) for (let k = 0; k < count; k++) log.push(term);
    }
  }
  return terms.map((log, s) =>
    log.map((term, k) => ({ index: k + 1, term, committed: k + 1 <= (commit[s] ?? 0) })),
  );
}

/** The colour of the canvas pixel at time `t` on server `s`'s lane, as [r, g, b]. */
async function laneColor(page: Page, s: number, t: number): Promise<number[]> {
  return page.evaluate(
    ([server, time]) => {
      const hook = window.raftViewer as ViewerHook;
      const y = hook.lanes()[server]?.y ?? 0;
      const canvas = document.getElementById('timeline') as HTMLCanvasElement;
      const ratio = canvas.width / canvas.clientWidth;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      // 12 px above the lane's centre line: inside the lane, clear of its label.
      return [...ctx.getImageData(hook.x(time) * ratio, (y - 12) * ratio, 1, 1).data.slice(0, 3)];
    },
    [s, t] as const,
  );
}

const LEADER_GREEN = [0x43, 0xa0, 0x47];

void describe('HTML timeline in Chromium', { skip: missing }, () => {
  void it('shows a failing run: lanes by role, the first failure and its message, the logs at any time', async () => {
    const { result, header, events, html } = await traced(brokenAgreementTest);
    assert.ok(!result.passed);
    const page = await open(html);
    try {
      const hook = await page.evaluate(() => {
        const h = window.raftViewer as ViewerHook;
        return {
          test: h.test,
          events: h.events,
          failure: h.failure,
          lanes: h.lanes().length,
          cursor: h.cursor(),
        };
      });
      assert.equal(hook.test, 'TestBrokenAgreement');
      assert.equal(hook.events, events.length);
      assert.equal(hook.lanes, header.servers);
      // The first failed check, its message, and the cursor on it when the page opens.
      const fail = events.find((e) => e.k === 'fail');
      assert.ok(fail?.k === 'fail');
      assert.deepEqual(hook.failure, { t: fail.t, message: 'one(100) failed to reach agreement' });
      assert.equal(hook.cursor.t, fail.t);
      assert.match(
        (await page.textContent('#failure')) ?? '',
        /First failed check at 2\.\d{3} s: one\(100\) failed to reach agreement/,
      );
      assert.match((await page.textContent('h1')) ?? '', /FAILED/);

      // The leader's lane is green while it leads, and another server's lane is not.
      const won = events.find((e) => e.k === 'state' && e.role === 'leader');
      assert.ok(won?.k === 'state');
      const lost = events.find((e) => e.k === 'state' && e.s === won.s && e.t > won.t);
      // A moment while it leads and already holds the entry that never replicates.
      const stored = events.find((e) => e.k === 'log' && e.s === won.s && e.t >= won.t);
      assert.ok(stored !== undefined);
      const during = (stored.t + (lost?.t ?? fail.t)) / 2;
      assert.deepEqual(await laneColor(page, won.s, during), LEADER_GREEN);
      assert.notDeepEqual(await laneColor(page, (won.s + 1) % header.servers, during), LEADER_GREEN);

      // Scrub with the slider to a moment when the leader holds an entry nobody else has.
      const t = Math.round(during);
      await page.locator('#slider').fill(String(t));
      // The cursor lands on the last event at or before t; the page shows it on the next frame.
      const cursorT = await page.evaluate(() => (window.raftViewer as ViewerHook).cursor().t);
      assert.ok(cursorT <= t && !events.some((e) => e.t > cursorT && e.t <= t));
      await page.waitForFunction(
        (at) => document.getElementById('clock')?.textContent.startsWith(`t = ${at} s`) === true,
        (cursorT / 1000).toFixed(3),
      );
      const state = await page.evaluate(() => (window.raftViewer as ViewerHook).state());
      const expected = logsAt(events, header.servers, cursorT);
      assert.deepEqual(
        state.servers.map((s) => s.log),
        expected,
      );
      assert.equal(state.leader, won.s);
      assert.deepEqual(expected[won.s], [{ index: 1, term: won.term, committed: false }]);
      // The DOM shows the same: the leader's entry 1, outlined as not committed, and why.
      const cells = await page.$$eval('#logs .cell[data-index]', (nodes) =>
        nodes.map((n) => [(n as HTMLElement).dataset.index, (n as HTMLElement).dataset.committed]),
      );
      assert.deepEqual(cells, [['1', 'false']]);
      const why = (await page.textContent('#why')) ?? '';
      assert.match(why, new RegExp(`S${won.s} is the leader of term ${won.term}`));
      assert.match(why, /Entry 1 \(term \d+\) is stored on 1 of 3 servers .*committing needs 2/);
      assert.match(why, /lacks it: \d+ AppendEntries carried it: \d+ answered with no valid reply/);

      // Keys: the next event, the next leader change, back to the failure.
      const before = await page.evaluate(() => (window.raftViewer as ViewerHook).cursor().upto);
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((n) => window.raftViewer?.cursor().upto === n + 1, before);
      await page.keyboard.press('l');
      const next = await page.evaluate(() => (window.raftViewer as ViewerHook).cursor());
      const laterChange = events.findIndex(
        (e, k) => k >= before + 1 && e.k === 'state' && e.role === 'leader',
      );
      if (laterChange === -1) {
        // Nobody else ever leads in this run: the key leaves the cursor where it was.
        assert.equal(next.upto, before + 1);
      } else {
        assert.equal(next.upto, laterChange + 1);
      }
      await page.keyboard.press('f');
      assert.equal(await page.evaluate(() => (window.raftViewer as ViewerHook).cursor().t), fail.t);
      await page.screenshot({ path: join(SCREENSHOTS, 'failing-run.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  void it('shows a passing run, with every entry committed at its end and a zoom on demand', async () => {
    const { result, header, events, html } = await traced(basicAgreementTest);
    assert.ok(result.passed);
    const page = await open(html);
    try {
      assert.match((await page.textContent('h1')) ?? '', /PASSED/);
      assert.equal(await page.$('#failure'), null);
      const end = events.at(-1)?.t ?? 0;
      await page.evaluate((t) => {
        (window.raftViewer as ViewerHook).seek(t);
      }, end);
      const state = await page.evaluate(() => (window.raftViewer as ViewerHook).state());
      assert.deepEqual(
        state.servers.map((s) => s.log),
        logsAt(events, header.servers, end),
      );
      for (const s of state.servers) {
        assert.deepEqual(
          s.log.map((e) => [e.index, e.committed]),
          [1, 2, 3, 4, 5].map((i) => [i, true]),
        );
      }
      await page.keyboard.press('+');
      const view = await page.evaluate(() => (window.raftViewer as ViewerHook).view());
      assert.ok(view.t1 - view.t0 < end * 0.6, `zoomed to ${JSON.stringify(view)}`);
      await page.screenshot({ path: join(SCREENSHOTS, 'passing-run.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  void it('stays responsive on the largest trace of the suite (TestReliableChurn2C)', async (t) => {
    const churn = suite.find((test) => test.name === 'TestReliableChurn2C');
    assert.ok(churn !== undefined);
    const { events, html } = await traced(churn);
    const page = await open(html);
    try {
      const { loadMs, readyMs } = await page.evaluate(() => {
        const h = window.raftViewer as ViewerHook;
        return { loadMs: h.loadMs, readyMs: h.readyMs };
      });
      const scrub = await page.evaluate(() => (window.raftViewer as ViewerHook).measureFps(1500, 'scrub'));
      const pan = await page.evaluate(() => (window.raftViewer as ViewerHook).measureFps(1500, 'pan'));
      const size = (readFileSync(html).byteLength / 1e6).toFixed(1);
      t.diagnostic(
        `TestReliableChurn2C: ${events.length} events, ${size} MB of HTML; ready ${readyMs.toFixed(0)} ms after ` +
          `navigation (parse+index+draw ${loadMs.toFixed(0)} ms); scrubbing ${scrub.toFixed(0)} fps, ` +
          `panning a zoomed view ${pan.toFixed(0)} fps`,
      );
      // Generous bounds: the machine running the tests may be busy; these catch a viewer that chokes.
      assert.ok(events.length > 50_000);
      assert.ok(readyMs < 15_000, `ready after ${readyMs} ms`);
      assert.ok(scrub > 5 && pan > 3, `scrub ${scrub} fps, pan ${pan} fps`);
      await page.screenshot({ path: join(SCREENSHOTS, 'largest-trace.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});
