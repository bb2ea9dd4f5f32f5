/** Raised when a history file cannot be read as a history; the message names the line. */
export class HistoryParseError extends Error {
  readonly code = 'CHECK_HISTORY_PARSE';
  constructor(
    /** The 1-based line the parser stopped at. */
    readonly line: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${message}`, options);
    this.name = 'HistoryParseError';
  }
}

/**
 * Raised when a history given to the checker is not a history: a call time that is not a finite number, or an
 * operation that returns before it is called. Checking it would give a verdict about nothing.
 */
export class InvalidHistoryError extends Error {
  readonly code = 'CHECK_INVALID_HISTORY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidHistoryError';
  }
}
