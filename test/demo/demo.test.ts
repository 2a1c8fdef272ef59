/**
 * `smallbms demo` end to end, as a user runs it: the real CLI, the real service in a child
 * process, the simulated GX, the embedded broker; fast speed. It must tell the whole story,
 * pass its own checks, exit 0 and leave no process behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { ensureBundle } from '../../scripts/bundle.js';
import { STORY } from '../../service/src/demo/story';

jest.setTimeout(90000);

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const script = ensureBundle();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, 'demo', ...args], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('the demo tells every step of the story, passes its checks, exits 0 and cleans up', async () => {
  const { code, out } = await run(['--speed', '100']);
  expect(out).toContain('demo passed');
  expect(code).toBe(0);
  for (const step of STORY) expect(out).toContain(step.title);
  // The story's key moments, as the timeline prints them.
  expect(out).toMatch(/state NORMAL → PRE_ALARM/);
  expect(out).toMatch(/state PRE_ALARM → LOADS_OFF_UV/);
  expect(out).toMatch(/✓ pre-alarm on 3\d\.\d s before the UV load disconnect/);
  expect(out).toMatch(/state PRE_ALARM → LOADS_OFF_SOC/);
  expect(out).toMatch(/low-SoC shutdown in \d+ s/);
  expect(out).toMatch(/charge detected/);
  expect(out).toMatch(/state NORMAL → REMOTE_OFF/);
  expect(out).toMatch(/state NORMAL → FAULT/);
  expect(out).toMatch(/alarm bmsCable 0 → 2/);
  expect(out).toContain('✓ MQTT: retained state on the broker');
  expect(out).not.toContain('✗');

  const root = /simulated GX in (\S+),/.exec(out)?.[1];
  expect(root).toBeDefined();
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  expect(ps.split('\n').filter((l) => root && l.includes(root))).toEqual([]);
  // The demo's own dbus-daemon and service, by pid.
  const pids = [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  expect(pids.length).toBe(2);
  const alive = new Set(ps.split('\n').map((l) => Number(l.trim().split(/\s+/)[0])));
  for (const pid of pids) expect(alive.has(pid)).toBe(false);
});

test('a bad --speed is refused with a clear message', async () => {
  const { code, out } = await run(['--speed', 'fast']);
  expect(code).toBe(2);
  expect(out).toContain('--speed must be a number');
});
