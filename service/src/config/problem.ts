/** One thing wrong with a config file, for people: where (`$.a.b[0]`) and what, in a sentence. */
export interface Problem {
  /** JSONPath-like location, `$` for the whole document. */
  path: string;
  message: string;
  /** Where in the file (1-based), when the file has something at `path` (or above it). */
  line?: number;
  column?: number;
  /**
   * What to point at when it is not the value at `path`: a key (an unknown or a duplicate
   * key). Used while locating, then removed.
   */
  pointAt?: { path: string; key: boolean };
  /**
   * Schema rules (ajv keywords) this problem explains better at the same path, so one mistake
   * gives one problem: a board's relay count rather than the schema's maximum. Used while
   * validating, then removed.
   */
  replaces?: readonly string[];
}

/**
 * `line 5, column 20: $.systemVoltage: must be ...`, as check-config and run print it (where
 * first, as for a syntax error). A problem of the whole document (`$`: the file is missing or
 * not JSON, an unknown top-level key) names no path: `$:` alone tells people nothing.
 */
export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `line ${p.line}, column ${p.column ?? 1}: ` : '';
  return `${where}${p.path === '$' ? '' : `${p.path}: `}${p.message}`;
}

/** The D-Bus service name a bank publishes (contract.md: names). */
export function batteryServiceName(bankName: string): string {
  return bankName === 'Default'
    ? 'com.victronenergy.battery.smallbms'
    : `com.victronenergy.battery.smallbms_${bankName}`;
}
