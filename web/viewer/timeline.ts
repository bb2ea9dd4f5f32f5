import { formatTime } from './describe.js';
import { upperBound, type Rpc, type TraceModel } from './trace-model.js';

/** The colour of each role on a server's lane; a person reads "green = leader" without a legend. */
export const ROLE_COLORS: Readonly<Record<string, string>> = {
  follower: '#cfd8dc',
  precandidate: '#ffe082',
  candidate: '#ffa726',
  leader: '#43a047',
  down: '#424242',
};

/** The time range on screen. */
export interface View {
  t0: number;
  t1: number;
}

/** What the reader chose to see: one server's messages and events, one message type. */
export interface Filters {
  server: number | null;
  type: string | null;
}

const GUTTER = 70;
const RIGHT = 12;
const AXIS = 30;
const LANE = 40;
const LANE_GAP = 16;
const STEP_ROW = 16;
const MAX_STEP_ROWS = 8;
/** No RPC lives longer than labrpc's longest delay: look this far before the view for arrows entering it. */
const LONGEST_RPC_MS = 7500;
/** Above this many arrows on screen, arrowheads are noise: lines only. */
const ARROWHEADS_UP_TO = 1500;

/** The arrows of a view, grouped by style to be stroked in one path each. */
interface RpcBatches {
  readonly batches: readonly { style: ArrowStyle; lines: number[]; heads: number[] }[];
  /** Where lost messages end: x, y pairs. */
  readonly crosses: readonly number[];
  /** Too many to tell apart: no arrowheads, drawn behind the lanes. */
  readonly dense: boolean;
}

interface ArrowStyle {
  readonly color: string;
  readonly width: number;
  readonly dash: readonly number[];
}

/** The message styles: entries stand out, heartbeats and replies recede. */
function styleOf(rpc: Rpc, reply: boolean): ArrowStyle {
  switch (rpc.type) {
    case 'AppendEntries': {
      const carries = (rpc.fields.entries ?? 0) > 0;
      if (reply) return { color: 'rgba(21,101,192,0.45)', width: 1, dash: [] };
      return carries
        ? { color: '#1565c0', width: 1.8, dash: [] }
        : { color: 'rgba(21,101,192,0.35)', width: 1, dash: [] };
    }
    case 'RequestVote':
      if (rpc.fields.preVote === true) return { color: 'rgba(142,36,170,0.6)', width: 1, dash: [4, 3] };
      return { color: reply ? 'rgba(142,36,170,0.55)' : '#8e24aa', width: reply ? 1 : 1.6, dash: [] };
    case 'InstallSnapshot':
      return { color: reply ? 'rgba(0,137,123,0.5)' : '#00897b', width: reply ? 1 : 2.4, dash: [] };
    default:
      return { color: 'rgba(96,125,139,0.6)', width: 1, dash: [] };
  }
}

/**
 * Draws a trace on a canvas: the time axis, one lane per server coloured by role (with the term), crash and
 * disconnection bands, messages as arrows from sender to receiver (lost ones end in a red cross where they were
 * lost), the tester's steps on their own lane, the failure and the cursor. Everything off screen is skipped
 * and arrows are stroked in one path per style, so a trace of hundreds of thousands of events stays smooth.
 */
