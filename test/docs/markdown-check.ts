/**
 * Checks for a Markdown document of this repository: its relative links, the D-Bus paths it
 * names, and the config snippets it shows. Each function returns a list of problems (empty =
 * fine), so a test can both assert a real document is clean and prove on a broken one that
 * the check finds what it should.
 */
import * as fs from 'fs';
import * as path from 'path';
import { dvccLimits, addBatteryPaths } from '../../service/src/app/battery-service';
import { TUNABLE_SETTINGS, settingsPrefix } from '../../service/src/app/tunables';
import { parseConfigText } from '../../service/src/config/load';
import type { BusItemService } from '../../service/src/venus/busitem';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Text outside fenced code blocks (links and headings are not looked for inside them). */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
}

export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = githubSlug(m[1]);
    const n = seen.get(base) ?? 0;
    anchors.add(n === 0 ? base : `${base}-${n}`);
    seen.set(base, n + 1);
  }
  return anchors;
}

/**
 * Every relative link and image of `markdown` (a file at `file`) must name a file inside the
 * repository that exists, and an `#anchor` must be a heading of the target Markdown file.
 */
export function checkLinks(markdown: string, file: string, root = REPO_ROOT): string[] {
  const problems: string[] = [];
  for (const m of prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [rel, anchor] = target.split('#', 2);
    const resolved = rel === '' ? file : path.resolve(path.dirname(file), rel);
    const inside = path.relative(root, resolved);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      problems.push(`link ${target}: points outside the repository`);
      continue;
    }
    if (rel !== '' && !fs.existsSync(resolved)) {
      problems.push(`link ${target}: ${inside} does not exist`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md')) {
      const text = resolved === file ? markdown : fs.readFileSync(resolved, 'utf8');
      if (!anchorsOf(text).has(anchor)) {
        problems.push(`link ${target}: no heading #${anchor} in ${inside}`);
      }
    }
  }
  return problems;
}

/** Our battery service's paths (with the DVCC face) and our localsettings paths. */
export function ourPaths(bank = 'Default'): Set<string> {
  const paths = new Set<string>();
  const recorder = { add: (p: string) => paths.add(p) } as unknown as BusItemService;
  addBatteryPaths(recorder, {
    deviceInstance: 512,
    bank,
    version: '0',
    connection: 'test',
    hardware: 'test',
    serial: 'test',
    customName: '',
    dvcc: dvccLimits(12),
    onMode: () => true,
    onDryRun: () => true,
    onCustomName: () => true,
    onTestOutput: () => true,
  });
  for (const s of TUNABLE_SETTINGS) paths.add(`${settingsPrefix(bank)}/${s.setting}`);
  paths.add(`${settingsPrefix(bank)}/CustomName`);
  paths.add(`/Settings/Devices/smallbms_${bank}/ClassAndVrmInstance`);
  return paths;
}

/**
 * D-Bus paths (Victron style: a capitalised first segment) named anywhere in the text,
 * including code blocks and JSON strings. `<Role>` placeholders and `*` wildcards are kept.
 */
export function dbusPathsIn(markdown: string): string[] {
  const found = new Set<string>();
  for (const m of markdown.matchAll(
    /(?<![\w./<>-])\/[A-Z][A-Za-z0-9]*(?:\/(?:[A-Za-z0-9_]+|<[A-Za-z]+>|\*))*/g,
  )) {
    found.add(m[0]);
  }
  return [...found];
}

function patternOf(p: string): RegExp {
  const escaped = p
    .split(/(<[A-Za-z]+>|\*)/)
    .map((part) =>
      part === '*'
        ? '.+'
        : /^<[A-Za-z]+>$/.test(part)
          ? '[A-Za-z0-9_]+'
          : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${escaped}$`);
}

/**
 * Every D-Bus path must be one of ours (matching our path table, placeholders and wildcards
 * allowed) or be listed in `foreign`, the paths of other services the document may name.
 */
export function checkDbusPaths(
  markdown: string,
  ours: Set<string>,
  foreign: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const oursList = [...ours];
  for (const p of dbusPathsIn(markdown)) {
    if (foreign.has(p)) continue;
    const re = patternOf(p);
    if (!oursList.some((o) => re.test(o))) {
      problems.push(
        `D-Bus path ${p}: not in our service's path table nor in the known foreign paths`,
      );
    }
  }
  return problems;
}

/**
 * Every ```json block must be marked `json config` and pass the project's config loader
 * (schema, defaults, cross-field rules), exactly as `smallbms check-config` would.
 */
export function checkConfigBlocks(markdown: string, file: string): string[] {
  const problems: string[] = [];
  let n = 0;
  for (const m of markdown.matchAll(/^```(\S*)([^\n]*)\n([\s\S]*?)^```/gm)) {
    const [, lang, info, body] = m;
    if (lang !== 'json') continue;
    n += 1;
    if (!/\bconfig\b/.test(info)) {
      problems.push(`json block ${n}: not marked as a config (\`\`\`json config)`);
      continue;
    }
    const result = parseConfigText(body, `${path.basename(file)} json block ${n}`, {
      baseDir: REPO_ROOT,
    });
    if (!result.ok) {
      for (const p of result.problems) problems.push(`json block ${n}: ${p.path}: ${p.message}`);
    }
  }
  return problems;
}

export function countConfigBlocks(markdown: string): number {
  return [...markdown.matchAll(/^```json[^\n]*\bconfig\b[^\n]*\n/gm)].length;
}
