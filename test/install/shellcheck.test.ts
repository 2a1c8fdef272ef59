/**
 * The shell scripts that run on the GX are POSIX sh (BusyBox ash there): shellcheck -s sh
 * must be clean. CI installs shellcheck (.ci/run); locally the test is skipped, with a
 * message, when it is missing.
 */
import { spawnSync } from 'child_process';
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
