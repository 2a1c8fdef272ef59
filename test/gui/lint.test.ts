/**
 * qmllint on every plugin QML file, against stand-ins for gui-v2's own types
 * (test/gui/stubs/Victron/VenusOS), so unknown properties, unresolved types and unqualified
 * access are caught before a GX ever loads the page.
 */
import path from 'path';
import { QMLLINT, describeWithQt, pluginQmlFiles, qmllint } from './qt';

describeWithQt([QMLLINT])('qmllint', () => {
  const files = pluginQmlFiles();

  it('finds the plugin pages', () => {
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining(['Device.qml', 'Settings.qml']));
  });

  it.each(files.map((f) => [path.basename(f), f]))('%s lints clean', (_name, file) => {
    const [result] = qmllint([file]);
    expect(result.warnings.map((w) => `${w.line ?? '?'}:${w.column ?? '?'} ${w.message}`)).toEqual(
      [],
    );
  });

  it('fails on an unknown property of a Victron type (the stand-ins are checked)', () => {
    const [result] = qmllint([path.join(__dirname, 'fixtures', 'BadProperty.qml')]);
    expect(result.warnings.map((w) => w.message).join('\n')).toMatch(/secondaryTxt/);
  });

  it('the render harness lints clean too', () => {
    const [result] = qmllint([path.join(__dirname, 'harness', 'Harness.qml')]);
    expect(result.warnings.map((w) => `${w.line ?? '?'}: ${w.message}`)).toEqual([]);
  });
});
