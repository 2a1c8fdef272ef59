/**
 * Issue 12, "restarts, updates and other writers never disturb a healthy output"
 * (behaviour.md sections 4 and 6), on the real service process and a real bus:
 * - `kill -9` + start and SIGTERM + start with healthy lines: zero "off" samples, sampled
 *   every ≤ 5 ms, on the relays, gpio targets, a /Mode device target and the DVCC paths;
 * - a restart while ATD was released during the downtime: the normal UV rules (rule 9);
 * - a start whose lines cannot be read (file missing; a source that hangs): the outputs held
 *   while unread, safe (FAULT) within the 3 s start-up hold;
 * - an outside write to our relay (/Relay/N/State, /SwitchableOutput/N/State): restored
 *   within 1 s, an event, the InternalFailure warning after repeated overrides;
 * - a relay function changed and given back: two events in `smallbms events`;
 * - the relays we own are hidden from the Switches pane, and shown again when the config
 *   stops using them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBundle } from '../../scripts/bundle.js';
import { DummyService } from '../../service/src/sim/dummy-service';
import { startFileSampler, type FileSamples } from '../helpers/file-sampler';
import type { HistoryEvent } from '../../service/src/status';
import {
  cli,
  getRemote,
  lastSeq,
  readEvents,
  setRemote,
  SERVICE,
  SETTINGS,
  shutdown,
  sleep,
  startService,
  waitEvent,
  waitFor,
  waitValue,
  type Running,
} from './harness';

const SYSTEM = 'com.victronenergy.system';
const INVERTER = 'com.victronenergy.inverter.sim';
const DVCC_PATHS = [
  '/Info/MaxChargeCurrent',
  '/Info/MaxDischargeCurrent',
  '/Io/AllowToCharge',
  '/Io/AllowToDischarge',
];

/** Every target of the sim config, plus gpio, a device /Mode and DVCC on load and charge. */
function fullConfig(c: Record<string, unknown>): void {
  c.outputs = {
    load: [
      { type: 'relay', relay: 1 },
      { type: 'gpio', path: 'load_gpio/value' },
      { type: 'device', service: INVERTER, path: '/Mode', onValue: 3, offValue: 4 },
      { type: 'dvcc' },
    ],
    charge: [
      { type: 'relay', relay: 2 },
      { type: 'gpio', path: 'charge_gpio/value' },
      { type: 'dvcc' },
    ],
    preAlarm: [{ type: 'gpio', path: 'prealarm/value' }],
  };
  c.tunables = { minOffTimeS: 0 };
}

interface Samples {
  files: FileSamples;
  /** D-Bus samples of our DVCC paths (a missing service is not "off"). */
  dbusN: number;
  off: Record<string, number>;
}

/**
 * The target files in a sampler process of its own (every 2 ms); the inverter's /Mode and
 * our DVCC paths from here, every 2 ms (the D-Bus reads overlap).
 */
async function sample(r: Running, inverter: DummyService): Promise<{ stop(): Promise<Samples> }> {
  const root = r.gx.board.root;
  const files = await startFileSampler({
    relay1: path.join(root, 'relay_1', 'value'),
    relay2: path.join(root, 'relay_2', 'value'),
    loadGpio: path.join(root, 'load_gpio', 'value'),
    chargeGpio: path.join(root, 'charge_gpio', 'value'),
  });
  const s = { dbusN: 0, off: {} as Record<string, number> };
  const offOnce = (name: string): void => {
    s.off[name] = (s.off[name] ?? 0) + 1;
  };
  let running = true;
  let inflight = 0;
  const tick = (): void => {
    if (!running) return;
    if (inverter.get('/Mode') !== 3) offOnce('inverterMode');
    if (inflight < 8 && r.bus) {
      inflight++;
      const bus = r.bus;
      void Promise.all(DVCC_PATHS.map((p) => getRemote(bus, SERVICE, p))).then((vs) => {
        inflight--;
        s.dbusN++;
        vs.forEach((v, i) => {
          if (v === 0) offOnce(DVCC_PATHS[i]);
        });
      });
    }
    setTimeout(tick, 2);
  };
  tick();
  return {
    stop: async () => {
      running = false;
      await waitFor(
        () => inflight,
        (n) => n === 0,
        'sampler idle',
      );
      const f = await files.stop();
      return { files: f, dbusN: s.dbusN, off: { ...f.off, ...s.off } };
    },
  };
}

async function startInverter(r: Running): Promise<DummyService> {
  const inverter = new DummyService({
    address: r.gx.address!,
    name: INVERTER,
    paths: { '/Mode': { type: 'i', value: 3, writable: { values: [1, 2, 3, 4] } } },
  });
  await inverter.start();
  return inverter;
}

