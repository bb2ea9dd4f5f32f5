import type { MemberRow, RatePoint } from './model.js';

const SVG = 'http://www.w3.org/2000/svg';
export const CHART = { width: 640, height: 160, pad: 36 } as const;

function cell(row: HTMLTableRowElement, text: string, className?: string): void {
  const td = row.insertCell();
  td.textContent = text;
  if (className !== undefined) td.className = className;
}

/** The members table: one row per member, a down member marked as such with how long ago it stopped. */
export function renderTable(table: HTMLTableElement, rows: readonly MemberRow[], now: number): void {
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren();
  for (const m of rows) {
    const tr = body.insertRow();
    tr.dataset.member = String(m.id ?? '');
    const s = m.status;
    const down = m.downSince !== null;
    tr.className = down ? 'down' : (s?.role ?? 'unknown');
    cell(tr, m.id === null ? '?' : String(m.id));
    cell(tr, m.client, 'client');
    cell(
      tr,
      m.downSince !== null
        ? `down ${Math.round((now - m.downSince) / 1000)} s`
        : s === null
          ? 'waiting'
          : s.role,
      'state',
    );
    cell(tr, s === null ? '-' : String(s.term));
    cell(tr, s?.leader === null || s === null ? '-' : String(s.leader));
    cell(tr, s === null ? '-' : String(s.commit));
    cell(tr, s === null ? '-' : String(s.applied));
    cell(tr, m.rps === null ? '-' : m.rps.toFixed(0), 'rps');
  }
}

/** The cluster's requests per second over the window, as an SVG line with its scale. */
export function renderChart(
  svg: SVGSVGElement,
  points: readonly RatePoint[],
  now: number,
  windowMs: number,
): void {
  const { width, height, pad } = CHART;
  const max = Math.max(10, ...points.map((p) => p.rps));
  // A round top for the scale: 1, 2 or 5 times a power of ten.
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((f) => f * magnitude).find((v) => v >= max) ?? max;
  const x = (t: number): number => pad + ((t - (now - windowMs)) / windowMs) * (width - pad - 4);
  const y = (rps: number): number => height - 18 - (rps / top) * (height - 28);
  svg.replaceChildren();
  const add = (tag: string, attrs: Record<string, string>, text?: string): SVGElement => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
    return el;
  };
  add('line', { x1: String(pad), x2: String(width - 4), y1: String(y(0)), y2: String(y(0)), class: 'axis' });
  add('line', {
    x1: String(pad),
    x2: String(width - 4),
    y1: String(y(top)),
    y2: String(y(top)),
    class: 'grid',
  });
  add(
    'text',
    { x: String(pad - 4), y: String(y(top) + 4), 'text-anchor': 'end' },
    top.toLocaleString('en-US'),
  );
  add('text', { x: String(pad - 4), y: String(y(0) + 4), 'text-anchor': 'end' }, '0');
  add('text', { x: String(pad), y: String(height - 2) }, `-${windowMs / 1000} s`);
  add('text', { x: String(width - 4), y: String(height - 2), 'text-anchor': 'end' }, 'now');
  add('polyline', {
    id: 'rps-line',
    points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.rps).toFixed(1)}`).join(' '),
  });
}
