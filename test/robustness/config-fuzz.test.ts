/**
 * Thousands of random and broken configs through `check-config` (in-process), a few through
 * the real CLI: never a stack trace, exit 0 or 1 only.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfigCommand } from '../../service/src/cli/check-config';
import { ensureBundle } from '../../scripts/bundle.js';
import { tempRoot } from '../e2e/harness';
import { serviceNode } from '../helpers/runtime';

let seed = 4242;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];

const BASE = {
  name: 'Default',
  board: 'simulated',
  gpioRoot: '/tmp/gpio',
  dataDir: '/tmp/data',
  systemVoltage: 12,
  lines: {
    dischargeAllowed: { source: { type: 'gpio', input: 1, pollMs: 100 }, debounceMs: 200 },
    chargeAllowed: { source: { type: 'gpio', input: 2 } },
    preAlarm: { source: { type: 'digitalinput', input: 3 } },
  },
  outputs: { load: [{ type: 'relay', relay: 1 }], charge: [{ type: 'relay', relay: 2 }] },
  tunables: { minOffTimeS: 10 },
  mqtt: { enabled: false },
};

const ODD: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  NaN,
  '',
  'x',
  '../../etc/passwd',
  [],
  [1, 'a'],
  {},
  { type: 'nope' },
  { __proto__: { polluted: 1 } },
  'a'.repeat(5000),
];

function mutate(v: unknown, depth = 0): unknown {
  if (depth > 6 || rand() < 0.15) return pick(ODD);
  if (Array.isArray(v)) {
    const out = v.map((x) => (rand() < 0.3 ? mutate(x, depth + 1) : x));
    if (rand() < 0.2) out.push(pick(ODD));
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const k of Object.keys(out)) {
      const r = rand();
      if (r < 0.1) delete out[k];
      else if (r < 0.4) out[k] = mutate(out[k], depth + 1);
    }
    if (rand() < 0.1) out[pick(['extra', 'constructor', '__proto__', 'lines'])] = pick(ODD);
    return out;
  }
  return rand() < 0.5 ? pick(ODD) : v;
}

function brokenText(): string {
  const text = JSON.stringify(mutate(BASE), null, 2) ?? 'null';
  switch (pick(['ok', 'ok', 'ok', 'truncate', 'garbage', 'comment', 'bom', 'binary'])) {
    case 'truncate':
      return text.slice(0, Math.floor(rand() * text.length));
    case 'garbage': {
      const i = Math.floor(rand() * text.length);
      return text.slice(0, i) + pick(['}', ',', '"', '\\', '\u0000', 'NaN']) + text.slice(i);
    }
    case 'comment':
      return `// comment\n${text}`;
    case 'bom':
      return `\ufeff${text}`;
    case 'binary':
      return Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))).toString(
        'latin1',
      );
    default:
      return text;
  }
}

const dir = tempRoot('cfgfuzz');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('3000 random configs in-process: exit 0 or 1, never a stack trace', async () => {
  const file = path.join(dir, 'c.json');
  const codes = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    fs.writeFileSync(file, brokenText());
    const lines: string[] = [];
    const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    let code: number;
    try {
      code = await checkConfigCommand([file], out, {});
    } catch (err) {
      throw new Error(`check-config threw on case ${i}: ${(err as Error).stack}`);
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
    expect([0, 1]).toContain(code);
    const text = lines.join('\n');
    expect(text).not.toMatch(/\n\s+at /);
  }
  // Both outcomes occur: the fuzz is neither all-valid nor all-broken.
  expect(codes.get(0) ?? 0).toBeGreaterThan(0);
  expect(codes.get(1) ?? 0).toBeGreaterThan(100);
}, 60000);

test('the real CLI on a few broken files: exit 0 or 1, no stack trace', () => {
  const script = ensureBundle();
  const cases = [brokenText(), '', '{', '[]', 'null', '\u0000\u0001', JSON.stringify(BASE)];
  for (const [i, text] of cases.entries()) {
    const file = path.join(dir, `spawn-${i}.json`);
    fs.writeFileSync(file, text);
    const r = spawnSync(serviceNode(), [script, 'check-config', file], { encoding: 'utf8' });
    expect([0, 1]).toContain(r.status);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
  }
  const missing = spawnSync(serviceNode(), [script, 'check-config', path.join(dir, 'nope')], {
    encoding: 'utf8',
  });
  expect(missing.status).toBe(1);
  expect(missing.stderr).not.toMatch(/\n\s+at /);
}, 30000);
