// `npm run lab`: the ported lab suites' runner (Raft 2A-2D, then kvraft 3A-3B). See `npm run lab -- --help`.
import { fileURLToPath } from 'node:url';
import { labMain } from '../../src/lab/runner/index.js';
import { renderTraceHtml } from '../../web/build-html.js';
import { suite as kvSuite } from '../kv/suite.js';
import { suite as raftSuite } from './suite.js';

process.exitCode = await labMain(
  [...raftSuite, ...kvSuite],
  process.argv.slice(2),
  fileURLToPath(import.meta.url),
  renderTraceHtml,
);
