/** One bench of `npm run bench`: a name for `--only=`, and what it measures. */
import type { Report } from './report';
import type { Scripts } from './scripts';

export interface BenchContext {
  scripts: Scripts;
  /** `--quick`: shorter phases, for iteration (the docs say which figures come from it). */
  quick: boolean;
  argv: string[];
  report: Report;
}

export interface Bench {
  /** The key of `--only=` and of bench/results/latest.json. */
  name: string;
  /** Run by a plain `npm run bench` (false: only with `--only=<name>`). */
  inDefault: boolean;
  run(ctx: BenchContext): Promise<void>;
}
