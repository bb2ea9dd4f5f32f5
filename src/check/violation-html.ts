import type { CheckResult, PartitionResult } from './check.js';
import { describeOperation, describeState, describeTime } from './describe.js';
import type { Model, Operation } from './model.js';

const ROW_HEIGHT = 26;
const BAR_HEIGHT = 18;
const AXIS_HEIGHT = 24;
const PAD = 12;

/**
 * A self-contained HTML page (inline CSS and script, nothing fetched) showing a check's result as Porcupine's
 * visualization does: per partition, each client's operations as bars on a time axis. For an illegal partition
 * the smallest prefix that cannot be linearized is highlighted, the operation that closes it is marked, and the
 * states the search stood in when it needed that operation are listed; clicking one shows the linearization
 * that reached it, numbered on the bars. Times are drawn in order, not to scale: every distinct call or return
 * time gets the same width, so that short operations stay readable next to long ones.
 */
export function renderViolationHtml<S, I, O>(result: CheckResult<S, I, O>, model: Model<S, I, O>): string {
  const order = result.partitions
    .map((piece, index) => ({ piece, index }))
    .sort((a, b) => rankOf(a.piece) - rankOf(b.piece) || a.index - b.index);
  const count = (verdict: string): number => result.partitions.filter((p) => p.verdict === verdict).length;
  const title =
    result.verdict === 'illegal'
      ? 'Not linearizable'
      : result.verdict === 'ok'
        ? 'Linearizable'
        : 'Undecided (the check ran out of time)';
  const rows = order
    .map(
      ({ piece, index }) =>
        `<tr class="${piece.verdict}"><td><a href="#p${index}">${escapeHtml(piece.label)}</a></td><td>${verdictText(piece)}</td><td>${piece.operations.length}</td><td>${piece.violation ? piece.violation.prefix.length : ''}</td><td>${piece.steps}</td></tr>`,
    )
    .join('\n');
  const sections = order.map(({ piece, index }) => renderPartition(piece, index, model)).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}: linearizability check</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1 class="${result.verdict}">${escapeHtml(title)}</h1>
<p>${result.partitions.length} independent partition${result.partitions.length === 1 ? '' : 's'}: ${count('illegal')} not linearizable, ${count('ok')} linearizable, ${count('unknown')} undecided. A history is linearizable if its operations can be put in one order, each at an instant between its call and its return, in which the model accepts every result.</p>
<table class="summary"><thead><tr><th>partition</th><th>verdict</th><th>operations</th><th>failing prefix</th><th>search steps</th></tr></thead><tbody>
${rows}
</tbody></table>
<div class="legend"><span class="bar-sample blocked"></span> could not be linearized <span class="bar-sample prefix"></span> in the smallest failing prefix <span class="bar-sample"></span> after it <span class="bar-sample open"></span> never returned <span class="marker-sample">1</span> position in the selected linearization</div>
</header>
${sections}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function rankOf(piece: PartitionResult): number {
  return piece.verdict === 'illegal' ? 0 : piece.verdict === 'unknown' ? 1 : 2;
}

function verdictText(piece: PartitionResult): string {
  if (piece.verdict === 'illegal') return 'not linearizable';
  if (piece.verdict === 'ok') return 'linearizable';
  return piece.undecided === 'stopped'
    ? 'undecided (stopped: another partition failed)'
    : 'undecided (timed out)';
}

/** Where each operation sits on the page: x of its call and return, and its row (client, then lane). */
interface Layout {
  readonly width: number;
  readonly height: number;
  readonly x: (time: number) => number;
  readonly rowOf: readonly number[];
  readonly rowLabels: readonly string[];
  readonly ticks: readonly { x: number; label: string }[];
}

