/**
 * Fuzz every writable path of the running service with random D-Bus types and values:
 * anything invalid is refused with a non-zero code and changes nothing; the service lives.
 */
import { shutdown, startService, type Running, SERVICE } from '../e2e/harness';
import { Typed } from '../../service/src/venus/bus';
import { plain } from '../../service/src/venus/values';

const WRITABLE = [
  '/Mode',
  '/Bms/DryRun',
  '/CustomName',
  '/Bms/TestOutput/Load',
  '/Bms/TestOutput/Charge',
  '/Bms/TestOutput/PreAlarm',
];
/** Values each path accepts (anything else must be refused). */
const VALID: Record<string, (v: unknown, sig: string) => boolean> = {
  '/Mode': (v, sig) => 'iuynqxtdb'.includes(sig) && (v === 3 || v === 252),
  '/Bms/DryRun': (v, sig) => 'iuynqxtdb'.includes(sig) && (v === 0 || v === 1),
  '/CustomName': (v, sig) => sig === 's' && typeof v === 'string',
  '/Bms/TestOutput/Load': (v, sig) => 'iuynqxtdb'.includes(sig) && [0, 1, 2].includes(v as number),
  '/Bms/TestOutput/Charge': (v, sig) =>
    'iuynqxtdb'.includes(sig) && [0, 1, 2].includes(v as number),
  '/Bms/TestOutput/PreAlarm': (v, sig) =>
    'iuynqxtdb'.includes(sig) && [0, 1, 2].includes(v as number),
};

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];

function randomArg(): { sig: string; value: unknown } {
  const nums = [0, 1, 2, 3, 4, 252, -1, 0.5, 1e9, -2147483648, 2147483647];
  switch (pick(['i', 'd', 's', 'ai', 'as', 'b', 'y', 'x', 'aempty', 'dNaN', 'sjunk'])) {
    case 'i':
      return { sig: 'i', value: pick(nums.filter(Number.isInteger)) };
    case 'd':
      return { sig: 'd', value: pick(nums) + pick([0, 0.25]) };
    case 's':
      return { sig: 's', value: pick(['', '3', 'on', 'x'.repeat(300), 'ünïcødé', '\u0000a']) };
    case 'ai':
      return { sig: 'ai', value: [1, 2, 3] };
    case 'as':
      return { sig: 'as', value: ['3'] };
    case 'b':
      return { sig: 'b', value: rand() < 0.5 };
    case 'y':
      return { sig: 'y', value: pick([0, 1, 3, 255]) };
    case 'x':
      return { sig: 'x', value: BigInt(pick([0, 1, 3, 252])) };
    case 'aempty':
      return { sig: 'ai', value: [] };
    case 'dNaN':
      return { sig: 'd', value: NaN };
    default:
      return { sig: 's', value: '{"value": 3}' };
  }
}

let r: Running | undefined;

beforeAll(async () => {
  r = await startService({});
}, 30000);

afterAll(async () => {
  await shutdown(r);
});

async function rawSet(path: string, sig: string, value: unknown): Promise<number> {
  if (!r?.bus) throw new Error('no bus');
  const [code] = await r.bus.call({
    destination: SERVICE,
    path,
    interface: 'com.victronenergy.BusItem',
    member: 'SetValue',
    signature: 'v',
    body: [new Typed(sig, value)],
    timeoutMs: 3000,
  });
  return Number(code);
}

async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const p of [...WRITABLE, '/State', '/Bms/Outputs/Load', '/Bms/Outputs/Charge']) {
    out[p] = await r?.value(p);
  }
  return out;
}

test('300 random SetValue calls: invalid ones refused (non-zero) with no change; service alive', async () => {
  const running = r as Running;
  for (let i = 0; i < 300; i++) {
    const path = pick(WRITABLE);
    const { sig, value } = randomArg();
    const before = await snapshot();
    let code: number;
    try {
      code = await rawSet(path, sig, value);
    } catch {
      code = -1; // a D-Bus error reply is a refusal too
    }
    // Booleans count as 0/1 (accepted like python's bool is an int).
    const asNumber =
      typeof value === 'bigint' || typeof value === 'boolean' ? Number(value) : value;
    const valid = VALID[path](asNumber, sig);
    if (!valid) {
      expect({ path, sig, value: String(value), code: code !== 0 }).toEqual({
        path,
        sig,
        value: String(value),
        code: true,
      });
      expect(await snapshot()).toEqual(before);
    }
    if (code === 0 && path === '/Mode' && running) {
      // Keep the service mostly "on" so later writes exercise the same state.
      await rawSet('/Mode', 'i', 3);
    }
  }
  expect(typeof (await running.value('/DeviceInstance'))).toBe('number');
  expect(running.proc.exitCode).toBeNull();
  expect(running.log()).not.toMatch(/\n\s+at /);
}, 60000);

test('GetValue after the fuzz: typed values unchanged in kind', async () => {
  const v = plain(await (r as Running).value('/Mode'));
  expect([3, 252]).toContain(v);
});
