import type { Model } from './model.js';

/** A request to the compare-and-set register: read it, write `value`, or set it to `to` if it holds `from`. */
export type CasInput =
  | { readonly f: 'read' }
  | { readonly f: 'write'; readonly value: number }
  | { readonly f: 'cas'; readonly from: number; readonly to: number };

/**
 * The register's reply, as Jepsen records it: `ok` (a read carries the value read, `null` for a register never
 * written), `fail` (a cas whose `from` did not match), or `unknown` when no reply came (`:info`, a timeout): the
 * operation may or may not have taken effect, and any state accepts it.
 */
export interface CasOutput {
  readonly type: 'ok' | 'fail' | 'unknown';
  readonly value?: number | null;
}

/**
 * One compare-and-set register with the semantics of Jepsen's etcd test, as Porcupine's etcd model states them:
 * it starts as nil (`null`); a read is legal iff it returns the state (or is unknown); a write always succeeds;
 * a cas is legal iff it succeeds exactly when `from` equals the state (or is unknown), and it sets the state to
 * `to` whenever `from` equals the state. An unknown cas that never took effect is covered by linearizing it
 * last, after its effect no longer matters, which its infinite return time allows.
 */
export const casRegisterModel: Model<number | null, CasInput, CasOutput> = {
  init: () => null,
  step: (state, input, output) => {
    switch (input.f) {
      case 'read':
        return { ok: output.type === 'unknown' || output.value === state, state };
      case 'write':
        return { ok: true, state: input.value };
      case 'cas': {
        const matches = input.from === state;
        const ok = output.type === 'unknown' || (matches ? output.type === 'ok' : output.type === 'fail');
        return { ok, state: matches ? input.to : state };
      }
    }
  },
  stateKey: (state) => (state === null ? 'nil' : String(state)),
  describeOperation: (input, output) => {
    const reply = output.type === 'unknown' ? '?' : output.type;
    switch (input.f) {
      case 'read':
        return `read() -> ${output.type === 'ok' ? String(output.value ?? 'nil') : reply}`;
      case 'write':
        return `write(${input.value}) -> ${reply}`;
      case 'cas':
        return `cas(${input.from}, ${input.to}) -> ${reply}`;
    }
  },
  describeState: (state) => (state === null ? 'nil' : String(state)),
};