function layOut(ops: readonly Operation<unknown, unknown>[]): Layout {
  const times = [...new Set(ops.flatMap((op) => [op.call, op.return]).filter(Number.isFinite))].sort(
    (a, b) => a - b,
  );
  const step = Math.max(26, Math.min(80, 1200 / Math.max(1, times.length)));
  const index = new Map(times.map((t, i) => [t, i]));
  const endX = PAD + times.length * step + 40;
  const x = (time: number): number => (Number.isFinite(time) ? PAD + (index.get(time) ?? 0) * step : endX);
  // One row per client; a client's operations that overlap (a new call after one that never returned) get
  // extra lanes, so that no bar hides another.
  const clients = [...new Set(ops.map((op) => op.clientId))].sort((a, b) => a - b);
  const rowOf: number[] = new Array<number>(ops.length).fill(0);
  const rowLabels: string[] = [];
  for (const client of clients) {
    const mine = ops
      .map((op, i) => ({ op, i }))
      .filter(({ op }) => op.clientId === client)
      .sort((a, b) => a.op.call - b.op.call);
    const laneEnds: number[] = [];
    for (const { op, i } of mine) {
      let lane = laneEnds.findIndex((end) => end < op.call);
      if (lane < 0) lane = laneEnds.push(0) - 1;
      laneEnds[lane] = op.return;
      rowOf[i] = rowLabels.length + lane;
    }
    laneEnds.forEach((_, lane) =>
      rowLabels.push(lane === 0 ? `client ${client}` : `client ${client} (${lane + 1})`),
    );
  }
  const every = Math.ceil(56 / step);
  const ticks = times
    .map((t, i) => ({ x: x(t), label: describeTime(t), i }))
    .filter(({ i }) => i % every === 0)
    .map(({ x: tickX, label }) => ({ x: tickX, label }));
  if (ops.some((op) => op.return === Number.POSITIVE_INFINITY)) ticks.push({ x: endX, label: '∞' });
  return {
    width: endX + 80,
    height: AXIS_HEIGHT + rowLabels.length * ROW_HEIGHT,
    x,
    rowOf,
    rowLabels,
    ticks,
  };
}

function renderPartition<S, I, O>(
  piece: PartitionResult<S, I, O>,
  index: number,
  model: Model<S, I, O>,
): string {
  const ops = piece.operations;
  const violation = piece.violation;
  const layout = layOut(ops);
  const inPrefix = new Set(violation?.prefix ?? []);
  const bars = ops
    .map((op, i) => {
      const left = layout.x(op.call);
      const right = layout.x(op.return);
      const open = op.return === Number.POSITIVE_INFINITY;
      const classes = ['bar'];
      if (violation) classes.push(i === violation.blocked ? 'blocked' : inPrefix.has(i) ? 'prefix' : 'later');
      if (open) classes.push('open');
      const text = describeOperation(model, op);
      const tip = `client ${op.clientId}: ${text}\ncalled at ${describeTime(op.call)}, returned at ${describeTime(op.return)}${open ? ' (never: it may have taken effect at any time after its call, or not at all)' : ''}`;
      const top = AXIS_HEIGHT + (layout.rowOf[i] ?? 0) * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2;
      return `<div class="${classes.join(' ')}" data-op="${i}" style="left:${left}px;top:${top}px;width:${Math.max(8, right - left)}px" title="${escapeHtml(tip)}">${escapeHtml(text)}</div>`;
    })
    .join('');
  const ticks = layout.ticks
    .map((tick) => `<div class="tick" style="left:${tick.x}px">${escapeHtml(tick.label)}</div>`)
    .join('');
  const gridLines = layout.rowLabels
    .map((_, row) => `<div class="row-line" style="top:${AXIS_HEIGHT + (row + 1) * ROW_HEIGHT - 1}px"></div>`)
    .join('');
  const labels = layout.rowLabels
    .map((label) => `<div class="row-label" style="height:${ROW_HEIGHT}px">${escapeHtml(label)}</div>`)
    .join('');
  const timeline = `<div class="timeline"><div class="labels" style="padding-top:${AXIS_HEIGHT}px">${labels}</div><div class="scroller"><div class="lane" style="width:${layout.width}px;height:${layout.height}px">${ticks}${gridLines}${bars}</div></div></div>`;

  let body = timeline;
  if (violation) {
    const blocked = ops[violation.blocked];
    const paths = violation.statesTried.map((tried) =>
      linearizationPoints(
        tried.path.map((step) => step.op),
        ops,
        layout,
      ),
    );
    const tried = violation.statesTried
      .map((t, k) => {
        const steps = t.path
          .map((step) => {
            const op = ops[step.op];
            if (!op) return '';
            return `<li><span class="op">${escapeHtml(describeOperation(model, op))}</span> <span class="who">client ${op.clientId}</span> → <code>${escapeHtml(describeState(model, step.state))}</code></li>`;
          })
          .join('');
        return `<li class="state${k === 0 ? ' selected' : ''}" data-path="${k}"><div class="state-line">state <code>${escapeHtml(describeState(model, t.state))}</code> <span class="after">after ${t.path.length} operation${t.path.length === 1 ? '' : 's'} (click to show them on the timeline)</span></div><ol class="path">${steps || '<li class="none">(none: the initial state)</li>'}</ol></li>`;
      })
      .join('');
    const prefixRows = violation.prefix
      .map((i) => {
        const op = ops[i];
        if (!op) return '';
        const cls = i === violation.blocked ? ' class="blocked-row"' : '';
        return `<tr data-op="${i}"${cls}><td class="pos"></td><td>${op.clientId}</td><td>${describeTime(op.call)}</td><td>${describeTime(op.return)}</td><td class="op">${escapeHtml(describeOperation(model, op))}</td></tr>`;
      })
      .join('');
    const more = violation.distinctStates - violation.statesTried.length;
    const blockedText = blocked ? describeOperation(model, blocked) : '?';
    body = `<p class="explain">No order of the operations before it can be followed by <b class="blocked-text">${escapeHtml(blockedText)}</b> (client ${blocked?.clientId ?? '?'}, called at ${describeTime(blocked?.call ?? 0)}, returned at ${describeTime(blocked?.return ?? 0)}). The smallest failing prefix is the ${violation.prefix.length} operation${violation.prefix.length === 1 ? '' : 's'} called before it returned; every operation that returned before it can be linearized. Each bar spans an operation's call to its return; hover for details.</p>
${timeline}
<h3>States tried</h3>
<p class="explain">The search needed <b class="blocked-text">${escapeHtml(blockedText)}</b> next while standing in ${violation.distinctStates} distinct state${violation.distinctStates === 1 ? '' : 's'}${more > 0 ? ` (the first ${violation.statesTried.length} are listed)` : ''}, and its result is impossible from each of them, even after any of the pending operations:</p>
<ol class="tried">${tried}</ol>
<h3>The failing prefix</h3>
<p class="explain">In call order; the first column is each operation's place in the selected linearization (blank: not in it).</p>
<table class="prefix"><thead><tr><th>#</th><th>client</th><th>call</th><th>return</th><th>operation</th></tr></thead><tbody>${prefixRows}</tbody></table>
<script type="application/json" class="paths">${jsonForScript(paths)}</script>`;
  }
  const open = piece.verdict !== 'ok' ? ' open' : '';
  return `<section class="partition ${piece.verdict}" id="p${index}">
<details${open}><summary><h2>${escapeHtml(piece.label)}: ${verdictText(piece)}</h2> <span class="meta">${ops.length} operations, ${piece.steps} search steps, ${piece.configurations} configurations</span></summary>
${body}
</details>
</section>`;
}