async function allOn(r: Running, inverter: DummyService): Promise<void> {
  await waitValue(r, '/Bms/State', (v) => v === 1, 'NORMAL');
  const root = r.gx.board.root;
  await waitFor(
    () =>
      r.gx.board.readRelay(1) === 1 &&
      r.gx.board.readRelay(2) === 1 &&
      fs.readFileSync(path.join(root, 'load_gpio', 'value'), 'utf8').trim() === '1' &&
      inverter.get('/Mode') === 3,
    (ok) => ok,
    'every target on',
  );
  await waitValue(r, '/Info/MaxChargeCurrent', (v) => typeof v === 'number' && v > 0, 'CCL');
}

describe('restarts with healthy lines', () => {
  let r: Running | undefined;
  let inverter: DummyService | undefined;
  afterAll(async () => {
    await inverter?.stop();
    await shutdown(r);
  });

  test('kill -9 + start and SIGTERM + start: zero off samples on every target', async () => {
    r = await startService({ editConfig: fullConfig });
    const run = r;
    inverter = await startInverter(run);
    const inv = inverter;
    for (const dir of ['load_gpio', 'charge_gpio']) {
      fs.mkdirSync(path.join(run.gx.board.root, dir), { recursive: true });
    }
    await run.restart(); // now with the inverter on the bus and the gpio dirs made
    await allOn(run, inv);
    const script = ensureBundle();
    const relayWrites = run.gx.systemcalc?.writes.length ?? 0;
    const sampler = await sample(run, inv);
    for (const how of ['kill9', 'kill9', 'kill9', 'term', 'term', 'term'] as const) {
      if (how === 'kill9') await run.kill9();
      else await run.stop();
      run.proc = run.gx.spawnService(script, []);
      await run.ready();
      await waitValue(run, '/Bms/State', (v) => v === 1, 'NORMAL again');
      await sleep(150);
    }
    const samples = await sampler.stop();
    const f = samples.files;
    process.stdout.write(
      `restart samples: files ${f.n} (max gap ${f.maxGapMs} ms, ${f.slowGaps} gaps > 5 ms), ` +
        `D-Bus ${samples.dbusN}, off ${JSON.stringify(samples.off)}\n`,
    );
    expect(f.n).toBeGreaterThan(500);
    expect(samples.dbusN).toBeGreaterThan(100);
    expect(samples.off).toEqual({});
    // Nothing was written at those starts: every target already had its level.
    expect(run.gx.systemcalc?.writes.slice(relayWrites)).toEqual([]);
    expect(inv.writes).toEqual([]);
  });

  test('ATD released during the downtime: loads off at once by levels (rule 9), charge untouched', async () => {
    const run = r!;
    await run.stop();
    run.gx.board.setInput(1, 1); // contact open: ATD released
    const sampler = await sample(run, inverter!);
    const mark = lastSeq(run.gx);
    await run.restart();
    await waitValue(run, '/Bms/State', (v) => v === 3, 'LOADS_OFF_UV');
    await waitFor(
      () => run.gx.board.readRelay(1),
      (v) => v === 0,
      'load relay off',
    );
    const samples = await sampler.stop();
    const uv = await waitEvent(run.gx, (e) => e.kind === 'state', 'state event', mark);
    expect(uv.to).toBe('LOADS_OFF_UV');
    expect(uv.reason).toMatch(/while loads were off: loads stay off/);
    expect(samples.off.relay2 ?? 0).toBe(0);
    expect(samples.off['/Info/MaxChargeCurrent'] ?? 0).toBe(0);
    expect(run.gx.board.readRelay(2)).toBe(1);
    run.gx.board.setInput(1, 0);
    await waitValue(run, '/Bms/State', (v) => v === 1, 'NORMAL after ATD is back');
  });

  test('a start whose line file is missing: safe (FAULT) within the start-up hold', async () => {
    const run = r!;
    await run.stop();
    const input = path.join(run.gx.board.root, 'digital_input_2', 'value');
    fs.rmSync(input);
    const started = Date.now();
    run.proc = run.gx.spawnService(ensureBundle(), []);
    await waitFor(
      () => run.gx.board.readRelay(1) === 0 && run.gx.board.readRelay(2) === 0,
      (ok) => ok,
      'relays off',
      5000,
    );
    const ms = Date.now() - started;
    process.stdout.write(`unreadable line: relays off ${ms} ms after spawn\n`);
    expect(ms).toBeLessThan(3000 + 1500); // the hold, plus Node's start on a busy machine
    await run.ready();
    await waitValue(run, '/Bms/State', (v) => v === 6, 'FAULT');
    expect(await run.value('/Alarms/BmsCable')).toBe(2);
    fs.writeFileSync(input, '0\n');
    await waitValue(run, '/Bms/State', (v) => v === 1, 'NORMAL once readable');
    // The outputs follow NORMAL once it has held the settle time (behaviour.md rule 13).
    await waitFor(
      () => [run.gx.board.readRelay(1), run.gx.board.readRelay(2)],
      (v) => v[0] === 1 && v[1] === 1,
      'both relays back on',
    );
  });

  test('a line source that hangs: outputs held for the 3 s start-up hold, then safe (FAULT)', async () => {
    const run = r!;
    await run.stop();
    // A service that owns its name but answers nothing: every method call to it is taken
    // and never replied to (no SIGSTOP, whose timing against the name request was a race).
    // Its line stays unread (the monitor's calls wait 5 s), longer than the start-up hold.
    const hung = spawn(
      process.execPath,
      [
        '-e',
        `const b = require('dbus-next').sessionBus({ busAddress: process.argv[1] });` +
          `b.addMethodHandler(() => true);` +
          `b.requestName('com.victronenergy.battery.hung', 0).then((r) => console.log('owned', r))`,
        run.gx.address!,
      ],
      { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const owned = await new Promise<string>((resolve) =>
        hung.stdout.on('data', (d: Buffer) => resolve(String(d).trim())),
      );
      expect(owned).toBe('owned 1'); // DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
      const configText = fs.readFileSync(run.gx.configFile, 'utf8');
      const config = JSON.parse(configText) as { lines: Record<string, unknown> };
      config.lines.chargeAllowed = {
        source: {
          type: 'dbus',
          service: 'com.victronenergy.battery.hung',
          path: '/Io/AllowToCharge',
          op: '==',
          value: 1,
          staleTimeoutS: 0,
        },
      };
      fs.writeFileSync(run.gx.configFile, JSON.stringify(config));
      const mark = lastSeq(run.gx);
      const started = Date.now();
      run.proc = run.gx.spawnService(ensureBundle(), []);
      let offAt = 0;
      while (Date.now() - started < 6000 && offAt === 0) {
        if (run.gx.board.readRelay(2) !== 1) offAt = Date.now() - started;
        await sleep(5);
      }
      process.stdout.write(`hung line source: charge relay held for ${offAt} ms after spawn\n`);

      if (offAt < 3000) {
        await sleep(300);
        process.stdout.write(`EARLY: ${JSON.stringify(readEvents(run.gx).slice(-4))}\n`);
      }
      // Held (still on) while the line was unread, off once the hold ran out.
      expect(offAt).toBeGreaterThanOrEqual(3000);
      expect(offAt).toBeLessThan(3000 + 1500);
      expect(run.gx.board.readRelay(1)).toBe(0); // FAULT: loads off too
      await waitValue(run, '/Bms/State', (v) => v === 6, 'FAULT');
      // This run's FAULT event (its line may land in the history just after the D-Bus value;
      // the history also holds the previous test's FAULT).
      const fault = await waitEvent(
        run.gx,
        (e) => e.kind === 'state' && e.to === 'FAULT',
        'FAULT event',
        mark,
      );
      expect(fault.reason).toBe(
        'line chargeAllowed unhealthy (no first reading within the 3 s start-up hold)',
      );
      await run.stop();
      fs.writeFileSync(run.gx.configFile, configText);
    } finally {
      hung.kill('SIGKILL');
    }
    await run.restart();
    await waitValue(run, '/Bms/State', (v) => v === 1, 'NORMAL with the gpio line again');
  });
});

describe('other writers', () => {
  let r: Running | undefined;
  afterAll(() => shutdown(r));

  test('an outside write to our relay is restored within 1 s, an event each time, then the warning', async () => {
    r = await startService({});
    const run = r;
    const bus = run.bus!;
    await waitValue(run, '/Bms/State', (v) => v === 1, 'NORMAL');
    await waitFor(
      () => run.gx.board.readRelay(1),
      (v) => v === 1,
      'load relay on',
    );
    const times: number[] = [];
    const paths = ['/Relay/0/State', '/SwitchableOutput/0/State', '/Relay/0/State'];
    for (const p of paths) {
      const mark = lastSeq(run.gx);
      const t0 = Date.now();
      expect(await setRemote(bus, SYSTEM, p, 0)).toBe(0);
      await waitFor(
        () => run.gx.board.readRelay(1),
        (v) => v === 1,
        `relay 1 restored after a write to ${p}`,
        1000,
      );
      times.push(Date.now() - t0);
      const e = await waitEvent(run.gx, (x) => x.kind === 'target', 'override event', mark);
      expect(e.name).toMatch(/^load: relay 1/);
      expect(e.from).toBe('0');
      expect(e.reason).toMatch(/set to 0 by someone else .*: restored/);
      expect(await getRemote(bus, SYSTEM, '/SwitchableOutput/0/State')).toBe(1);
    }
    process.stdout.write(`override restored in (ms): ${times.join(' ')}\n`);
    await waitValue(run, '/Alarms/InternalFailure', (v) => v === 1, 'warning after 3 overrides');
    expect(String(await run.value('/Bms/LastEvent'))).toMatch(
      / Load output, relay 1: switched OFF by someone else while the load output should be ON: switched back$/,
    );
  });

  test('relay function taken away and given back: two events in `smallbms events`', async () => {
    const run = r!;
    const mark = lastSeq(run.gx);
    expect(await setRemote(run.bus!, SETTINGS, '/Settings/Relay/Function', 1)).toBe(0);
    await waitEvent(run.gx, (e) => e.kind === 'target' && e.to === 'refused', 'taken', mark);
    // Left alone: its new owner may switch it.
    expect(await setRemote(run.bus!, SYSTEM, '/Relay/0/State', 0)).toBe(0);
    await sleep(300);
    expect(run.gx.board.readRelay(1)).toBe(0);
    expect(await setRemote(run.bus!, SETTINGS, '/Settings/Relay/Function', 2)).toBe(0);
    await waitEvent(run.gx, (e) => e.kind === 'target' && e.to === 'ok', 'given back', mark);
    await waitFor(
      () => run.gx.board.readRelay(1),
      (v) => v === 1,
      'driven again',
    );
    const out = await cli(run.gx.address, ['events', '--config', run.gx.configFile, '-n', '5']);
    const lines = out.stdout
      .split('\n')
      .filter((l) => / Load output, relay 1.* (ok|refused) → /.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ok → refused: relay 1 function is 'genset start\/stop' \(1\)/);
    expect(lines[1]).toMatch(/refused → ok: .*given back .*driven on/);
    const events: HistoryEvent[] = readEvents(run.gx).filter((e) => e.seq > mark);
    expect(events.filter((e) => e.kind === 'target')).toHaveLength(2);
  });

  test('relay polarity "normally closed": still driven, a warning event and a note, cleared when set back', async () => {
    const run = r!;
    const mark = lastSeq(run.gx);
    const notes = (): Promise<unknown> => getRemote(run.bus!, SERVICE, '/Bms/Notes');
    expect(await setRemote(run.bus!, SETTINGS, '/Settings/Relay/1/Polarity', 1)).toBe(0);
    const warned = await waitEvent(
      run.gx,
      (e) => e.kind === 'target' && e.to === true && /polarity/.test(e.reason),
      'polarity warning',
      mark,
    );
    expect(warned.name).toMatch(/^charge: relay 2 /);
    expect(warned.reason).toMatch(/normally closed.*does not disconnect/);
    await waitFor(notes, (v) => typeof v === 'string' && /relay 2 polarity/.test(v), 'note');
    // systemcalc flips the file of a manual NC relay: charge allowed (State 1) releases it.
    expect(await getRemote(run.bus!, SYSTEM, '/Relay/1/State')).toBe(1);
    expect(await setRemote(run.bus!, SETTINGS, '/Settings/Relay/1/Polarity', 0)).toBe(0);
    await waitEvent(
      run.gx,
      (e) => e.kind === 'target' && e.to === false && /polarity/.test(e.reason),
      'warning ended',
      mark,
    );
    await waitFor(notes, (v) => typeof v === 'string' && !/polarity/.test(v), 'note gone');
    const out = await cli(run.gx.address, ['events', '--config', run.gx.configFile, '-n', '5']);
    expect(out.stdout).toMatch(/Charge output, relay 2[: ].*polarity is 'normally closed'/);
  });

  test('our relays are hidden from the Switches pane, and shown again when no longer used', async () => {
    const run = r!;
    const bus = run.bus!;
    const show = (i: number): Promise<unknown> =>
      getRemote(bus, SYSTEM, `/SwitchableOutput/${i}/Settings/ShowUIControl`);
    await waitFor(
      () => show(0),
      (v) => v === 0,
      'relay 1 hidden',
    );
    expect(await show(1)).toBe(0);
    expect(await getRemote(bus, SETTINGS, '/Settings/Relay/0/ShowUIControl')).toBe(0);
    const file = path.join(run.gx.o.root, 'data', 'relay-ui');
    expect(fs.readFileSync(file, 'utf8')).toBe('0 1\n1 1\n');
    // The config stops using relay 2.
    const config = JSON.parse(fs.readFileSync(run.gx.configFile, 'utf8')) as {
      outputs: Record<string, unknown[]>;
    };
    config.outputs.charge = [{ type: 'gpio', path: 'relay_2/value' }];
    fs.writeFileSync(run.gx.configFile, JSON.stringify(config));
    await run.restart();
    await waitFor(
      () => show(1),
      (v) => v === 1,
      'relay 2 shown again',
    );
    expect(await show(0)).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('0 1\n');
  });
});
