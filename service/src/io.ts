/**
 * What every command shares, whoever starts it (the CLI's command table, the demo, tests):
 * where it writes, and how its arguments are read and checked. It imports nothing, so the
 * CLI and the demo both depend on it and not on each other.
 */

/** Where a command writes; tests pass a recorder, the launcher passes the console. */
export interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

/** The arguments a command accepts after its name. */
export interface ArgSpec {
  /** Options without a value (`--json`). */
  flags?: readonly string[];
  /** Options followed by a value (`--config FILE`, or `--config=FILE`). */
  values?: readonly string[];
  /** How many plain words (not starting with `-`) may follow; default 0. */
  positional?: number;
  /**
   * What each plain word may be, in order (`dry-run on`): any other word is refused, named.
   * `required` words must be there.
   */
  words?: readonly {
    readonly choices: readonly string[];
    readonly required?: boolean;
    /** Accepted as well, but not listed in a refusal (`preAlarm` beside `pre-alarm`). */
    readonly also?: readonly string[];
  }[];
  /**
   * Options whose value must be a number: the test (of the number, and of the text for a
   * stricter reading such as `-n`'s digits only), and what it asks in words.
   */
  numbers?: Readonly<
    Record<string, { readonly ok: (n: number, text: string) => boolean; readonly what: string }>
  >;
}

/** `a, b or c` */
function oneOf(choices: readonly string[]): string {
  return choices.length < 2
    ? choices.join('')
    : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

export function flag(argv: readonly string[], name: string): boolean {
  return argv.includes(name);
}

export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** The words that are not options nor option values. */
export function positionals(argv: readonly string[], spec: ArgSpec): string[] {
  const values = spec.values ?? [];
  return argv.filter((a, i) => !a.startsWith('-') && !values.includes(argv[i - 1] ?? ''));
}

/** The first thing wrong with `argv` for `spec`, as a sentence, or null. */
export function argProblem(argv: readonly string[], spec: ArgSpec): string | null {
  const flags = spec.flags ?? [];
  const values = spec.values ?? [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) continue;
    if (flags.includes(a)) continue;
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (values.includes(name)) {
      if (name === a) {
        if (i + 1 >= argv.length) return `${a} needs a value`;
        i++;
      }
      continue;
    }
    return `unknown option ${a}`;
  }
  const words = positionals(argv, spec);
  const allowed = spec.positional ?? 0;
  if (words.length > allowed) return `unexpected argument "${words[allowed]}"`;
  for (const [i, slot] of (spec.words ?? []).entries()) {
    const word = words[i];
    if (word === undefined) {
      if (slot.required) return `missing argument: ${oneOf(slot.choices)}`;
    } else if (!slot.choices.includes(word) && !(slot.also ?? []).includes(word)) {
      return `'${word}' is not ${oneOf(slot.choices)}`;
    }
  }
  for (const [name, rule] of Object.entries(spec.numbers ?? {})) {
    const text = option(argv, name);
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || !rule.ok(n, text)) {
      // Worded as `-n` is (positiveCount): `--speed must be a number from 1 to 500 (got "x")`.
      return `${name} must be ${rule.what} (got "${text}")`;
    }
  }
  return null;
}

/**
 * A reader that went away (`smallbms status | head -2`) makes the next write fail with EPIPE.
 * That is no error of the command: end the process quietly with the exit code it has so far.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** `-n N`: a whole number ≥ 1, or a sentence saying what is wrong. */
export function positiveCount(text: string, name: string): number | string {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    return `${name} must be a whole number ≥ 1 (got "${text}")`;
  }
  return Number(text);
}
