/**
 * Reading /data/conf/smallbms.json: strict JSON, the schema (with its defaults applied), the
 * cross-field rules, then relative directories resolved. Nothing here throws on bad input:
 * every problem comes back with its JSON path, so `check-config` can list them all at once.
 */
import * as path from 'path';
import { ajvProblems, pointerToPath } from './ajv-problems';
import { crossCheck } from './cross-checks';
import { readJson, type JsonReadResult } from './json-text';
import type { Problem } from './problem';
import { summarize } from './summary';
import { readText } from '../store/fs-async';
import type { SmallBmsConfig } from './types';
import { configValidator } from './validator';

export type { Problem } from './problem';

export const DEFAULT_CONFIG_PATH = '/data/conf/smallbms.json';

export type ParseResult =
  { ok: true; config: SmallBmsConfig; summary: string[] } | { ok: false; problems: Problem[] };

/** The schema defaults as a config with nothing set (used for "differs from default"). */
export function schemaDefaults(): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  configValidator()(doc);
  return doc;
}

/**
 * Directories in the config may be relative (the simulated board and the tests keep their
 * tree next to the config); they mean "relative to the config file's directory", never to
 * the process's working directory, which differs between the demo, tests and daemontools.
 */
function resolveDirs(config: SmallBmsConfig, baseDir: string): void {
  config.gpioRoot = path.resolve(baseDir, config.gpioRoot);
  config.dataDir = path.resolve(baseDir, config.dataDir);
}

export interface ParseOptions {
  /** Directory relative gpioRoot/dataDir are resolved against (default: sourceName's). */
  baseDir?: string;
}

/**
 * Parse and validate config text. `sourceName` is the file it came from (for messages and,
 * unless `baseDir` is given, for resolving relative directories).
 */
export function parseConfigText(
  text: string,
  sourceName: string,
  options: ParseOptions = {},
): ParseResult {
  const read = readJson(text);
  if (read.error) {
    const { line, column, message } = read.error;
    if (text.trim().length === 0) {
      return { ok: false, problems: [{ path: '$', message: `${sourceName} is empty` }] };
    }
    return {
      ok: false,
      problems: [
        {
          path: '$',
          message: `${sourceName} is not valid JSON: line ${line}, column ${column}: ${message}`,
        },
      ],
    };
  }
  const doc = read.value;
  const problems: Problem[] = read.duplicateKeys.map((p) => ({
    path: p,
    message: 'this key appears twice in the same object (the last one would win)',
    pointAt: { path: p, key: true },
  }));
  // The raw document for the cross-field rules: ajv fills defaults into `doc` below.
  const cross = crossCheck(doc);
  // One mistake, one problem: a cross-field rule explains e.g. "com.victronenergy.system"
  // better than the pattern, and "a Cerbo GX has relays 1 and 2" better than "must be ≤ 8".
  const replaced = new Set(
    cross.flatMap((p) => (p.replaces ?? []).map((keyword) => `${p.path}\n${keyword}`)),
  );
  const check = configValidator();
  if (!check(doc)) {
    const errors = (check.errors ?? []).filter(
      (e) => !replaced.has(`${pointerToPath(e.instancePath)}\n${e.keyword}`),
    );
    problems.push(...ajvProblems(errors));
  }
  problems.push(...cross.map(({ replaces: _, ...p }) => p));
  if (problems.length > 0) {
    return { ok: false, problems: sortByPath(problems.map((p) => located(p, read.locate))) };
  }
  const config = doc as unknown as SmallBmsConfig & { $schema?: string };
  delete config.$schema;
  resolveDirs(config, options.baseDir ?? path.dirname(path.resolve(sourceName)));
  return { ok: true, config, summary: summarize(config, schemaDefaults()) };
}

/** The problem with the line and column of what it names (`pointAt`, else its path). */
function located(p: Problem, locate: JsonReadResult['locate']): Problem {
  const { pointAt, ...rest } = p;
  const where = locate?.(pointAt?.path ?? p.path, pointAt?.key ?? false);
  return where ? { ...rest, ...where } : rest;
}

/** Document order is lost in ajv's output; grouping by path reads better than rule order. */
function sortByPath(problems: Problem[]): Problem[] {
  const key = (p: string): string =>
    p.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(6, '0')}]`);
  return [...problems].sort((a, b) =>
    key(a.path) < key(b.path) ? -1 : key(a.path) > key(b.path) ? 1 : 0,
  );
}

function readErrorMessage(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return `config file ${file} does not exist`;
  if (code === 'EACCES' || code === 'EPERM')
    return `config file ${file} cannot be read (permission denied)`;
  if (code === 'EISDIR') return `${file} is a directory, not a config file`;
  return `config file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
}

/** Read and parse a config file; a missing or unreadable file is a problem, not a throw. */
export async function loadConfigFile(
  file: string,
  options: ParseOptions = {},
): Promise<ParseResult> {
  let text: string;
  try {
    text = await readText(file);
  } catch (error) {
    return { ok: false, problems: [{ path: '$', message: readErrorMessage(file, error) }] };
  }
  return parseConfigText(text, file, options);
}

/** `--config FILE` (or `--config=FILE`), else $SMALLBMS_CONFIG, else /data/conf/smallbms.json. */
export function resolveConfigPath(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' && i + 1 < argv.length) return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  const fromEnv = env.SMALLBMS_CONFIG;
  return fromEnv && fromEnv.length > 0 ? fromEnv : DEFAULT_CONFIG_PATH;
}
