// `npm run lab`: the ported lab suite's runner. See `npm run lab -- --help`.
import { fileURLToPath } from 'node:url';
import { labMain } from '../../src/lab/runner/index.js';
import { renderTraceHtml } from '../../web/build-html.js';
import { suite } from './suite.js';

process.exitCode = await labMain(
  suite,
  process.argv.slice(2),
  fileURLToPath(import.meta.url),
  renderTraceHtml,
);
