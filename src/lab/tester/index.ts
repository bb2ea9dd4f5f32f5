/** The lab tester: config.go's harness on the simulator. */
export {
  Config,
  LIVELOCK_EVENTS,
  makeConfig,
  MAX_LOG_SIZE,
  RAFT_ELECTION_TIMEOUT,
  SNAPSHOT_INTERVAL,
  type ConfigOptions,
} from './config.js';
export { SimHarness, TEST_TIME_LIMIT_MS } from './sim-harness.js';
export { formatValue } from './format-value.js';
export { InvariantChecker } from './invariant-checker.js';
export { labTest, TestFailure, type LabT, type LabTest, type TestStats, type TestWorld } from './lab-test.js';