export class Timeline {
  view: View;
  /** The cursor's time. */
  cursor = 0;
  /** A range being dragged out to zoom into. */
  selection: { a: number; b: number } | null = null;
  filters: Filters = { server: null, type: null };
  width = 800;
  height = 300;
  /** Where the layers that do not move with the cursor are drawn, once per view, size and filter. */
  private readonly layer: HTMLCanvasElement;
  private layerKey = '';
  /** The context being drawn on: the cached layer, then the screen. */
  private ctx: CanvasRenderingContext2D;
  private readonly screen: CanvasRenderingContext2D;
  private cutPattern: CanvasPattern | null = null;
  private dpr = 1;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly model: TraceModel,
  ) {
    this.layer = document.createElement('canvas');
    const screen = canvas.getContext('2d');
    const ctx = this.layer.getContext('2d');
    if (ctx === null || screen === null) throw new Error('no 2D canvas');
    this.screen = screen;
    this.ctx = ctx;
    this.view = { t0: 0, t1: Math.max(1, model.end) };
  }

  /** The rows of tester steps shown (more are folded onto these). */
  private get stepRows(): number {
    return Math.min(this.model.stepRows, MAX_STEP_ROWS);
  }

  /** The vertical centre of server `s`'s lane. */
  laneY(s: number): number {
    return AXIS + 8 + s * (LANE + LANE_GAP) + LANE / 2;
  }

  /** The top of the tester's lane. */
  testerTop(): number {
    return AXIS + 8 + this.model.header.servers * (LANE + LANE_GAP) + 4;
  }

  /** Sizes the canvas to `width` CSS pixels and the height its lanes need. */
  resize(width: number): void {
    this.width = Math.max(300, Math.floor(width));
    this.height = this.testerTop() + 18 + this.stepRows * STEP_ROW + 8;
    const dpr = window.devicePixelRatio || 1;
    this.dpr = dpr;
    for (const c of [this.canvas, this.layer]) {
      c.width = Math.floor(this.width * dpr);
      c.height = Math.floor(this.height * dpr);
    }
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.layerKey = '';
  }

  /** The x of time `t`. */
  x(t: number): number {
    return GUTTER + ((t - this.view.t0) / (this.view.t1 - this.view.t0)) * (this.width - GUTTER - RIGHT);
  }

  /** The time at x (clamped to the trace). */
  timeAt(x: number): number {
    const t = this.view.t0 + ((x - GUTTER) / (this.width - GUTTER - RIGHT)) * (this.view.t1 - this.view.t0);
    return Math.max(0, Math.min(this.model.end, t));
  }

  /** Whether x is over the lanes (not the gutter). */
  inPlot(x: number): boolean {
    return x >= GUTTER && x <= this.width - RIGHT;
  }

  /**
   * Draws the timeline. Everything but the cursor and the selection depends only on the view, the size and the
   * filters, so it is drawn once into a cached layer; moving the cursor (scrubbing) only copies that layer.
   */
  draw(): void {
    const { t0, t1 } = this.view;
    const key = `${t0}|${t1}|${this.width}|${this.filters.server}|${this.filters.type}`;
    if (key !== this.layerKey) {
      this.layerKey = key;
      this.ctx = this.layer.getContext('2d') as CanvasRenderingContext2D;
      this.drawLayer();
    }
    this.screen.setTransform(1, 0, 0, 1, 0, 0);
    this.screen.drawImage(this.layer, 0, 0);
    this.ctx = this.screen;
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.ctx.font = '11px system-ui, sans-serif';
    this.ctx.textBaseline = 'middle';
    this.drawCursor();
    this.drawSelection();
  }

  private drawLayer(): void {
    const { ctx } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, this.width, this.height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    this.drawUnreliable();
    this.drawAxis();
    const rpcs = this.rpcBatches();
    // Dense traffic is a texture, not arrows: it goes behind the lanes, so the roles stay readable.
    if (rpcs.dense) this.strokeRpcs(rpcs);
    for (let s = 0; s < this.model.header.servers; s++) this.drawLane(s);
    if (!rpcs.dense) this.strokeRpcs(rpcs);
    this.drawTester();
    this.drawFailure();
  }

  private clipPlot(): void {
    this.ctx.save();
    this.ctx.beginPath();
    this.ctx.rect(GUTTER, 0, this.width - GUTTER - RIGHT, this.height);
    this.ctx.clip();
  }

  private drawAxis(): void {
    const { ctx, view } = this;
    const span = view.t1 - view.t0;
    const target = span / Math.max(2, (this.width - GUTTER) / 110);
    const pow = 10 ** Math.floor(Math.log10(Math.max(target, 1e-3)));
    const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= target) ?? pow * 10;
    ctx.strokeStyle = '#eceff1';
    ctx.fillStyle = '#546e7a';
    ctx.lineWidth = 1;
    ctx.textAlign = 'center';
    this.clipPlot();
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const x = Math.round(this.x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS - 6);
      ctx.lineTo(x, this.height);
      ctx.stroke();
      ctx.textAlign = x < GUTTER + 20 ? 'left' : 'center';
      ctx.fillText(step >= 1000 ? `${t / 1000} s` : `${(t / 1000).toFixed(step >= 100 ? 1 : 3)} s`, x, 10);
    }
    ctx.restore();
    ctx.strokeStyle = '#90a4ae';
    ctx.beginPath();
    ctx.moveTo(GUTTER, AXIS - 6.5);
    ctx.lineTo(this.width - RIGHT, AXIS - 6.5);
    ctx.stroke();
  }

  private drawUnreliable(): void {
    const { ctx } = this;
    this.clipPlot();
    for (const band of this.model.unreliable) {
      if (band.t1 < this.view.t0 || band.t0 > this.view.t1) continue;
      const x0 = this.x(band.t0);
      const x1 = this.x(band.t1);
      ctx.fillStyle = '#fff8e1';
      ctx.fillRect(x0, AXIS - 6, x1 - x0, this.height);
      ctx.fillStyle = '#f9a825';
      ctx.fillRect(x0, AXIS - 9, x1 - x0, 3);
      ctx.textAlign = 'left';
      ctx.fillText('unreliable network', Math.max(x0, GUTTER) + 4, 21);
    }
    ctx.restore();
  }

  private drawLane(s: number): void {
    const { ctx, view } = this;
    const y = this.laneY(s) - LANE / 2;
    const dim = this.filters.server !== null && this.filters.server !== s;
    ctx.textAlign = 'left';
    ctx.fillStyle = dim ? '#b0bec5' : '#263238';
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.fillText(`S${s}`, 10, y + LANE / 2);
    ctx.font = '11px system-ui, sans-serif';
    this.clipPlot();
    const spans = this.model.roles[s] ?? [];
    for (const span of spans) {
      if (span.t1 < view.t0 || span.t0 > view.t1) continue;
      const x0 = Math.max(GUTTER - 1, this.x(span.t0));
      const x1 = Math.min(this.width, this.x(span.t1));
      ctx.fillStyle = ROLE_COLORS[span.role] ?? '#ffffff';
      ctx.fillRect(x0, y, Math.max(1, x1 - x0), LANE);
      const label =
        span.role === 'down' ? 'crashed' : span.role === 'leader' ? `leader T${span.term}` : `T${span.term}`;
      const w = x1 - x0;
      if (w > ctx.measureText(label).width + 8) {
        ctx.fillStyle = span.role === 'leader' || span.role === 'down' ? '#ffffff' : '#37474f';
        if (span.role === 'leader') ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText(label, Math.max(x0, GUTTER) + 4, y + LANE / 2);
        ctx.font = '11px system-ui, sans-serif';
      }
    }
    for (const band of this.model.disconnected[s] ?? []) {
      if (band.t1 < view.t0 || band.t0 > view.t1) continue;
      const x0 = this.x(band.t0);
      const x1 = this.x(band.t1);
      ctx.fillStyle = this.cutFill();
      ctx.fillRect(x0, y - 5, x1 - x0, 5);
      ctx.fillRect(x0, y + LANE, x1 - x0, 5);
      if (x1 - x0 > 80) {
        ctx.fillStyle = '#c62828';
        ctx.fillText('disconnected', Math.max(x0, GUTTER) + 4, y + LANE + 11);
      }
    }
    if (dim) {
      ctx.fillStyle = 'rgba(255,255,255,0.6)';
      ctx.fillRect(GUTTER, y, this.width, LANE);
    }
    ctx.restore();
  }

  /** Red stripes: a server cut off from the network. */
  private cutFill(): CanvasPattern | string {
    if (this.cutPattern === null) {
      const tile = document.createElement('canvas');
      tile.width = 8;
      tile.height = 8;
      const t = tile.getContext('2d');
      if (t === null) return '#e57373';
      t.strokeStyle = '#e53935';
      t.lineWidth = 3;
      t.beginPath();
      t.moveTo(-2, 10);
      t.lineTo(10, -2);
      t.stroke();
      this.cutPattern = this.ctx.createPattern(tile, 'repeat');
    }
    return this.cutPattern ?? '#e57373';
  }

  /** Whether an RPC passes the filters. */
  shows(rpc: Rpc): boolean {
    const { server, type } = this.filters;
    if (server !== null && rpc.from !== server && rpc.to !== server) return false;
    return type === null || rpc.type === type;
  }

  private rpcBatches(): RpcBatches {
    const { model, view } = this;
    const first = upperBound(model.rpcs, view.t0 - LONGEST_RPC_MS, (r) => r.tSend);
    const stop = upperBound(model.rpcs, view.t1, (r) => r.tSend);
    const batches = new Map<ArrowStyle['color'], { style: ArrowStyle; lines: number[]; heads: number[] }>();
    const crosses: number[] = [];
    // Many messages land on the same pixels (a zero-latency network draws them as vertical strokes): each
    // distinct stroke is drawn once, which keeps a zoomed-out view of a long run cheap to paint.
    const seen = new Set<string>();
    let visible = 0;
    const cross = (x: number, y: number): void => {
      const key = `x|${Math.round(x)}|${Math.round(y)}`;
      if (seen.has(key)) return;
      seen.add(key);
      crosses.push(x, y);
    };
    const add = (style: ArrowStyle, x0: number, y0: number, x1: number, y1: number, head: boolean): void => {
      if (Math.max(x0, x1) < GUTTER || Math.min(x0, x1) > this.width) return;
      visible++;
      const key = `${style.color}|${style.width}|${style.dash.join(',')}`;
      const stroke = `${key}|${Math.round(x0)}|${Math.round(y0)}|${Math.round(x1)}|${Math.round(y1)}`;
      if (seen.has(stroke)) return;
      seen.add(stroke);
      let batch = batches.get(key);
      if (batch === undefined) {
        batch = { style, lines: [], heads: [] };
        batches.set(key, batch);
      }
      batch.lines.push(x0, y0, x1, y1);
      if (head) batch.heads.push(x0, y0, x1, y1);
    };
    for (let k = first; k < stop; k++) {
      const rpc = model.rpcs[k] as Rpc;
      if (!this.shows(rpc)) continue;
      const lastT = Math.max(rpc.tSend, rpc.tRecv || 0, rpc.tDone || 0, rpc.drop?.t ?? 0);
      if (lastT < view.t0) continue;
      const y0 = this.laneY(rpc.from);
      const y1 = this.laneY(rpc.to);
      const dir = Math.sign(y1 - y0);
      const from = y0 + (dir * LANE) / 2;
      const to = y1 - (dir * LANE) / 2;
      const mid = (y0 + y1) / 2;
      const xs = this.x(rpc.tSend);
      const style = styleOf(rpc, false);
      if (rpc.drop?.why === 'unreachable') {
        add(style, xs, from, xs, from + dir * 10, false);
        cross(xs, from + dir * 10);
        continue;
      }
      if (rpc.drop?.why === 'request lost') {
        const xd = this.x(rpc.drop.t);
        add(style, xs, from, xd, mid, false);
        cross(xd, mid);
        continue;
      }
      if (Number.isNaN(rpc.tRecv)) continue; // Still in flight when the trace ended.
      const xr = this.x(rpc.tRecv);
      add(style, xs, from, xr, to, true);
      const reply = styleOf(rpc, true);
      if (rpc.drop !== null) {
        const xd = this.x(rpc.drop.t);
        add(reply, xr, to, xd + 4, mid, false);
        cross(xd + 4, mid);
      } else if (!Number.isNaN(rpc.tDone)) {
        add(reply, xr, to, this.x(rpc.tDone), from, true);
      }
    }
    return { batches: [...batches.values()], crosses, dense: visible > ARROWHEADS_UP_TO };
  }

  private strokeRpcs({ batches, crosses, dense }: RpcBatches): void {
    const { ctx } = this;
    const heads = !dense;
    this.clipPlot();
    ctx.lineCap = 'round';
    for (const { style, lines, heads: tips } of batches) {
      ctx.strokeStyle = style.color;
      ctx.fillStyle = style.color;
      ctx.lineWidth = style.width;
      ctx.setLineDash(style.dash);
      ctx.beginPath();
      for (let i = 0; i < lines.length; i += 4) {
        ctx.moveTo(lines[i] as number, lines[i + 1] as number);
        ctx.lineTo(lines[i + 2] as number, lines[i + 3] as number);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (heads) {
        ctx.beginPath();
        for (let i = 0; i < tips.length; i += 4) {
          arrowHead(
            ctx,
            tips[i] as number,
            tips[i + 1] as number,
            tips[i + 2] as number,
            tips[i + 3] as number,
          );
        }
        ctx.fill();
      }
    }
    ctx.strokeStyle = '#d50000';
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < crosses.length; i += 2) {
      const cx = crosses[i] as number;
      const cy = crosses[i + 1] as number;
      ctx.moveTo(cx - 3.5, cy - 3.5);
      ctx.lineTo(cx + 3.5, cy + 3.5);
      ctx.moveTo(cx + 3.5, cy - 3.5);
      ctx.lineTo(cx - 3.5, cy + 3.5);
    }
    ctx.stroke();
    ctx.restore();
  }

  private drawTester(): void {
    const { ctx, model, view } = this;
    const top = this.testerTop();
    ctx.fillStyle = '#eceff1';
    ctx.fillRect(0, top, this.width, this.height - top);
    ctx.textAlign = 'left';
    ctx.fillStyle = '#263238';
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.fillText('tester', 10, top + 9);
    ctx.font = '11px system-ui, sans-serif';
    this.clipPlot();
    for (const label of model.labels) {
      if (label.t > view.t1) continue;
      ctx.fillStyle = '#37474f';
      ctx.fillText(label.text, Math.max(this.x(label.t), GUTTER) + 4, top + 9);
    }
    const rows = this.stepRows;
    for (const step of model.steps) {
      const t1 = Number.isNaN(step.t1) ? (model.failure?.t ?? model.end) : step.t1;
      if (t1 < view.t0 || step.t0 > view.t1) continue;
      const failed = Number.isNaN(step.t1);
      const x0 = this.x(step.t0);
      const x1 = Math.max(x0 + 2, this.x(t1));
      const y = top + 18 + (step.row % rows) * STEP_ROW;
      ctx.fillStyle = failed
        ? '#ef5350'
        : step.op === 'one'
          ? '#90caf9'
          : step.op === 'checkOneLeader'
            ? '#ce93d8'
            : '#b0bec5';
      ctx.fillRect(x0, y, x1 - x0, STEP_ROW - 3);
      const text = `${step.op}(${step.args.split(',')[0] ?? ''})${step.result === '' ? '' : ` -> ${step.result}`}`;
      if (x1 - x0 > 40) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, y, x1 - x0, STEP_ROW);
        ctx.clip();
        ctx.fillStyle = failed ? '#ffffff' : '#1a237e';
        ctx.fillText(text, Math.max(x0, GUTTER) + 3, y + (STEP_ROW - 3) / 2);
        ctx.restore();
      }
    }
    ctx.restore();
  }

  private drawFailure(): void {
    const failure = this.model.failure;
    if (failure === null || failure.t < this.view.t0 || failure.t > this.view.t1) return;
    const { ctx } = this;
    const x = Math.round(this.x(failure.t)) + 0.5;
    ctx.strokeStyle = '#d50000';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, AXIS - 8);
    ctx.lineTo(x, this.height);
    ctx.stroke();
    ctx.fillStyle = '#d50000';
    ctx.font = 'bold 11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText('✗ FAILED', x - 4, 21);
    ctx.font = '11px system-ui, sans-serif';
  }

  private drawCursor(): void {
    if (this.cursor < this.view.t0 || this.cursor > this.view.t1) return;
    const { ctx } = this;
    const x = Math.round(this.x(this.cursor)) + 0.5;
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, this.height);
    ctx.stroke();
    const label = formatTime(this.cursor);
    ctx.font = 'bold 11px system-ui, sans-serif';
    const w = ctx.measureText(label).width + 8;
    const left = Math.min(Math.max(x - w / 2, GUTTER), this.width - w);
    ctx.fillStyle = '#000000';
    ctx.fillRect(left, 0, w, 14);
    ctx.fillStyle = '#ffffff';
    ctx.textAlign = 'left';
    ctx.fillText(label, left + 4, 7);
    ctx.font = '11px system-ui, sans-serif';
  }

  private drawSelection(): void {
    if (this.selection === null) return;
    const x0 = this.x(Math.min(this.selection.a, this.selection.b));
    const x1 = this.x(Math.max(this.selection.a, this.selection.b));
    this.ctx.fillStyle = 'rgba(33,150,243,0.18)';
    this.ctx.fillRect(x0, AXIS - 6, x1 - x0, this.height);
  }
}

function arrowHead(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const size = 6;
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(angle - 0.4), y1 - size * Math.sin(angle - 0.4));
  ctx.lineTo(x1 - size * Math.cos(angle + 0.4), y1 - size * Math.sin(angle + 0.4));
  ctx.closePath();
}
