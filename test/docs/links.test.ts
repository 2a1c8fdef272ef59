/**
 * Every relative link in README.md and docs/*.md resolves inside the repository: the file
 * exists (a clone has nothing beside it), and a `#fragment` names a heading of the target
 * the way GitHub makes anchors. Web links are not fetched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown without fenced code blocks and inline code (links there are not links). */
function prose(text: string): string {
  return text
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, (m) => (m.includes('](') ? '' : m));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1 for repeats. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1],
  );
}

test.each(docs)('%s: every relative link resolves inside the repository', (doc) => {
  const text = fs.readFileSync(path.join(root, doc), 'utf8');
  const problems: string[] = [];
  for (const link of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:
    const [file, fragment] = link.split('#');
    const target = file
      ? path.resolve(path.dirname(path.join(root, doc)), decodeURI(file))
      : path.join(root, doc);
    const inside = path.relative(root, target);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      problems.push(`${link}: outside the repository`);
    } else if (!fs.existsSync(target)) {
      problems.push(`${link}: ${inside} does not exist`);
    } else if (
      fragment &&
      target.endsWith('.md') &&
      !anchors(fs.readFileSync(target, 'utf8')).has(fragment)
    ) {
      problems.push(`${link}: no heading #${fragment} in ${inside}`);
    }
  }
  expect(problems).toEqual([]);
});

test('the checker finds what it must: outside links, missing files, missing anchors', () => {
  expect(
    links('see [a](../shared/spec/behaviour.md) and ![img](docs/x.svg "t") `[no](x)`'),
  ).toEqual(['../shared/spec/behaviour.md', 'docs/x.svg']);
  expect([
    ...anchors('# Install, update, uninstall\n## `smallbms` Commands\n## Tests\n## Tests\n'),
  ]).toEqual(['install-update-uninstall', 'smallbms-commands', 'tests', 'tests-1']);
});
