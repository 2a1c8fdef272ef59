/**
 * The packed plugin (scripts/pack-gui-plugin.js) against what gui-v2 requires of it
 * (src/guiplugins.cpp populatePlugins / loadPluginData, components/DevicePage.qml).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { RCC, ROOT, describeWithQt, pluginQmlFiles } from './qt';

interface Integration {
  type: number;
  url?: string;
  title?: string;
  productId?: string;
}
interface Plugin {
  name: string;
  version: string;
  minRequiredVersion: string;
  maxRequiredVersion: string;
  translations: string[];
  integrations: Integration[];
  resource: string;
}
interface Packer {
  build(o: { out: string; rcc?: string }): { out: string; plugin: Plugin; files: string[] };
  verify(out: string): { files: string[]; problems: string[] };
  readRcc(buf: Buffer): { version: number; files: { path: string; data: Buffer }[] };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const packer = require(path.join(ROOT, 'scripts', 'pack-gui-plugin.js')) as Packer;

/** gui-v2's Utils.toHexFormat(): how DevicePage.qml turns /ProductId into the match key. */
function toHexFormat(n: number): string {
  return n ? `0x${n.toString(16).toUpperCase()}` : '';
}

/** gui-v2 parses versions with QVersionNumber after stripping a leading 'v'. */
function parseGuiVersion(raw: string): number[] {
  const s = raw.startsWith('v') || raw.startsWith('V') ? raw.slice(1) : raw;
  const m = /^(\d+(?:\.\d+)*)/.exec(s);
  return m ? m[1].split('.').map(Number) : [];
}

describeWithQt([RCC])('gui-v2 plugin JSON', () => {
  let dir: string;
  let plugin: Plugin;
  let out: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gui-plugin-'));
    out = path.join(dir, 'dbus-smallbms.json');
    plugin = packer.build({ out, rcc: RCC }).plugin;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has the fields gui-v2 requires, name = app folder, version from package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as Plugin;
    expect(written).toEqual(plugin);
    expect(plugin.name).toBe('dbus-smallbms');
    expect(plugin.name).toBe(pkg.name);
    expect(plugin.version).toBe(pkg.version);
    expect(plugin.resource.length).toBeGreaterThan(0);
    expect(Array.isArray(plugin.integrations)).toBe(true);
    expect(Array.isArray(plugin.translations)).toBe(true);
  });

  it('declares gui-v2 versions (not Venus OS ones): 1.2.14 <= gui-v2, no upper bound', () => {
    expect(parseGuiVersion(plugin.minRequiredVersion)).toEqual([1, 2, 14]);
    expect(plugin.maxRequiredVersion).toBe('');
  });

  it('has a device-page integration gui-v2 will match to ProductId 0xB0F1', () => {
    const device = plugin.integrations.find((i) => i.type === 2);
    expect(device).toBeDefined();
    expect(device?.title).toBeTruthy();
    expect(device?.url).toBe('qrc:/dbus-smallbms/Device.qml');
    // DevicePage.qml compares case-insensitively with Utils.toHexFormat(/ProductId).
    expect(device?.productId?.toLowerCase()).toBe(toHexFormat(0xb0f1).toLowerCase());
  });

  it('has a settings-page integration', () => {
    const settings = plugin.integrations.find((i) => i.type === 1);
    expect(settings?.url).toBe('qrc:/dbus-smallbms/Settings.qml');
  });

  it('every integration is valid for gui-v2 (type 1..5, url; type 2 also productId, title)', () => {
    for (const i of plugin.integrations) {
      expect(i.type).toBeGreaterThanOrEqual(1);
      expect(i.type).toBeLessThanOrEqual(5);
      expect(i.url).toMatch(/^qrc:\/dbus-smallbms\/[A-Za-z0-9_]+\.qml$/);
      if (i.type === 2) {
        expect(i.productId).toMatch(/^0x[0-9A-F]+$/);
        expect(i.title).toBeTruthy();
      }
    }
  });

  it('the resource decodes and holds every QML file under /dbus-smallbms, unchanged', () => {
    const { version, files } = packer.readRcc(Buffer.from(plugin.resource, 'base64'));
    expect(version).toBeGreaterThanOrEqual(1);
    const packed = new Map(files.map((f) => [f.path, f.data]));
    for (const file of pluginQmlFiles()) {
      const key = `/dbus-smallbms/${path.basename(file)}`;
      expect(packed.has(key)).toBe(true);
      expect(packed.get(key)?.equals(fs.readFileSync(file))).toBe(true);
    }
    // every integration url points into the resource
    for (const i of plugin.integrations) {
      expect(packed.has(String(i.url).replace(/^qrc:/, ''))).toBe(true);
    }
    expect(packer.verify(out).problems).toEqual([]);
  });

  it('translations point into the resource', () => {
    const { files } = packer.readRcc(Buffer.from(plugin.resource, 'base64'));
    for (const t of plugin.translations) {
      expect(files.map((f) => `qrc:${f.path}`)).toContain(t);
    }
  });
});
