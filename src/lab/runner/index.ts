/** The lab suite's runner: `npm run lab`. */
export { labMain } from './cli.js';
export { parseLabOptions, UsageError, USAGE, type LabOptions } from './options.js';
export { replayCommand, runLabTest, type TestResult } from './run-test.js';
