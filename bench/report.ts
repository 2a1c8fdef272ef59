/** What every bench writes to: printed rows, targets (PASS/MISS) and the JSON results. */
import { round, type Stats } from './lib';

export interface Target {
  name: string;
  limit: string;
  value: string;
  pass: boolean;
  margin: string;
}

export class Report {
  readonly results: Record<string, unknown> = {};
  readonly targets: Target[] = [];
  readonly rows: [string, string][] = [];

  heading(text: string): void {
    process.stdout.write(`\n${text}\n`);
  }

  row(name: string, value: string): void {
    this.rows.push([name, value]);
    process.stdout.write(`  ${name.padEnd(58)} ${value}\n`);
  }

  /**
   * A target: value must stay below `limit` (or above it when lowerIsBetter is false);
   * `inclusive` for targets written "≤" / "≥" (the limit itself passes; float noise below
   * 1e-9 relative is ignored).
   */
  target(
    name: string,
    limit: number,
    value: number,
    unit: string,
    lowerIsBetter = true,
    inclusive = false,
  ): void {
    const slack = inclusive ? Math.abs(limit) * 1e-9 : 0;
    const pass = lowerIsBetter
      ? value < limit || (inclusive && value <= limit + slack)
      : value > limit || (inclusive && value >= limit - slack);
    const margin = lowerIsBetter ? limit - value : value - limit;
    const sign = lowerIsBetter ? (inclusive ? '≤' : '<') : inclusive ? '≥' : '>';
    this.targets.push({
      name,
      limit: `${sign} ${limit}${unit}`,
      value: `${round(value, 3)}${unit}`,
      pass,
      margin: `${margin >= 0 ? '+' : ''}${round(margin, 3)}${unit}${pass ? ' headroom' : ' over'}`,
    });
  }

  printTargets(): void {
    process.stdout.write('\nTargets\n');
    for (const t of this.targets) {
      process.stdout.write(
        `  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(62)} ${t.value.padStart(10)} ${t.limit.padEnd(10)} ${t.margin}\n`,
      );
    }
  }
}

export function fmtStats(s: Stats): string {
  return `median ${round(s.median)}  p99 ${round(s.p99)}  max ${round(s.max)} ms (n=${s.n})`;
}
