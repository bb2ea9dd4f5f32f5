/** The lab suite's runner: `npm run lab`. */
export { labMain } from './cli.js';
export { parseLabOptions, UsageError, USAGE, type LabOptions } from './options.js';
export { replayCommand, runLabTest, type TestResult, type TracePaths } from './run-test.js';
export {
  DEFAULT_TRACE_DIR,
  runTraced,
  traceLines,
  writeTrace,
  type TraceOptions,
  type TraceRenderer,
} from './traced-run.js';
