// The live dashboard: polls GET /status of every member once a second (the page's own member first, which names
// the others), and redraws the members table and the requests-per-second line.
import { DashboardModel, parseStatus, type MemberRow, type RatePoint } from './model.js';
import { renderChart, renderTable } from './render.js';

const POLL_MS = 1_000;
const WINDOW_MS = 60_000;

/** What the browser test reads. */
export interface DashboardHook {
  rows(): MemberRow[];
  series(): readonly RatePoint[];
  rounds: number;
}

declare global {
  interface Window {
    raftDashboard?: DashboardHook;
  }
}

async function fetchStatus(client: string): Promise<unknown> {
  const res = await fetch(`${client}/status`, {
    signal: AbortSignal.timeout(POLL_MS - 100),
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

function start(): void {
  const model = new DashboardModel(window.location.origin, WINDOW_MS);
  const table = document.getElementById('members') as HTMLTableElement;
  const chart = document.getElementById('chart') as unknown as SVGSVGElement;
  const updated = document.getElementById('updated') as HTMLElement;
  const hook: DashboardHook = { rows: () => model.rows(), series: () => model.series(), rounds: 0 };
  window.raftDashboard = hook;

  const round = async (): Promise<void> => {
    await Promise.all(
      model.clients().map(async (client) => {
        const status = await fetchStatus(client).then(parseStatus, () => null);
        model.observe(client, performance.now(), status);
      }),
    );
    const now = performance.now();
    model.endRound(now);
    renderTable(table, model.rows(), now);
    renderChart(chart, model.series(), now, WINDOW_MS);
    updated.textContent = new Date().toLocaleTimeString();
    hook.rounds++;
  };
  const loop = (): void => {
    const started = performance.now();
    void round().finally(() => {
      setTimeout(loop, Math.max(0, POLL_MS - (performance.now() - started)));
    });
  };
  loop();
}

start();
