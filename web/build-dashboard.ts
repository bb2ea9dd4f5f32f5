// The live dashboard as one self-contained HTML page (script and style inlined, no network beyond the members'
// /status), bundled with esbuild like the trace viewer. `tsx web/build-dashboard.ts OUT.html` writes it to a file
// (the build does, for dist/); src/dashboard loads it for the members' GET /.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript, scriptSafe } from './bundle-script.js';

const ENTRY = fileURLToPath(new URL('./dashboard/main.ts', import.meta.url));

/** The dashboard's HTML page. */
export function renderDashboardHtml(): string {
  const safe = scriptSafe(bundleScript(ENTRY));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raft-ts cluster</title>
<style>${STYLE}</style>
</head>
<body>
<h1>raft-ts cluster <span id="updated" class="updated"></span></h1>
<table id="members">
<thead><tr><th>member</th><th>client URL</th><th>role</th><th>term</th><th>leader</th><th>commit</th><th>applied</th><th>req/s</th></tr></thead>
<tbody></tbody>
</table>
<h2>Requests per second, all members, last minute</h2>
<svg id="chart" width="640" height="160" viewBox="0 0 640 160" role="img" aria-label="requests per second"></svg>
<p class="note">Polls each member's GET /status once a second; the rate comes from its <code>requests</code> counter.</p>
<script>${safe}</script>
</body>
</html>
`;
}

const STYLE = `
body { margin: 12px 16px; font: 13px system-ui, sans-serif; color: #263238; background: #fafafa; }
h1 { font-size: 16px; margin: 0 0 8px; }
h2 { font-size: 13px; margin: 14px 0 4px; color: #455a64; }
.updated { font-weight: normal; font-size: 12px; color: #78909c; margin-left: 8px; }
table { border-collapse: collapse; background: #fff; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eceff1; text-align: right; font-variant-numeric: tabular-nums; }
th { color: #546e7a; font-weight: 600; }
td.client, th:nth-child(2), th:nth-child(3), td.state { text-align: left; }
tr.leader td.state { color: #fff; background: #43a047; font-weight: 600; }
tr.candidate td.state { background: #fff59d; }
tr.down td { color: #b0bec5; }
tr.down td.state { color: #fff; background: #c62828; font-weight: 600; }
#chart { background: #fff; outline: 1px solid #cfd8dc; display: block; }
#chart text { font-size: 10px; fill: #78909c; }
#chart .axis { stroke: #90a4ae; }
#chart .grid { stroke: #eceff1; }
#rps-line { fill: none; stroke: #1e88e5; stroke-width: 2; }
.note { color: #78909c; font-size: 11px; }
`;

// As a script: write the page to the file named on the command line.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) {
    console.error('usage: tsx web/build-dashboard.ts OUT.html');
    process.exit(2);
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, renderDashboardHtml());
}
