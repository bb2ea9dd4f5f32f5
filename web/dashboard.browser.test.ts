// The live dashboard in a real browser: a cluster of three `raft-ts node` processes, headless Chromium (Debian's
// package, driven by playwright-core) opening GET / of one member. It must show three members and one leader, a
// requests-per-second line that rises under traffic, and a killed member as down.
// Without Chromium the test is skipped, loudly: install it with `apt-get install -y chromium` (.ci/run does).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { KvClient } from '../src/client/index.js';
import { startWithClientPeers } from '../test/runtime/kv-cluster.js';
import { TestCluster, until } from '../test/runtime/member-processes.js';
import type { DashboardHook } from './dashboard/main.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve('traces', 'browser-test');
const missing = existsSync(CHROMIUM)
  ? false
  : `SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (missing !== false) console.error(`\ndashboard browser test ${missing}\n`);

declare global {
  interface Window {
    raftDashboard?: DashboardHook;
  }
}

let browser: Browser | undefined;
let cluster: TestCluster | undefined;

before(async () => {
  if (missing !== false) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  cluster = await TestCluster.create(3);
  startWithClientPeers(cluster);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  await browser?.close();
  await cluster?.destroy();
});

/** What the page shows: its rows as the table has them, and the last points of its line. */
async function shown(page: Page) {
  return page.evaluate(() => {
    const hook = window.raftDashboard as DashboardHook;
    const rows = [...document.querySelectorAll('#members tbody tr')].map((tr) => ({
      member: tr.getAttribute('data-member'),
      className: tr.className,
      state: tr.querySelector('td.state')?.textContent ?? '',
    }));
    return {
      rounds: hook.rounds,
      rows,
      rates: hook.series().map((p) => p.rps),
      line: document.getElementById('rps-line')?.getAttribute('points') ?? '',
    };
  });
}

void describe('dashboard in Chromium', { skip: missing, timeout: 120_000 }, () => {
  it('shows the members and the leader, the request rate under traffic, and a killed member as down', async () => {
    assert.ok(browser !== undefined && cluster !== undefined);
    const c = cluster;
    const leader = (await c.waitLeader(15_000)).id;
    const ports = c.members.map((m) => m.clientPort);
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The page may reach the members and nothing else (no CDN, no external network).
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      return url.hostname === '127.0.0.1' && ports.includes(Number(url.port))
        ? route.continue()
        : route.abort();
    });
    const origin = `http://127.0.0.1:${c.member(1).clientPort}`;
    await page.goto(`${origin}/`);

    // Three members, one of them the leader the cluster reports (compared at one moment: on a loaded machine
    // leadership may move while the page loads).
    const settled = await until("three members and the cluster's leader on the page", 15_000, async () => {
      const s = await shown(page);
      const leaders = s.rows.filter((r) => r.className === 'leader');
      const now = await c.statuses();
      const actual = now.find((st) => st.role === 'leader')?.id;
      return s.rows.length === 3 &&
        leaders.length === 1 &&
        leaders[0]?.member === String(actual) &&
        s.rows.every((r) => r.state !== 'waiting')
        ? s
        : undefined;
    });
    assert.deepEqual(
      settled.rows.map((r) => r.member),
      ['1', '2', '3'],
    );
    const idle = Math.max(0, ...settled.rates.slice(-2));

    // Traffic: the line rises well above what it showed idle, while the writes go on.
    const client = new KvClient({ endpoints: ports.map((p) => `http://127.0.0.1:${p}`) });
    const traffic = { on: true };
    let written = 0;
    const writer = (async () => {
      while (traffic.on) {
        await client.put(`dash/${written % 100}`, 'x');
        written++;
      }
    })();
    try {
      const busy = await until('the requests-per-second line to rise under traffic', 20_000, async () => {
        const s = await shown(page);
        const last = s.rates.at(-1) ?? 0;
        return last >= idle + 20 ? s : undefined;
      });
      assert.ok(busy.line.split(' ').length >= 2, 'the line has points');
    } finally {
      traffic.on = false;
      await writer;
      client.close();
    }
    assert.ok(written > 20, `${written} writes`);

    // A killed member turns red as down; the others stay up.
    const victim = c.members.find((m) => m.id !== leader)?.id ?? 3;
    await c.kill9(victim);
    const down = await until('the killed member shown as down', 15_000, async () => {
      const s = await shown(page);
      const row = s.rows.find((r) => r.member === String(victim));
      return row?.className === 'down' ? s : undefined;
    });
    assert.match(down.rows.find((r) => r.member === String(victim))?.state ?? '', /^down \d+ s$/);
    assert.equal(down.rows.filter((r) => r.className === 'down').length, 1);
    await page.screenshot({ path: resolve(SCREENSHOTS, 'dashboard.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
