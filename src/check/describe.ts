import type { Model, Operation } from './model.js';

/** One operation as the model describes it, or its input and output as JSON. */
export function describeOperation<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): string {
  return (
    model.describeOperation?.(op.input, op.output) ??
    `${JSON.stringify(op.input)} -> ${JSON.stringify(op.output)}`
  );
}

/** One state as the model describes it, or its key. */
export function describeState<S, I, O>(model: Model<S, I, O>, state: S): string {
  return model.describeState?.(state) ?? model.stateKey(state);
}

/** A time for people: `∞` for an operation that never returned. */
export function describeTime(time: number): string {
  return time === Number.POSITIVE_INFINITY ? '∞' : String(time);
}
