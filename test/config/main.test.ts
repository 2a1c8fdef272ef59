/** The command table: help, version, unknown and not-yet-built commands, clean errors. */
import { COMMANDS, main, usage } from '../../service/src/cli/main';
import { Recorder } from './helpers';

test('help lists every contract command and marks the missing ones', async () => {
  for (const argv of [[], ['help'], ['--help']]) {
    const io = new Recorder();
    expect(await main(argv, io)).toBe(0);
    expect(io.stdout).toBe(usage());
  }
  for (const name of ['run', 'demo', 'status', 'events', 'check-config', 'test-output']) {
    expect(COMMANDS[name]).toBeDefined();
    expect(usage()).toContain(`smallbms ${COMMANDS[name].usage}`);
  }
  expect(usage()).toMatch(/check-config \[FILE\][^\n]*every problem\n/);
});

test('--version prints the package version', async () => {
  const io = new Recorder();
  expect(await main(['--version'], io)).toBe(0);
  expect(io.stdout).toMatch(/^\d+\.\d+\.\d+$/);
});

test('unknown command: named with the "smallbms:" every error has, usage on stderr, exit 2', async () => {
  const io = new Recorder();
  expect(await main(['toString'], io)).toBe(2);
  expect(io.err[0]).toBe('smallbms: unknown command "toString"');
  expect(io.err[1]).toMatch(/^smallbms \d+\.\d+\.\d+: /);
  expect(io.stdout).toBe('');
});

test('a command that is not built yet says so', async () => {
  const name = Object.keys(COMMANDS).find((n) => !COMMANDS[n].load);
  if (name === undefined) return; // every command exists: nothing to check
  const io = new Recorder();
  expect(await main([name], io)).toBe(2);
  expect(io.stderr).toContain('not available yet');
});

test('a command that throws gives one clean line and exit 1; the stack only with SMALLBMS_DEBUG=1', async () => {
  COMMANDS['explode-for-test'] = {
    usage: 'explode-for-test',
    summary: 'test only',
    args: {},
    load: async () => async () => {
      throw new Error('boom');
    },
  };
  try {
    const io = new Recorder();
    expect(await main(['explode-for-test'], io)).toBe(1);
    expect(io.err).toEqual(['smallbms explode-for-test: boom']);
    process.env.SMALLBMS_DEBUG = '1';
    const debug = new Recorder();
    await main(['explode-for-test'], debug);
    expect(debug.stderr).toMatch(/\n\s+at /);
  } finally {
    delete process.env.SMALLBMS_DEBUG;
    delete COMMANDS['explode-for-test'];
  }
});
