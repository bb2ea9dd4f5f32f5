/**
 * The live dashboard page that every member serves at GET /. Built from web/dashboard by web/build-dashboard.ts:
 * `npm run build` writes it to dist/dashboard.html, read by the compiled module; run from source (tsx), it is
 * bundled on first use instead (esbuild, a few tens of milliseconds).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const BUILT = new URL('../dashboard.html', import.meta.url);
const SOURCE = new URL('../../web/build-dashboard.ts', import.meta.url);

let page: Promise<string> | null = null;

/** The dashboard's HTML (cached): self-contained, it fetches only the members' GET /status. */
export function dashboardHtml(): Promise<string> {
  page ??= load();
  return page;
}

async function load(): Promise<string> {
  // Compiled (dist/dashboard/index.js): the page the build wrote next to it. From source (tsx): bundle it now.
  if (existsSync(fileURLToPath(BUILT))) return readFile(BUILT, 'utf8');
  if (existsSync(fileURLToPath(SOURCE))) {
    const builder = (await import(SOURCE.href)) as { renderDashboardHtml: () => string };
    return builder.renderDashboardHtml();
  }
  throw new Error(
    `the dashboard page is missing: neither ${fileURLToPath(SOURCE)} nor ${fileURLToPath(BUILT)}`,
  );
}
