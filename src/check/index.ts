/** The linearizability checker: models as data, the search, the shipped models, history parsers and reports. */
export type { Model, Operation } from './model.js';
export {
  checkOperations,
  type CheckOptions,
  type CheckResult,
  type LinearizedStep,
  type PartitionResult,
  type TriedState,
  type Verdict,
  type Violation,
} from './check.js';
export { HistoryParseError, InvalidHistoryError } from './errors.js';
export { kvModel, type KvInput, type KvOutput, type KvState } from './kv-model.js';
export { parseKvHistory } from './parse-kv-history.js';
export { casRegisterModel, type CasInput, type CasOutput } from './cas-register-model.js';
export { parseJepsenHistory } from './parse-jepsen-history.js';
export { formatViolation } from './violation-text.js';
export { renderViolationHtml } from './violation-html.js';
