/** A short real-process soak: lines flapping fast, the monitor at 20 Hz; RSS flat at the end. */
import * as fs from 'node:fs';
import { shutdown, sleep, startService, type Running } from '../e2e/harness';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

let r: Running | undefined;
const nodeOptions = process.env.NODE_OPTIONS;
afterAll(async () => {
  await shutdown(r);
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
});

test('25 s of 20 line changes/s and 20 Hz readings: alive, RSS flat over the last part', async () => {
  // The heap flags of service/run, as on a GX. With Node's defaults the young generation grows
  // to 3 × 16 MB at a moment that depends on the start-up allocations, which is not a leak.
  process.env.NODE_OPTIONS = '--max-old-space-size=48 --max-semi-space-size=2';
  r = await startService({
    editConfig: (c) => {
      for (const line of Object.values(c.lines as Record<string, Record<string, unknown>>)) {
        (line.source as Record<string, unknown>).pollMs = 20;
        line.debounceMs = 0;
      }
      c.tunables = { minOffTimeS: 0 };
    },
    args: [],
  });
  const running = r;
  const pid = running.proc.pid as number;
  const levels = [0, 0, 0, 1, 0];
  const samples: number[] = [];
  const start = Date.now();
  let i = 0;
  while (Date.now() - start < 25000) {
    const n = 1 + (i % 4);
    levels[n] = levels[n] ? 0 : 1;
    running.gx.board.setInput(n, levels[n] as 0 | 1);
    running.gx.battery?.reading({ soc: 50 + (i % 40), voltage: 12 + (i % 20) / 10, current: -5 });
    i++;
    await sleep(50);
    if (i % 40 === 0) samples.push(rssMb(pid));
  }
  expect(running.proc.exitCode).toBeNull();
  expect(typeof (await running.value('/State'))).toBe('number');
  const third = Math.floor(samples.length / 3);
  const middle = Math.max(...samples.slice(third, 2 * third));
  const end = Math.max(...samples.slice(2 * third));
  // Flat: the last third grows by less than 8 MB over the middle one.
  expect(end - middle).toBeLessThan(8);
  expect(running.log()).not.toMatch(/\n\s+at /);
}, 60000);
