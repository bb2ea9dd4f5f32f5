import type { CheckResult } from './check.js';
import { describeOperation, describeState, describeTime } from './describe.js';
import type { Model } from './model.js';

/** The most prefix operations listed, and the most steps of each path: the latest ones, nearest the failure. */
const MAX_PREFIX_LINES = 30;
const MAX_PATH_STEPS = 12;

/**
 * A plain-text account of a check, for a failing test's message: the verdict per partition and, for each
 * illegal one, the operation that could not be linearized, the prefix it closes (its last 30 operations), and
 * the states tried (each with the last 12 operations that led there).
 */
export function formatViolation<S, I, O>(result: CheckResult<S, I, O>, model: Model<S, I, O>): string {
  const lines: string[] = [];
  const count = (verdict: string): number => result.partitions.filter((p) => p.verdict === verdict).length;
  lines.push(
    `verdict: ${result.verdict} (${result.partitions.length} partitions: ${count('ok')} ok, ${count('illegal')} illegal, ${count('unknown')} unknown)`,
  );
  for (const piece of result.partitions) {
    const violation = piece.violation;
    if (piece.verdict === 'unknown') lines.push(`${piece.label}: unknown (${piece.undecided ?? 'timeout'})`);
    if (!violation) continue;
    const blocked = piece.operations[violation.blocked];
    if (!blocked) continue;
    lines.push(
      `${piece.label}: not linearizable. The smallest prefix that cannot be linearized has ${violation.prefix.length} operations;`,
      `  it ends when client ${blocked.clientId}'s ${describeOperation(model, blocked)} returned at ${describeTime(blocked.return)} (called at ${describeTime(blocked.call)}).`,
      `  Prefix (call order):`,
    );
    const hidden = Math.max(0, violation.prefix.length - MAX_PREFIX_LINES);
    if (hidden > 0) lines.push(`    ... ${hidden} earlier operations`);
    for (const index of violation.prefix.slice(hidden)) {
      const op = piece.operations[index];
      if (!op) continue;
      const mark = index === violation.blocked ? '✗' : ' ';
      lines.push(
        `  ${mark} [${describeTime(op.call)}, ${describeTime(op.return)}] client ${op.clientId}: ${describeOperation(model, op)}`,
      );
    }
    const more = violation.distinctStates - violation.statesTried.length;
    lines.push(
      `  States from which it was tried (${violation.distinctStates}${more > 0 ? `, first ${violation.statesTried.length} shown` : ''}):`,
    );
    for (const tried of violation.statesTried) {
      const skipped = Math.max(0, tried.path.length - MAX_PATH_STEPS);
      const path = tried.path
        .slice(skipped)
        .map((step) => {
          const op = piece.operations[step.op];
          return op ? describeOperation(model, op) : '?';
        })
        .join(', ');
      lines.push(
        `    ${describeState(model, tried.state)}  after [${skipped > 0 ? `${skipped} more, ` : ''}${path}]`,
      );
    }
  }
  return lines.join('\n');
}
