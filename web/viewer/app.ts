import type { TraceEvent } from '../../src/lab/trace/trace-event.js';
import { ClusterState, type ServerState } from './cluster-state.js';
import { describeEvent, formatTime } from './describe.js';
import { explain, leaderAt } from './explain.js';
import { renderLogs } from './log-panel.js';
import { Timeline } from './timeline.js';
import { upperBound, type TraceModel } from './trace-model.js';

/** A server's state as the test hook reports it. */
export interface ServerView {
  readonly server: number;
  readonly role: string;
  readonly term: number;
  readonly commit: number;
  readonly crashed: boolean;
  readonly connected: boolean;
  readonly snapshotIndex: number;
  readonly log: readonly { readonly index: number; readonly term: number; readonly committed: boolean }[];
}

/** The read-only hook the browser test (and a curious reader's console) uses: `window.raftViewer`. */
export interface ViewerHook {
  /** Milliseconds from the script's start to the first frame drawn: parsing, indexing, drawing. */
  readonly loadMs: number;
  /** Milliseconds from the page's navigation to the first frame drawn (reading the HTML included). */
  readonly readyMs: number;
  readonly events: number;
  readonly test: string;
  readonly failure: { readonly t: number; readonly message: string } | null;
  /** The cursor's time and how many events have happened by then. */
  cursor(): { t: number; upto: number };
  /** Moves the cursor to time `t` (every event at or before `t` has happened). */
  seek(t: number): void;
  /** Every server at the cursor. */
  state(): { leader: number | null; servers: ServerView[] };
  /** The time range on screen. */
  view(): { t0: number; t1: number };
  zoom(t0: number, t1: number): void;
  /** Lanes on the canvas: each server's centre line, for pixel checks. */
  lanes(): { server: number; y: number }[];
  /** The x of time `t` on the canvas. */
  x(t: number): number;
  /**
   * Animates for `ms` of wall time and returns frames per second: 'scrub' sweeps the cursor over the whole run
   * (what dragging the slider does); 'pan' sweeps a view a tenth of the run wide across it, so that every frame
   * redraws the timeline from scratch.
   */
  measureFps(ms: number, mode: 'scrub' | 'pan'): Promise<number>;
}

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function select(label: string, options: readonly [string, string][], onChange: (value: string) => void) {
  const wrap = document.createElement('label');
  wrap.textContent = `${label} `;
  const s = document.createElement('select');
  for (const [value, text] of options) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    s.appendChild(o);
  }
  s.addEventListener('change', () => {
    onChange(s.value);
  });
  wrap.appendChild(s);
  return wrap;
}

/** Whether event `e` concerns server `s`. */
function about(e: TraceEvent, s: number, model: TraceModel): boolean {
  if ('s' in e) return e.s === s;
  if (e.k === 'send') return e.from === s || e.to === s;
  if ('id' in e) {
    const rpc = model.rpcs[rpcIndex(model, e.id)];
    return rpc !== undefined && (rpc.from === s || rpc.to === s);
  }
  return e.k === 'fail' || e.k === 'result';
}

/** RPC ids are handed out 1, 2, 3, ... in send order, so the RPC with id `id` sits at index id - 1. */
function rpcIndex(model: TraceModel, id: number): number {
  const guess = model.rpcs[id - 1];
  return guess?.id === id ? id - 1 : model.rpcs.findIndex((r) => r.id === id);
}