/**
 * Instants at which a linearization's operations could take effect, for drawing: each as early as its call
 * allows but after the one before it, and never after its own return (a linearization the search found
 * respects real time, so there is always room).
 */
function linearizationPoints(
  order: readonly number[],
  ops: readonly Operation<unknown, unknown>[],
  layout: Layout,
): [op: number, x: number, top: number][] {
  let last = Number.NEGATIVE_INFINITY;
  return order.map((i) => {
    const op = ops[i];
    const from = op ? layout.x(op.call) + 3 : 0;
    const to = op ? Math.max(from, layout.x(op.return) - 3) : 0;
    const x = Math.min(to, Math.max(from, last + 4));
    last = x;
    return [i, x, AXIS_HEIGHT + (layout.rowOf[i] ?? 0) * ROW_HEIGHT];
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the script element it sits in. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
:root { --blocked: #d7263d; --prefix: #2f6fdf; --later: #b9bec7; --ink: #1d2330; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 24px 48px; }
header { padding: 12px 0 8px; border-bottom: 1px solid #e3e6eb; }
h1 { margin: 0 0 4px; font-size: 22px; } h1.illegal { color: var(--blocked); } h1.ok { color: #1f8a4c; } h1.unknown { color: #a66a00; }
h2 { display: inline; font-size: 17px; margin: 0; } h3 { font-size: 15px; margin: 16px 0 4px; }
header p { margin: 0 0 6px; max-width: 1100px; }
table.summary { border-collapse: collapse; font-size: 13px; margin: 4px 0 6px; }
table.summary td, table.summary th { padding: 1px 10px 1px 0; text-align: left; }
table.summary tr.illegal td:nth-child(2) { color: var(--blocked); font-weight: 600; }
.legend { font-size: 12px; color: #555; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.bar-sample { display: inline-block; width: 28px; height: 12px; border-radius: 3px; background: var(--later); margin-left: 10px; }
.bar-sample.blocked { background: var(--blocked); } .bar-sample.prefix { background: var(--prefix); }
.bar-sample.open { background: linear-gradient(90deg, #8f96a3 60%, transparent); }
.marker-sample { display: inline-block; background: #111; color: #fff; border-radius: 8px; font-size: 10px; padding: 0 5px; margin-left: 10px; }
section.partition { margin-top: 18px; border-top: 1px solid #e3e6eb; padding-top: 8px; }
summary { cursor: pointer; } .meta { color: #777; font-size: 12px; margin-left: 8px; }
section.illegal h2 { color: var(--blocked); }
p.explain { max-width: 1100px; margin: 6px 0; }
.blocked-text { color: var(--blocked); font-family: ui-monospace, Menlo, monospace; font-weight: 600; }
.timeline { display: flex; border: 1px solid #e3e6eb; border-radius: 6px; margin: 8px 0; background: #fbfcfd; }
.labels { flex: none; border-right: 1px solid #e3e6eb; background: #f4f6f8; }
.row-label { font-size: 12px; padding: 0 8px; display: flex; align-items: center; white-space: nowrap; color: #444; }
.scroller { overflow-x: auto; flex: 1; }
.lane { position: relative; }
.tick { position: absolute; top: 2px; font-size: 10px; color: #888; border-left: 1px solid #ccd; padding-left: 2px; height: 18px; }
.row-line { position: absolute; left: 0; right: 0; border-top: 1px dashed #eceef2; }
.bar { position: absolute; height: ${BAR_HEIGHT}px; border-radius: 4px; font: 11px/${BAR_HEIGHT}px ui-monospace, Menlo, monospace; color: #fff; padding: 0 4px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; background: #5b6474; cursor: default; }
.bar.prefix { background: var(--prefix); } .bar.blocked { background: var(--blocked); box-shadow: 0 0 0 2px #fff, 0 0 0 4px var(--blocked); z-index: 2; }
.bar.later { background: var(--later); color: #333; }
.bar.open { background-image: linear-gradient(90deg, transparent 70%, rgba(255,255,255,.75)); }
.bar.in-path { outline: 2px solid #111; outline-offset: 1px; }
.bar:hover { z-index: 3; overflow: visible; width: auto !important; min-width: fit-content; }
.marker { position: absolute; width: 0; height: ${ROW_HEIGHT}px; border-left: 2px solid #111; z-index: 4; pointer-events: none; }
.marker span { position: absolute; top: -4px; left: -8px; background: #111; color: #fff; border-radius: 8px; font-size: 10px; line-height: 14px; padding: 0 4px; }
ol.tried { padding-left: 22px; } ol.tried > li { margin: 4px 0; padding: 4px 8px; border-radius: 6px; cursor: pointer; border: 1px solid transparent; }
ol.tried > li.selected { background: #f1f5ff; border-color: #c9d7f5; }
.state-line code { font-weight: 600; } .after { color: #777; font-size: 12px; }
ol.path { margin: 2px 0 0; padding-left: 22px; font-size: 12px; display: none; } li.selected ol.path { display: block; }
ol.path .op { font-family: ui-monospace, Menlo, monospace; } ol.path .who { color: #777; }
table.prefix { border-collapse: collapse; font-size: 12px; }
table.prefix td, table.prefix th { padding: 1px 12px 1px 0; text-align: left; vertical-align: top; }
table.prefix td.op { font-family: ui-monospace, Menlo, monospace; word-break: break-all; }
table.prefix td.pos { font-weight: 600; min-width: 2em; }
table.prefix tr.blocked-row td { color: var(--blocked); font-weight: 600; }
code { font-family: ui-monospace, Menlo, monospace; word-break: break-all; }
`;

// Plain browser script: shows the selected linearization's markers and brings the blocked operation into view.
const SCRIPT = `
for (const section of document.querySelectorAll('section.partition')) {
  const data = section.querySelector('script.paths');
  const lane = section.querySelector('.lane');
  const scroller = section.querySelector('.scroller');
  if (data && lane) {
    const paths = JSON.parse(data.textContent);
    const items = [...section.querySelectorAll('ol.tried > li')];
    const show = (k) => {
      lane.querySelectorAll('.marker').forEach((m) => m.remove());
      lane.querySelectorAll('.bar.in-path').forEach((b) => b.classList.remove('in-path'));
      items.forEach((item, i) => item.classList.toggle('selected', i === k));
      const position = new Map((paths[k] || []).map(([op], n) => [op, n + 1]));
      section.querySelectorAll('table.prefix tr[data-op]').forEach((row) => {
        row.querySelector('.pos').textContent = String(position.get(Number(row.dataset.op)) ?? '');
      });
      (paths[k] || []).forEach(([op, x, top], n) => {
        const bar = lane.querySelector('[data-op="' + op + '"]');
        if (bar) bar.classList.add('in-path');
        const marker = document.createElement('div');
        marker.className = 'marker';
        marker.style.left = x + 'px';
        marker.style.top = top + 'px';
        const badge = document.createElement('span');
        badge.textContent = String(n + 1);
        marker.appendChild(badge);
        lane.appendChild(marker);
      });
    };
    items.forEach((item, i) => item.addEventListener('click', () => show(i)));
    show(0);
  }
  const blocked = section.querySelector('.bar.blocked');
  if (blocked && scroller) {
    scroller.scrollLeft = Math.max(0, blocked.offsetLeft + blocked.offsetWidth - scroller.clientWidth + 120);
  }
}
`;
