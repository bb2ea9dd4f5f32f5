import { availableParallelism } from 'node:os';

/** `npm run lab` options. */
export interface LabOptions {
  /** Only tests whose names match. */
  readonly run: RegExp | null;
  /** The first seed. */
  readonly seed: number;
  /** How many seeds, from `seed` on. */
  readonly seeds: number;
  /** Worker processes for a sweep. */
  readonly jobs: number;
  /** `--trace DIR`: write every run's trace there (failing runs write theirs to traces/ regardless). */
  readonly trace: string | null;
}

export const USAGE = `usage: npm run lab -- [--run REGEX] [--seed N] [--seeds K] [--jobs J] [--trace DIR]
  --run REGEX  run only the lab tests whose names match REGEX (e.g. '2A|2B', '^TestBackup2B$')
  --seed N     the (first) seed of the simulated world (default 1)
  --seeds K    run every selected test under seeds N..N+K-1 (default 1)
  --jobs J     worker processes for a sweep of several seeds (default: the number of cores)
  --trace DIR  write each run's trace (DIR/<test>-seed<N>.jsonl) and its HTML timeline (.html) to DIR;
               without it, only a failing run writes them, to traces/`;

/** Raised for a bad command line: the message says what is wrong. */
export class UsageError extends Error {
  readonly code = 'LAB_USAGE';
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export function parseLabOptions(argv: readonly string[]): LabOptions {
  let run: RegExp | null = null;
  let seed = 1;
  let seeds = 1;
  let jobs = availableParallelism();
  let trace: string | null = null;
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    if (flag === '--help' || flag === '-h') throw new UsageError('');
    const value = argv[k + 1];
    if (value === undefined) throw new UsageError(`${String(flag)} needs a value`);
    k++;
    switch (flag) {
      case '--run':
        try {
          run = new RegExp(value);
        } catch {
          throw new UsageError(`--run: not a regular expression: ${value}`);
        }
        break;
      case '--seed':
        seed = integer(flag, value, 0);
        break;
      case '--seeds':
        seeds = integer(flag, value, 1);
        break;
      case '--jobs':
        jobs = integer(flag, value, 1);
        break;
      case '--trace':
        if (value === '') throw new UsageError('--trace needs a directory');
        trace = value;
        break;
      default:
        throw new UsageError(`unknown option ${String(flag)}`);
    }
  }
  return { run, seed, seeds, jobs, trace };
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${value}`);
  return n;
}
