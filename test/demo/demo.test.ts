/**
 * `smallbms demo` end to end, as a user runs it: the real CLI, the real service in a child
 * process, the simulated GX, the embedded broker; fast speed. It must tell the whole story,
 * pass its own checks, exit 0 and leave no process and no file behind; it must fail on an
 * event its story does not expect; and it must stop everything when it is told to or when
 * its parent goes away.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { replaceFile } from '../../service/hw/simboard';
import { STORY } from '../../service/src/demo/story';
import { serviceNode } from '../helpers/runtime';

jest.setTimeout(90000);

interface Demo {
  child: ChildProcess;
  out(): string;
  /** Resolves with the first output match of `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  done: Promise<number | null>;
}

const started: ChildProcess[] = [];
afterEach(() => {
  // A failed test must not leave a demo running.
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

function start(args: string[], wrap = false): Demo {
  const script = ensureBundle();
  // wrap: a parent process in between (like npx) that the test can kill.
  const child = wrap
    ? spawn(
        serviceNode(),
        [
          '-e',
          `require('child_process').spawn(process.execPath, ${JSON.stringify([script, 'demo', ...args])}, { stdio: 'inherit' }); setInterval(() => {}, 1000);`,
        ],
        { stdio: 'pipe' },
      )
    : spawn(serviceNode(), [script, 'demo', ...args], { stdio: 'pipe' });
  started.push(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // The demo's output pipe closes when the demo ends (also when a wrapper was killed before).
  const closed = new Promise<void>((r) => child.stdout?.once('close', () => r()));
  const exited = new Promise<number | null>((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code)),
  );
  const done = closed.then(() => exited);
  return {
    child,
    out: () => out,
    done,
    waitFor(re, timeoutMs = 30000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out);
          if (!m) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${re} in:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const demo = start(args);
  const code = await demo.done;
  return { code, out: demo.out() };
}

/** Nothing the demo started is alive, and its folder is gone. */
function expectAllGone(out: string): void {
  const root = /simulated GX in (\S+),/.exec(out)?.[1];
  expect(root).toBeDefined();
  expect(fs.existsSync(root!)).toBe(false);
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  expect(ps.split('\n').filter((l) => root && l.includes(root))).toEqual([]);
  // The demo's own dbus-daemon and service, by pid.
  const pids = [...out.matchAll(/(?:dbus-daemon|smallbms run) \(pid (\d+)\)/g)].map((m) =>
    Number(m[1]),
  );
  expect(pids.length).toBe(2);
  const alive = new Set(ps.split('\n').map((l) => Number(l.trim().split(/\s+/)[0])));
  for (const pid of pids) expect(alive.has(pid)).toBe(false);
}

test('the demo tells every step of the story, passes its checks, exits 0 and cleans up', async () => {
  const { code, out } = await run(['--speed', '100']);
  expect(out).toContain('demo passed');
  expect(code).toBe(0);
  for (const step of STORY) expect(out).toContain(step.title);
  // The story's key moments, as the timeline prints them.
  expect(out).toMatch(/Normal → Pre-alarm: the BMS raised its pre-alarm/);
  expect(out).toMatch(/Pre-alarm → Loads off \(cell under-voltage\)/);
  expect(out).toMatch(/✓ pre-alarm on 3\d\.\d s before the UV load disconnect/);
  expect(out).toMatch(/Pre-alarm → Loads off \(low SoC\)/);
  expect(out).toMatch(/low-SoC shutdown in \d+ s/);
  expect(out).toMatch(/charge detected/);
  expect(out).toMatch(/Normal → Remote off/);
  expect(out).toMatch(/Normal → Fault/);
  expect(out).toMatch(/BMS cable: alarm/);
  expect(out).toMatch(/✓ every one of the \d+ events was one the story expects/);
  expect(out).toContain('✓ MQTT: retained state on the broker');
  expect(out).not.toContain('✗');
  expectAllGone(out);

  // The README's excerpt is what the demo prints (times aside).
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const excerpt = /real run at the default speed\):\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(excerpt).toBeDefined();
  const mask = (l: string): string =>
    l
      .replace(/t= *\d+(\.\d+)? s/g, 't=# s')
      .replace(/\d+\.\d s before/, '# s before')
      // One or two more events when the two contacts of step 5 are read one poll apart.
      .replace(/\d+ events/, '# events')
      .trimEnd();
  const printed = new Set(out.split('\n').map(mask));
  const quoted = excerpt!.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '…');
  expect(quoted.length).toBeGreaterThan(10);
  expect(quoted.map(mask).filter((l) => !printed.has(l))).toEqual([]);
});

