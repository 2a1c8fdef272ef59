/**
 * Renders the plugin pages offscreen with the stand-in Victron types fed with fake values,
 * saves the screenshots to $SMALLBMS_RENDER_DIR (default: this test's private $TMPDIR; the shots
 * in docs/screenshots/ come from Victron's real gui-v2, see gui-qml/README.md) as
 * <scenario>.png and checks what a person would read
 * there (every visible text, printed by the harness), the state LED's colour and blinking,
 * and the writes that the controls make.
 */
import fs from 'fs';
import { TEST_REFUSED } from '../../service/src/words';
import os from 'os';
import path from 'path';
import { QML, describeWithQt, renderPage, type RenderResult } from './qt';

const SHOTS =
  process.env.SMALLBMS_RENDER_DIR ?? path.join(process.env.TMPDIR ?? os.tmpdir(), 'renders');
const RED = '#f35c58';
const GREEN = '#72b84c';

function render(page: string, scenario: string, action?: string): RenderResult {
  fs.mkdirSync(SHOTS, { recursive: true });
  const png = path.join(SHOTS, `${scenario}.png`);
  const result = renderPage(page, scenario, png, action);
  expect(result.errors).toEqual([]);
  const header = fs.readFileSync(png).subarray(0, 8);
  expect(header.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  return result;
}

/** The text right after `label` on the page (list rows print label, then value). */
function valueAfter(texts: string[], label: string): string | undefined {
  const i = texts.indexOf(label);
  return i >= 0 ? texts[i + 1] : undefined;
}

describeWithQt([QML])('device and settings pages, rendered', () => {
  it('normal: green steady state, outputs allowed, no countdown', () => {
    const r = render('Device.qml', 'normal');
    expect(valueAfter(r.texts, 'State')).toBe('Normal');
    expect(valueAfter(r.texts, 'Load output')).toBe('Allowed');
    expect(valueAfter(r.texts, 'Charge output')).toBe('Allowed');
    expect(valueAfter(r.texts, 'Pre-alarm output')).toBe('Off');
    expect(valueAfter(r.texts, 'State of charge')).toBe('82%');
    expect(valueAfter(r.texts, 'Allowed to discharge')).toBe('Allowed');
    expect(r.texts).not.toContain('Loads off in');
    expect(r.texts).not.toContain('Low SoC shutdown in');
    expect(r.texts).not.toContain('Dry run');
    expect(r.texts).toContain('Pre-alarm lead time');
    expect(r.leds.length).toBeGreaterThanOrEqual(3);
    for (const led of r.leds) expect(led).toEqual({ color: GREEN, opacity: 1 });
  });

  it('a target event (relay overridden and restored) shows as the last event, in full', () => {
    const r = render('Device.qml', 'relay-overridden');
    expect(valueAfter(r.texts, 'State')).toBe('Normal');
    expect(r.texts).toContain(
      '2026-11-29 04:12:04 +01:00 Load output, relay 1 (com.victronenergy.system /Relay/0/State): set to 0 by someone else while load is on: restored',
    );
  });

  it('pre-alarm: red blinking state, live countdown "28 s", warning alarm', () => {
    const r = render('Device.qml', 'pre-alarm');
    expect(valueAfter(r.texts, 'State')).toBe('Pre-alarm');
    expect(valueAfter(r.texts, 'Loads off in')).toBe('28 s');
    expect(valueAfter(r.texts, 'Pre-alarm output')).toBe('On');
    expect(valueAfter(r.texts, 'Allowed to discharge')).toBe('Not allowed');
    expect(valueAfter(r.texts, 'Low cell voltage')).toBe('Warning');
    expect(r.texts.some((t) => t.includes('Normal → Pre-alarm: the BMS withdrew'))).toBe(true);
    for (const led of r.leds) expect(led.color).toBe(RED);
    const opacities = new Set(r.leds.map((l) => l.opacity));
    expect(opacities.size).toBeGreaterThan(1); // it blinks
  });

  it('loads off on under-voltage: red steady, load output off, low cell voltage alarm', () => {
    const r = render('Device.qml', 'loads-off-uv');
    expect(valueAfter(r.texts, 'State')).toBe('Loads off (cell under-voltage)');
    expect(valueAfter(r.texts, 'Load output')).toBe('Off');
    expect(valueAfter(r.texts, 'Low cell voltage')).toBe('Alarm');
    expect(r.texts).not.toContain('Loads off in');
    for (const led of r.leds) expect(led).toEqual({ color: RED, opacity: 1 });
  });

  it('fault: red steady, BMS cable alarm, the unhealthy (invalid) line hidden', () => {
    const r = render('Device.qml', 'fault');
    expect(valueAfter(r.texts, 'State')).toBe('Fault');
    expect(valueAfter(r.texts, 'BMS cable')).toBe('Alarm');
    expect(valueAfter(r.texts, 'Load output')).toBe('Off');
    expect(valueAfter(r.texts, 'Charge output')).toBe('Off');
    expect(r.texts).not.toContain('Allowed to discharge');
    expect(r.texts).toContain('Allowed to charge');
    expect(r.texts.some((t) => t.includes('unhealthy'))).toBe(true);
    for (const led of r.leds) expect(led).toEqual({ color: RED, opacity: 1 });
  });

  it('normal (no dry run): relay-test rows shown (paths valid from the service), with the dry-run gate', () => {
    const r = render('Device.qml', 'normal');
    expect(r.texts).toContain('Relay test');
    expect(r.texts).toContain('Only in dry run — turn on dry run first');
    expect(valueAfter(r.texts, 'Only in dry run — turn on dry run first')).toBe(
      'In dry run the protection logic drives no output; a test drives one',
    );
    expect(r.texts).toContain('Turn on dry run');
    for (const row of ['Load output', 'Charge output', 'Pre-alarm output']) {
      expect(r.texts).toContain(`${row}: force on`);
      expect(r.texts).toContain(`${row}: force off`);
    }
  });

  it('a refused relay test says why on the page', () => {
    const r = render('Device.qml', 'relay-test-refused');
    expect(valueAfter(r.texts, 'Last test')).toBe(TEST_REFUSED);
  });

  it("relay test running: Stop offered, the relay's level beside the engine's wish, the result", () => {
    const r = render('Device.qml', 'relay-test-running');
    expect(r.texts).not.toContain('Only in dry run — turn on dry run first');
    expect(valueAfter(r.texts, 'Load output')).toBe('Allowed');
    expect(r.texts).toContain('Engine wants ON, relay 1 is OFF (relay test)');
    expect(valueAfter(r.texts, 'Last test')).toBe('Load output: test, forced OFF (relay 1 OFF)');
    const i = r.texts.indexOf('Load output: force off');
    expect(r.texts.slice(i + 1, i + 3)).toEqual([
      'Test running. Stop gives the output back to the protection logic',
      'Stop',
    ]);
  });

  it('relay test asks for confirmation, then writes /Bms/TestOutput/Load = 1; remote off = 252', () => {
    const r = render('Device.qml', 'relay-test-confirm', 'relay-test');
    expect(r.texts).toContain('Force the load output on?');
    expect(r.texts).toContain('Start test');
    expect(r.texts).toContain('Cancel');
    expect(valueAfter(r.texts, 'Dry run')).toBe('Outputs are not driven');
    expect(r.writes).toEqual([
      'dbus/com.victronenergy.battery.smallbms/Bms/TestOutput/Load = 1',
      'dbus/com.victronenergy.battery.smallbms/Mode = 252',
    ]);
  });

  it('settings page: help text and every tunable with its value', () => {
    const r = render('Settings.qml', 'settings');
    expect(r.texts.some((t) => t.startsWith('dbus-smallbms runs the smallBMS NG'))).toBe(true);
    const expected: [string, string][] = [
      ['Pre-alarm lead time', '30 s'],
      ['Discharge floor', '10%'],
      ['Low SoC warning margin', '5%'],
      ['Low SoC shutdown delay', '300 s'],
      ['SoC hysteresis', '3%'],
      ['Charge detect voltage (per 12 V)', '13.3 V'],
      ['Charge detect current', '1.0 A'],
      ['Charge detect hold time', '10 s'],
      ['Minimum off time', '10 s'],
      ['Pre-alarm mode', 'Continuous  ›'],
    ];
    for (const [label, value] of expected) {
      const i = r.texts.indexOf(label);
      expect(i).toBeGreaterThanOrEqual(0);
      // a caption line may sit between the label and the value
      expect(r.texts.slice(i + 1, i + 3)).toContain(value);
    }
    expect(r.texts).toContain('Pre-alarm after disconnect');
  });
});
