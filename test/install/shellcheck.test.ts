/**
 * The shell scripts that run on the GX are POSIX sh (BusyBox ash there): shellcheck -s sh
 * must be clean. CI installs shellcheck (.ci/run); locally the test is skipped, with a
 * message, when it is missing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repo, shellcheck } from './helpers';

const scripts = [
  'install.sh',
  'service/run',
  'service/log/run',
  'scripts/release-launcher.sh',
  'test/install/fixtures/bin/svc',
  'test/install/fixtures/bin/svstat',
  'test/install/fixtures/bin/dbus',
  'test/install/fixtures/bin/df',
  'test/install/fixtures/bin/node-old',
];

if (!shellcheck) {
  console.warn('shellcheck not found: skipping the shellcheck test (apt-get install shellcheck)');
}

(shellcheck ? test : test.skip)('shellcheck -s sh is clean on the GX scripts', () => {
  const r = spawnSync(shellcheck!, ['-s', 'sh', ...scripts.map((s) => path.join(repo, s))], {
    encoding: 'utf8',
  });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});

/**
 * A clone runs the scripts directly (`./install.sh --help`): every tracked file that starts
 * with `#!` is stored executable (100755) in git. Skipped, with a message, outside a git
 * checkout (a source tarball has no index).
 */
const git = spawnSync('git', ['-C', repo, 'ls-files', '-s', '-z'], { encoding: 'utf8' });
if (git.status !== 0) console.warn('not a git checkout: skipping the script mode test');

(git.status === 0 ? test : test.skip)('every tracked #! script is executable in git', () => {
  const notExecutable = git.stdout
    .split('\0')
    .filter(Boolean)
    .map((l) => /^(\d+) \S+ \d+\t(.*)$/s.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === '100644')
    .map((m) => m[2])
    .filter((f) => {
      let fd: number | undefined;
      try {
        fd = fs.openSync(path.join(repo, f), 'r');
        const head = Buffer.alloc(2);
        return fs.readSync(fd, head, 0, 2, 0) === 2 && head.toString() === '#!';
      } catch {
        return false; // deleted in the work tree
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    });
  expect(notExecutable).toEqual([]);
  // the ones a user runs from a clone, named: a rename must not drop them from the check
  const modes = new Map(
    git.stdout
      .split('\0')
      .filter(Boolean)
      .map((l) => [l.split('\t')[1], l.split(' ')[0]]),
  );
  for (const f of ['install.sh', 'service/run', 'service/log/run', 'scripts/release-launcher.sh'])
    expect([f, modes.get(f)]).toEqual([f, '100755']);
});
