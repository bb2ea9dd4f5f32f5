import { fileURLToPath } from 'node:url';
import { bundleScript, scriptSafe } from './bundle-script.js';

const ENTRY = fileURLToPath(new URL('./viewer/main.ts', import.meta.url));

let bundle: string | null = null;

/** The viewer's code as one script, bundled once per process. */
export function viewerScript(): string {
  bundle ??= bundleScript(ENTRY);
  return bundle;
}

/**
 * The self-contained HTML timeline of one trace: the viewer's code and the trace inlined, no network access,
 * opens from disk. The trace sits verbatim in a non-executed script element; `<` in it is escaped as JSON's
 * \u003c, which JSON.parse reads back unchanged.
 */
export function renderTraceHtml(traceText: string): string {
  const title = /"test":"([^"]*)"/.exec(traceText)?.[1] ?? 'trace';
  const seed = /"seed":(\d+)/.exec(traceText)?.[1] ?? '?';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[<>&]/g, '')} seed ${seed} · raft-ts trace</title>
<style>${STYLE}</style>
</head>
<body>
<div id="app">loading the trace…</div>
<script type="application/x-ndjson" id="trace">
${traceText.replace(/</g, '\\u003c')}</script>
<script>${scriptSafe(viewerScript())}</script>
</body>
</html>
`;
}

const STYLE = `
body { margin: 0; font: 13px system-ui, sans-serif; color: #263238; background: #fafafa; }
#app { padding: 8px 14px; }
h1 { font-size: 16px; margin: 4px 0 6px; }
h2 { font-size: 13px; margin: 6px 0; color: #455a64; }
.verdict { padding: 1px 8px; border-radius: 3px; color: #fff; font-size: 13px; }
.verdict.pass { background: #2e7d32; }
.verdict.fail { background: #c62828; }
.failure { background: #ffebee; border: 1px solid #e57373; color: #b71c1c; padding: 6px 10px; margin: 4px 0 8px; border-radius: 3px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
.toolbar button { font: inherit; padding: 2px 8px; }
.toolbar select { font: inherit; }
.clock { margin-left: auto; font-variant-numeric: tabular-nums; font-weight: 600; }
#slider { width: 100%; margin: 4px 0; }
#timeline { display: block; outline: 1px solid #cfd8dc; background: #fff; cursor: crosshair; }
.legend { font-size: 11px; color: #546e7a; margin: 4px 0 8px; line-height: 18px; }
.legend .sw { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 8px; vertical-align: middle; }
.legend .sw.cut { background: repeating-linear-gradient(135deg, #e53935 0 2px, #fff 2px 5px); }
.legend .ln { display: inline-block; width: 16px; height: 3px; margin: 0 3px 0 8px; vertical-align: middle; }
.lower { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
.log-grid { display: grid; gap: 2px; align-items: center; overflow-x: auto; }
.log-head { font-size: 10px; color: #78909c; text-align: center; }
.log-head:first-child { text-align: left; }
.log-server { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 12px; }
.log-server.dim, .log-server.dim ~ .cell { opacity: 0.6; }
.role { padding: 0 5px; border-radius: 3px; font-size: 11px; }
.cut { color: #c62828; font-weight: 600; }
.cell { height: 22px; line-height: 20px; text-align: center; font-size: 12px; border: 2px solid transparent; box-sizing: border-box; border-radius: 3px; }
.cell.uncommitted { border-style: dashed; background: #fff; font-weight: 700; }
.cell.committed { font-weight: 600; }
.cell.snap { background: #eceff1; color: #90a4ae; font-size: 9px; }
.log-note { font-size: 11px; color: #78909c; margin-top: 4px; }
.why { margin-top: 8px; background: #fffde7; border: 1px solid #fff176; padding: 4px 10px; border-radius: 3px; }
.why p { margin: 4px 0; }
.events ol { list-style: none; padding: 0; margin: 0; font: 12px ui-monospace, monospace; }
.events li { padding: 1px 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.events li.current { background: #263238; color: #fff; }
.events li.future { color: #90a4ae; }
.events li.bad { color: #c62828; }
.events li.current.bad { background: #c62828; color: #fff; }
`;
