/**
 * docs/install.md, "Trying the installer in a fake root": its commands, run as written (the
 * release built into a temporary folder instead of the repository's dist/, /tmp/fakegx moved
 * into that folder), install, report and uninstall cleanly, as the section says.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onPath } from '../tools.js';
import { REPO_ROOT } from './markdown-check';

const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/install.md'), 'utf8');
const version = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  expect(start).toBeGreaterThan(0);
  const next = doc.indexOf('\n## ', start + 3);
  return doc.slice(start, next < 0 ? undefined : next);
}

test('the fake-root commands of install.md work as written', () => {
  const text = section('Trying the installer in a fake root');
  const block = /```sh\n([\s\S]*?)```/.exec(text)?.[1];
  expect(block).toBeDefined();
  const lines = (block ?? '').trim().split('\n');
  expect(lines[0]).toBe('npm run package');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-fakeroot-doc-'));
  try {
    // Each documented line, then its exit code; `npm run package` builds into $dir/dist/release
    // (the documented $OLDPWD/dist/release) so the repository's dist/ is left alone.
    const script = [
      `cd ${JSON.stringify(dir)}`,
      `node ${JSON.stringify(path.join(REPO_ROOT, 'scripts/package.js'))} --out-dir "$PWD/dist/release" >/dev/null`,
      ...lines
        .slice(1)
        .map((l) => l.replace(/\/tmp\/fakegx/g, `${dir}/fakegx`).replace(/\s+#.*$/, ''))
        .map((l) => `${l}\necho "rc=$? for: ${l.replace(/[`"$\\]/g, '.')}"`),
    ].join('\n');
    expect(lines.join('\n')).toContain(`dbus-smallbms-${version}.tar.gz`);
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 120000 });
    const out = run.stdout + run.stderr;
    const codes = [...out.matchAll(/^rc=(\d+) for: (.*)$/gm)].map((m) => `${m[2]} → ${m[1]}`);
    // --status exits 1: nothing supervises the service there (the section says so)
    expect(codes).toEqual(
      lines.slice(1).map(
        (l) =>
          `${l
            .replace(/\/tmp\/fakegx/g, `${dir}/fakegx`)
            .replace(/\s+#.*$/, '')
            .replace(/[`"$\\]/g, '.')} → ${l.includes('--status') ? 1 : 0}`,
      ),
    );
    expect(out).toContain('Dry run finished: nothing was changed.');
    expect(out).toContain('No config found: would write the example config');
    expect(out).toContain('No config found: wrote the example config');
    // what the section says of --status, as the installer prints it
    expect(text).toContain('`Service: not supervised (svscan is not running it; svstat: …)`');
    expect(text).toContain('`2 problem(s) found.`');
    expect(out).toMatch(
      onPath('svstat')
        ? /^Service: not supervised \(svscan is not running it; svstat: /m
        : /problem: cannot tell whether the service runs/,
    );
    if (!onPath('dbus')) {
      expect(out).toContain('problem: the dbus command is not on PATH');
      expect(out).toContain('\n2 problem(s) found.\n');
    }
    expect(out).not.toContain('No problems found');
    expect(out).toMatch(
      /Installed: dbus-smallbms \S+ in \S+\/root\/data\/apps\/available\/dbus-smallbms/,
    );
    expect(out).toContain('dbus-smallbms removed.');
    // Only what the section made is left.
    const left = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(d, e.name);
        return e.isDirectory() ? [p, ...left(p)] : [p];
      });
    const root = path.join(dir, 'fakegx', 'root');
    expect(
      left(root)
        .map((p) => path.relative(root, p))
        .sort(),
    ).toEqual(['data', 'opt', 'opt/victronenergy', 'opt/victronenergy/version', 'service']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('install.md gives the SSH menus of both consoles (gui-v2 v3.50+ and older)', () => {
  const req = section('Requirements').replace(/\s+/g, ' ');
  expect(req).toContain('*Settings → General → Access & Security*');
  expect(req).toContain('*Enable SSH on LAN*');
  expect(req).toMatch(
    /older firmware.*\*Settings → General\* → \*Access level\*, \*Root password\*, \*SSH on LAN\*/,
  );
});

test('service/conf/README.md does not send the user to a menu that lacks the service name', () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'service/conf/README.md'), 'utf8');
  expect(text).not.toMatch(/check the name under Settings → Services/);
  expect(text).toContain('*Settings → Integrations* (current gui-v2)');
  expect(text).toContain('`dbus -y \\| grep battery`');
});