/** Mounts the viewer for `model` into `root`; returns the test hook. */
export function mountViewer(root: HTMLElement, model: TraceModel, loadStarted: number): ViewerHook {
  const { header, events } = model;
  const cluster = new ClusterState(events, header.servers);
  let upto = 0;

  // ---- the page
  const title = document.createElement('header');
  const h1 = document.createElement('h1');
  h1.textContent = `${header.test} · seed ${header.seed} · ${header.servers} servers${header.unreliable ? ' · unreliable' : ''}`;
  const verdict = document.createElement('span');
  verdict.className = model.passed ? 'verdict pass' : 'verdict fail';
  verdict.textContent = model.passed ? 'PASSED' : 'FAILED';
  h1.prepend(verdict, ' ');
  title.appendChild(h1);
  if (model.failure !== null) {
    const failure = model.failure;
    const banner = document.createElement('div');
    banner.id = 'failure';
    banner.className = 'failure';
    banner.append(`✗ First failed check at ${formatTime(failure.t)}: `);
    const msg = document.createElement('b');
    msg.textContent = failure.message.split('\n')[0] ?? '';
    banner.append(msg, ' ');
    banner.appendChild(
      button('show it (F)', 'move the cursor to the failure', () => {
        seekFailure();
      }),
    );
    title.appendChild(banner);
  }

  const toolbar = document.createElement('div');
  toolbar.className = 'toolbar';
  const clock = document.createElement('span');
  clock.className = 'clock';
  clock.id = 'clock';
  const serverOptions: [string, string][] = [['', 'all servers']];
  for (let s = 0; s < header.servers; s++) serverOptions.push([String(s), `S${s} only`]);
  const typeOptions: [string, string][] = [
    ['', 'all messages'],
    ...model.rpcTypes.map((t): [string, string] => [t, t]),
  ];
  toolbar.append(
    button('◀ event', 'previous event (←)', () => {
      stepEvent(-1);
    }),
    button('event ▶', 'next event (→)', () => {
      stepEvent(1);
    }),
    button('message ▶', 'next message sent (Shift+→; Shift+← goes back)', () => {
      stepMessage(1);
    }),
    button('leader change ▶', 'next time a server becomes leader (L; Shift+L goes back)', () => {
      stepLeader(1);
    }),
    button('zoom +', 'zoom in around the cursor (+)', () => {
      zoomBy(0.5);
    }),
    button('zoom −', 'zoom out (−)', () => {
      zoomBy(2);
    }),
    button('fit', 'show the whole run (0)', () => {
      setView(0, model.end);
    }),
    select('show', serverOptions, (v) => {
      timeline.filters.server = v === '' ? null : Number(v);
      render();
    }),
    select('', typeOptions, (v) => {
      timeline.filters.type = v === '' ? null : v;
      render();
    }),
    clock,
  );

  const slider = document.createElement('input');
  slider.type = 'range';
  slider.id = 'slider';
  slider.min = '0';
  slider.max = String(model.end);
  slider.step = '1';
  slider.value = '0';
  slider.addEventListener('input', () => {
    seek(Number(slider.value));
  });

  const canvas = document.createElement('canvas');
  canvas.id = 'timeline';
  // The canvas takes its box's width: the box has no padding, unlike the page.
  const canvasBox = document.createElement('div');
  canvasBox.appendChild(canvas);
  const legend = document.createElement('div');
  legend.className = 'legend';
  legend.innerHTML =
    '<span class="sw" style="background:#43a047"></span>leader <span class="sw" style="background:#ffa726"></span>candidate ' +
    '<span class="sw" style="background:#ffe082"></span>pre-candidate <span class="sw" style="background:#cfd8dc"></span>follower ' +
    '<span class="sw" style="background:#424242"></span>crashed <span class="sw cut"></span>disconnected · ' +
    '<span class="ln" style="background:#1565c0"></span>AppendEntries with entries <span class="ln" style="background:rgba(21,101,192,.35)"></span>heartbeat ' +
    '<span class="ln" style="background:#8e24aa"></span>RequestVote <span class="ln" style="background:#00897b"></span>InstallSnapshot ' +
    '<b style="color:#d50000">✗</b> lost message · keys: ←/→ event, Shift+←/→ message, L leader change, F failure, +/− zoom, 0 fit; drag to zoom';

  const lower = document.createElement('div');
  lower.className = 'lower';
  const logs = document.createElement('section');
  logs.className = 'logs';
  const logsTitle = document.createElement('h2');
  const logGrid = document.createElement('div');
  logGrid.id = 'logs';
  const why = document.createElement('div');
  why.id = 'why';
  why.className = 'why';
  logs.append(logsTitle, logGrid, why);
  const list = document.createElement('section');
  list.className = 'events';
  const listTitle = document.createElement('h2');
  listTitle.textContent = 'events around the cursor';
  const ol = document.createElement('ol');
  ol.id = 'events';
  list.append(listTitle, ol);
  lower.append(logs, list);
  root.replaceChildren(title, toolbar, slider, canvasBox, legend, lower);

  const timeline = new Timeline(canvas, model);

  // ---- state and rendering
  const time = (): number => (upto === 0 ? 0 : (events[upto - 1] as TraceEvent).t);
  let pending = false;
  const render = (): void => {
    const t = time();
    timeline.cursor = t;
    timeline.draw();
    const servers = cluster.at(upto);
    slider.value = String(t);
    clock.textContent = `t = ${formatTime(t)} · event ${upto} of ${events.length}`;
    logsTitle.textContent = `logs at ${formatTime(t)} (filled = committed, outlined = not committed)`;
    renderLogs(logGrid, servers, timeline.filters.server);
    why.replaceChildren(
      ...explain(model, servers, t).map((line) => {
        const p = document.createElement('p');
        p.textContent = line;
        return p;
      }),
    );
    renderEvents();
  };
  const requestRender = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
  const rpcName = (id: number): string => {
    const rpc = model.rpcs[rpcIndex(model, id)];
    return rpc === undefined ? `#${id}` : `${rpc.type} #${id} S${rpc.from}->S${rpc.to}`;
  };
  const visible = (e: TraceEvent): boolean =>
    timeline.filters.server === null || about(e, timeline.filters.server, model);
  const renderEvents = (): void => {
    const items: HTMLLIElement[] = [];
    const before: number[] = [];
    for (let k = upto - 1; k >= 0 && before.length < 5; k--)
      if (visible(events[k] as TraceEvent)) before.push(k);
    const after: number[] = [];
    for (let k = upto; k < events.length && after.length < 10; k++)
      if (visible(events[k] as TraceEvent)) after.push(k);
    for (const k of [...before.reverse(), ...after]) {
      const e = events[k] as TraceEvent;
      const li = document.createElement('li');
      li.textContent = `${formatTime(e.t)}  ${describeEvent(e, rpcName)}`;
      if (k === upto - 1) li.className = 'current';
      else if (k >= upto) li.className = 'future';
      if (e.k === 'fail' || (e.k === 'drop' && k < upto)) li.classList.add('bad');
      items.push(li);
    }
    ol.replaceChildren(...items);
  };

  // ---- moving the cursor
  const keepInView = (): void => {
    const t = time();
    const { t0, t1 } = timeline.view;
    if (t < t0 || t > t1) {
      const half = (t1 - t0) / 2;
      setView(t - half, t + half, false);
    }
  };
  const setUpto = (k: number, schedule = true): void => {
    upto = Math.max(0, Math.min(events.length, k));
    keepInView();
    if (schedule) requestRender();
  };
  const seek = (t: number, schedule = true): void => {
    setUpto(
      upperBound(events, t, (e) => e.t),
      schedule,
    );
  };
  const stepWhere = (dir: 1 | -1, match: (e: TraceEvent) => boolean): void => {
    if (dir > 0) {
      for (let k = upto; k < events.length; k++) {
        if (match(events[k] as TraceEvent)) {
          setUpto(k + 1);
          return;
        }
      }
    } else {
      for (let k = upto - 2; k >= 0; k--) {
        if (match(events[k] as TraceEvent)) {
          setUpto(k + 1);
          return;
        }
      }
      setUpto(0);
    }
  };
  const typeOk = (e: TraceEvent): boolean => {
    const type = timeline.filters.type;
    if (type === null) return true;
    if (e.k === 'send') return e.type === type;
    if ('id' in e) return model.rpcs[rpcIndex(model, e.id)]?.type === type;
    return true;
  };
  const stepEvent = (dir: 1 | -1): void => {
    stepWhere(dir, (e) => visible(e) && typeOk(e));
  };
  const stepMessage = (dir: 1 | -1): void => {
    stepWhere(dir, (e) => e.k === 'send' && visible(e) && typeOk(e));
  };
  const stepLeader = (dir: 1 | -1): void => {
    stepWhere(dir, (e) => e.k === 'state' && e.role === 'leader' && visible(e));
  };
  const seekFailure = (): void => {
    const k = events.findIndex((e) => e.k === 'fail');
    if (k >= 0) setUpto(k + 1);
  };

  // ---- zoom
  const setView = (t0: number, t1: number, redraw = true): void => {
    const span = Math.max(5, Math.min(t1 - t0, model.end || 1));
    let start = Math.max(0, t0);
    if (start + span > model.end) start = Math.max(0, model.end - span);
    timeline.view = { t0: start, t1: start + span };
    if (redraw) requestRender();
  };
  const zoomBy = (factor: number, around = time()): void => {
    const { t0, t1 } = timeline.view;
    const span = (t1 - t0) * factor;
    const frac = (around - t0) / (t1 - t0 || 1);
    setView(around - frac * span, around - frac * span + span);
  };

  // ---- input
  let drag: { x: number; t: number } | null = null;
  canvas.addEventListener('mousedown', (ev) => {
    if (!timeline.inPlot(ev.offsetX)) return;
    drag = { x: ev.offsetX, t: timeline.timeAt(ev.offsetX) };
  });
  canvas.addEventListener('mousemove', (ev) => {
    if (drag === null || Math.abs(ev.offsetX - drag.x) < 5) return;
    timeline.selection = { a: drag.t, b: timeline.timeAt(ev.offsetX) };
    requestRender();
  });
  window.addEventListener('mouseup', (ev) => {
    if (drag === null) return;
    const sel = timeline.selection;
    drag = null;
    timeline.selection = null;
    if (sel !== null && Math.abs(sel.b - sel.a) >= 1) {
      setView(Math.min(sel.a, sel.b), Math.max(sel.a, sel.b));
    } else if (ev.target === canvas) {
      seek(timeline.timeAt(ev.offsetX));
    }
  });
  canvas.addEventListener(
    'wheel',
    (ev) => {
      ev.preventDefault();
      zoomBy(ev.deltaY > 0 ? 1.25 : 0.8, timeline.timeAt(ev.offsetX));
    },
    { passive: false },
  );
  window.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLSelectElement) return;
    const dir = ev.shiftKey ? -1 : 1;
    switch (ev.key) {
      case 'ArrowRight':
        if (ev.shiftKey) stepMessage(1);
        else stepEvent(1);
        break;
      case 'ArrowLeft':
        if (ev.shiftKey) stepMessage(-1);
        else stepEvent(-1);
        break;
      case 'l':
      case 'L':
        stepLeader(dir);
        break;
      case 'f':
      case 'F':
        seekFailure();
        break;
      case '+':
      case '=':
        zoomBy(0.5);
        break;
      case '-':
      case '_':
        zoomBy(2);
        break;
      case '0':
        setView(0, model.end);
        break;
      case 'Home':
        setUpto(0);
        break;
      case 'End':
        setUpto(events.length);
        break;
      default:
        return;
    }
    ev.preventDefault();
  });
  const fit = (): void => {
    timeline.resize(canvasBox.clientWidth);
    requestRender();
  };
  window.addEventListener('resize', fit);
  timeline.resize(canvasBox.clientWidth);
  // A failed run opens on its failure: that is what its reader came for.
  if (model.failure !== null) seekFailure();
  render();
  const loadMs = performance.now() - loadStarted;

  const serverView = (s: ServerState, server: number): ServerView => ({
    server,
    role: s.crashed ? 'crashed' : s.role,
    term: s.term,
    commit: s.commit,
    crashed: s.crashed,
    connected: s.connected,
    snapshotIndex: s.snapshotIndex,
    log: s.terms.map((term, k) => {
      const index = s.snapshotIndex + 1 + k;
      return { index, term, committed: index <= s.commit };
    }),
  });
  return {
    loadMs,
    readyMs: performance.now(),
    events: events.length,
    test: header.test,
    failure: model.failure,
    cursor: () => ({ t: time(), upto }),
    seek: (t) => {
      seek(t, false);
      render();
    },
    state: () => {
      const servers = cluster.at(upto);
      return { leader: leaderAt(model, servers, time())?.server ?? null, servers: servers.map(serverView) };
    },
    view: () => ({ ...timeline.view }),
    zoom: (t0, t1) => {
      setView(t0, t1, false);
      render();
    },
    lanes: () =>
      Array.from({ length: header.servers }, (_, server) => ({ server, y: timeline.laneY(server) })),
    x: (t) => timeline.x(t),
    measureFps: (ms, mode) =>
      new Promise((resolve) => {
        const started = performance.now();
        const width = model.end / 10;
        let frames = 0;
        const frame = (now: number): void => {
          const elapsed = now - started;
          if (elapsed >= ms) {
            setView(0, model.end, false);
            render();
            resolve((frames * 1000) / elapsed);
            return;
          }
          frames++;
          const at = (elapsed / ms) * model.end;
          if (mode === 'pan') setView(at - width / 2, at + width / 2, false);
          seek(at, false);
          render();
          requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      }),
  };
}
