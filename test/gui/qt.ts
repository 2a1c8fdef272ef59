/**
 * Where the Qt 6 tools live (Debian: qt6-base-dev-tools, qt6-declarative-dev-tools, qml-qt6),
 * and the commands the GUI tests run. A test file skips itself when they are missing, unless
 * CI=true, where missing tools are an error.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { addBatteryPaths } from '../../service/src/app/battery-service';
import type { BusItemService } from '../../service/src/venus/busitem';
import { findTool } from '../tools.js';

export const ROOT = path.resolve(__dirname, '..', '..');
export const GUI_DIR = path.join(ROOT, 'gui-qml');
export const STUBS = path.join(__dirname, 'stubs');
export const HARNESS = path.join(__dirname, 'harness', 'Harness.qml');

const tool = (name: string): string | undefined => {
  const found = findTool(name);
  return typeof found === 'string' ? found : undefined;
};

export const QMLLINT = tool('qmllint');
export const QML = tool('qml');
export const RCC = tool('rcc');

/** describe, or describe.skip when a tool is missing outside CI (the run's summary says so). */
export function describeWithQt(tools: (string | undefined)[]): jest.Describe {
  if (tools.every(Boolean)) return describe;
  if (process.env.CI === 'true') {
    throw new Error('Qt 6 tools missing: install qt6-base-dev-tools qt6-declarative-dev-tools');
  }
  return describe.skip;
}

/** The plugin's QML files (top level of gui-qml/; gui-v1/ is a different GUI). */
export function pluginQmlFiles(): string[] {
  return fs
    .readdirSync(GUI_DIR)
    .filter((f) => f.endsWith('.qml'))
    .sort()
    .map((f) => path.join(GUI_DIR, f));
}

export interface LintWarning {
  type: string;
  message: string;
  line?: number;
  column?: number;
}

export interface LintResult {
  file: string;
  warnings: LintWarning[];
}

/**
 * qmllint with the stand-in Victron.VenusOS module on the import path, as JSON.
 *
 * Warning levels: qmllint's defaults (unknown properties, unresolved types, unqualified access,
 * required properties, bad signal handlers, aliases, imports, deprecated API are all errors;
 * unused imports and multi-line strings are info). Two adjustments, both explained:
 * - the base-module notice "Failed to find the following builtins: jsroot.qmltypes (so will use
 *   qrc)" is dropped: Debian ships that file only in qt6-declarative-dev (75 MB with its
 *   dependencies) and qmllint then uses its built-in copy, so nothing is lost;
 * - `--compiler` stays disabled (default): it reports what qmlcachegen cannot compile to C++,
 *   which gui-v2 does not require of plugins.
 */
export function qmllint(files: string[], importDirs: string[] = [STUBS]): LintResult[] {
  if (!QMLLINT) throw new Error('qmllint not found');
  const args = ['--json', '-'];
  for (const dir of importDirs) args.push('-I', dir);
  const run = spawnSync(QMLLINT, [...args, ...files], { encoding: 'utf8' });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout) as {
    files: { filename: string; warnings: LintWarning[] }[];
  };
  return report.files.map((f) => ({
    file: f.filename,
    warnings: f.warnings.filter(
      (w) =>
        w.type !== 'info' &&
        !w.message.startsWith('Warnings occurred while importing base modules') &&
        !/Failed to find the following builtins: jsroot\.qmltypes/.test(w.message),
    ),
  }));
}

export interface RenderResult {
  texts: string[];
  leds: { color: string; opacity: number }[];
  writes: string[];
  errors: string[];
  output: string;
}

/**
 * The values our battery service publishes before anything happens, from its own path table
 * (battery-service.ts): the harness starts from these, so a path the service leaves invalid
 * is invalid on the rendered page too.
 */
export function serviceStartValues(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const collect = {
    add: (p: string, spec: { value: unknown }) => {
      if (spec.value !== null && spec.value !== undefined) values[p] = spec.value;
    },
    has: (p: string) => p in values,
  };
  const no = (): boolean => false;
  addBatteryPaths(collect as unknown as BusItemService, {
    deviceInstance: 512,
    bank: 'Default',
    version: 'test',
    connection: 'test',
    hardware: 'test',
    serial: 'test',
    customName: '',
    onMode: no,
    onDryRun: no,
    onCustomName: no,
    onTestOutput: no,
  });
  return values;
}

/** Renders one page with the harness (offscreen) and parses what it printed. */
export function renderPage(
  page: string,
  scenario: string,
  png: string,
  action?: string,
): RenderResult {
  if (!QML) throw new Error('qml runtime not found');
  const values = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-gui-')), 'service.json');
  fs.writeFileSync(values, JSON.stringify(serviceStartValues()));
  const args = ['-I', STUBS, HARNESS, '--', path.join(GUI_DIR, page), scenario, png];
  args.push(action ?? '-', values);
  const env = {
    ...process.env,
    QT_QPA_PLATFORM: 'offscreen',
    QML_XHR_ALLOW_FILE_READ: '1',
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || '/tmp',
  };
  // console.log from QML goes to stderr: read both streams.
  const run = spawnSync(QML, args, { env, encoding: 'utf8', timeout: 20000 });
  if (run.error) throw run.error;
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) {
    throw new Error(`harness exited with ${String(run.status)}:\n${output}`);
  }
  return parseHarnessOutput(output);
}

export function parseHarnessOutput(output: string): RenderResult {
  const lines = output.split('\n').map((l) => l.replace(/^qml: /, ''));
  const texts: string[] = [];
  const leds: { color: string; opacity: number }[] = [];
  const writes: string[] = [];
  const errors: string[] = [];
  for (const line of lines) {
    const [kind, ...rest] = line.split('\t');
    if (kind === 'TEXT') texts.push(rest.join('\t'));
    else if (kind === 'LED') leds.push({ color: rest[0], opacity: Number(rest[1]) });
    else if (line.startsWith('WRITE ')) writes.push(line.slice('WRITE '.length));
    else if (kind === 'HARNESS-ERROR' || /(Error|error|ReferenceError|TypeError):/.test(line)) {
      errors.push(line);
    } else if (/^(file|qrc):.*:\d+(:\d+)?:/.test(line)) {
      // QML warnings: file:///...qml:12:5: ... A transient binding loop inside the stand-ins'
      // own simplified layout (a wrapped caption in a ListView) is not the plugin's: skip it.
      if (line.includes('/test/gui/stubs/') && line.includes('Binding loop detected')) continue;
      errors.push(line);
    }
  }
  return { texts, leds, writes, errors, output };
}