test('an event the story does not expect fails the demo at once, even if it is over by the step end', async () => {
  const demo = start(['--speed', '50']);
  const root = (await demo.waitFor(/simulated GX in (\S+),/))[1];
  await demo.waitFor(/\[ 1\/\d+\] t= +0 s/);
  // A wire breaks for 100 ms during the first step, and is repaired long before its end.
  const input = path.join(root, 'gpio', 'digital_input_2', 'value');
  fs.rmSync(input);
  await new Promise((r) => setTimeout(r, 100));
  replaceFile(input, '0\n');
  const code = await demo.done;
  const out = demo.out();
  expect(out).toMatch(/✗ unexpected event during step 1 \("evening: [^"]*"\): Normal → Fault/);
  expect(out).toContain('demo FAILED');
  expect(out).not.toContain('demo passed');
  expect(out).not.toContain('(saw '); // caught by the event, not by an end-of-step check
  expect(out).not.toContain('[ 3/'); // it stopped there
  expect(code).toBe(1);
  expectAllGone(out);
});

test('the service dying in the middle of the story fails the demo', async () => {
  const demo = start(['--speed', '50']);
  const pid = Number((await demo.waitFor(/service: smallbms run \(pid (\d+)\)/))[1]);
  await demo.waitFor(/\[ 2\/\d+\]/);
  process.kill(pid, 'SIGKILL');
  expect(await demo.done).toBe(1);
  expect(demo.out()).toMatch(/✗ the service exited \(SIGKILL\)/);
  expect(demo.out()).toContain('demo FAILED');
  expectAllGone(demo.out());
});

test.each(['SIGTERM', 'SIGHUP'] as const)(
  '--keep says where its files are and how to stop it; %s stops everything',
  async (signal) => {
    const demo = start(['--speed', '500', '--keep']);
    await demo.waitFor(/stop: Ctrl-C here, or kill (\d+)/, 60000);
    const out = demo.out();
    const root = /simulated GX in (\S+),/.exec(out)![1];
    expect(out).toContain(`files: ${root}`);
    expect(fs.existsSync(path.join(root, 'service.log'))).toBe(true);
    demo.child.kill(signal);
    await demo.done;
    expect(demo.out()).toContain(`demo stopped (${signal})`);
    expectAllGone(demo.out());
  },
);

// At 40× the story (760 s) takes 19 s: slow enough that a busy machine does not make the
// service see a step's line a story step late (seen at 100× under load).
test('--keep: once the story has ended, what the user does is printed, not judged', async () => {
  const demo = start(['--speed', '40', '--keep']);
  await demo.waitFor(/stop: Ctrl-C here, or kill (\d+)/, 80000);
  expect(demo.out()).toContain('demo passed');
  expect(demo.out()).toContain(
    "(events show this computer's clock: at 40× a 30 s wait of the story takes 0.75 s)",
  );
  expect(demo.out()).toMatch(
    /✓ after step 3 \(checked at t=59\.5 s\): Loads off \(cell under-voltage\)/,
  );
  const root = /simulated GX in (\S+),/.exec(demo.out())![1];
  replaceFile(path.join(root, 'gpio', 'digital_input_4', 'value'), '1\n');
  // The story's own remote-off was step 13; this is the second.
  await demo.waitFor(/Normal → Remote off[\s\S]*Normal → Remote off/, 30000);
  await new Promise((r) => setTimeout(r, 300));
  expect(demo.out()).not.toContain('✗');
  expect(demo.out()).not.toContain('unexpected event');
  demo.child.kill('SIGTERM');
  await demo.done;
  expectAllGone(demo.out());
}, 120000);

test('the demo stops everything when its parent process dies (npx killed)', async () => {
  const demo = start(['--speed', '500', '--keep'], true);
  await demo.waitFor(/stop: Ctrl-C here, or kill (\d+)/, 60000);
  demo.child.kill('SIGKILL'); // the parent; the demo itself gets no signal
  await demo.done;
  expect(demo.out()).toMatch(/demo stopped \(its parent process \(pid \d+\) ended\)/);
  expectAllGone(demo.out());
});

test('--interactive without a terminal is refused before anything starts', async () => {
  const { code, out } = await run(['--interactive']);
  expect(code).toBe(2);
  expect(out).toContain('--interactive needs a terminal');
  expect(out).not.toContain('simulated GX in');
});

test('a bad --speed is refused with a clear message', async () => {
  const { code, out } = await run(['--speed', 'fast']);
  expect(code).toBe(2);
  expect(out).toContain('--speed must be a number');
});
