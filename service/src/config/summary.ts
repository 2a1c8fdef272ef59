/**
 * A short, readable picture of a valid config: what `check-config` prints and what the
 * service logs at start, so a commissioning engineer sees the wiring as the service sees it.
 */
import { LINE_ROLES, OUTPUT_NAMES } from '../core/types';
import { batteryServiceName } from './problem';
import type { LineConfig, OutputTarget, SmallBmsConfig } from './types';

function describeSource(line: LineConfig): string {
  const s = line.source;
  const level = `asserted = ${line.assertedLevel}, debounce ${line.debounceMs} ms`;
  switch (s.type) {
    case 'gpio':
      return s.input !== undefined
        ? `digital input ${s.input} via sysfs (poll ${s.pollMs} ms), ${level}`
        : `gpio file ${s.path} (poll ${s.pollMs} ms), ${level}`;
    case 'digitalinput':
      return `digital input ${s.input} via com.victronenergy.digitalinput.input_${s.input}, ${level}`;
    case 'dbus': {
      const stale = s.staleTimeoutS > 0 ? `stale after ${s.staleTimeoutS} s` : 'no stale timeout';
      return `${s.service} ${s.path} ${s.op} ${s.value}, ${stale}`;
    }
  }
}

function describeTarget(t: OutputTarget): string {
  const inverted = t.invert ? ' (inverted)' : '';
  switch (t.type) {
    case 'relay':
      return `relay ${t.relay}${inverted}`;
    case 'switch':
      return `${t.service} channel ${t.channel}${inverted}`;
    case 'gpio':
      return `gpio ${t.path}${inverted}`;
    case 'device':
      return `${t.service} ${t.path} (on ${t.onValue}, off ${t.offValue})${inverted}`;
    case 'dvcc':
      return `DVCC${inverted}`;
    case 'buzzer':
      return `buzzer${inverted}`;
  }
}

function pad(s: string, width: number): string {
  return s.length >= width ? `${s} ` : s + ' '.repeat(width - s.length);
}

/** Tunables that differ from the schema defaults, e.g. `preAlarmLeadS 60 (default 30)`. */
function changedTunables(config: SmallBmsConfig, defaults: Record<string, unknown>): string[] {
  const base = (defaults.tunables ?? {}) as Record<string, unknown>;
  const current = config.tunables as unknown as Record<string, unknown>;
  return Object.keys(current)
    .filter((k) => current[k] !== base[k])
    .map((k) => `${k} ${String(current[k])} (default ${String(base[k])})`);
}

/** gui-v2 menu paths (pages/settings: SettingsPage, PageSettingsSystem, -Batteries, -Dvcc). */
const MENU_MONITOR = 'Settings → System Setup → Batteries → Battery monitor';
const MENU_DVCC = 'Settings → System Setup → Charge Control';

/**
 * What the config makes us on the GX (dbus-systemcalc-py: a battery service with
 * /Info/MaxChargeVoltage is a BMS and is preferred by the Automatic battery monitor).
 */
export function gxRoleLines(config: SmallBmsConfig): string[] {
  const dvcc = OUTPUT_NAMES.some((o) => config.outputs[o].some((t) => t.type === 'dvcc'));
  const monitor = config.batteryMonitor?.service;
  if (!dvcc) {
    return [
      'GX role: not a BMS (no DVCC target, so no /Info/MaxChargeVoltage).',
      '  The Automatic battery monitor never prefers this service; it picks it only when no other',
      `  battery service is connected: then set ${MENU_MONITOR} to your monitor or inverter/charger.`,
    ];
  }
  return [
    'GX role: DVCC BMS (publishes /Info/MaxChargeVoltage, CCL and DCL).',
    `  With DVCC on (${MENU_DVCC} → DVCC) and Controlling BMS "Automatic selection"`,
    '  or this service, the GX limits chargers and inverters by it: CCL 0 stops charging,',
    '  DCL 0 stops discharging.',
    '  The GX then also prefers it as the system battery monitor while that is "Automatic":',
    monitor
      ? `  set ${MENU_MONITOR} to your monitor (${monitor}, listed by its name) so it stays in charge; meanwhile this service mirrors its values.`
      : `  no batteryMonitor is configured, so there is nothing to mirror: configure it and set ${MENU_MONITOR} to it.`,
    '  If this service stops, the GX has no BMS: solar chargers it controlled stop charging (error #67) until it is back.',
  ];
}

export function summarize(config: SmallBmsConfig, defaults: Record<string, unknown>): string[] {
  const out: string[] = [];
  out.push(
    `bank ${config.name}: ${batteryServiceName(config.name)}, board ${config.board}, ${config.systemVoltage} V system`,
  );
  out.push('lines:');
  const unwired: string[] = [];
  for (const role of LINE_ROLES) {
    const line = config.lines[role];
    if (line) out.push(`  ${pad(role, 18)}${describeSource(line)}`);
    else unwired.push(role);
  }
  if (unwired.length > 0) out.push(`  not wired: ${unwired.join(', ')}`);
  out.push('outputs:');
  for (const name of OUTPUT_NAMES) {
    const targets = config.outputs[name];
    const text = targets.length > 0 ? targets.map(describeTarget).join(', ') : 'no target';
    out.push(`  ${pad(name, 10)}${text}`);
  }
  out.push(
    config.batteryMonitor
      ? `battery monitor: ${config.batteryMonitor.service} (stale after ${config.batteryMonitor.staleTimeoutS} s)`
      : 'battery monitor: none (discharge floor and charge detection inactive)',
  );
  out.push(...gxRoleLines(config));
  const changed = changedTunables(config, defaults);
  out.push(changed.length > 0 ? `tunables: ${changed.join(', ')}` : 'tunables: all defaults');
  const m = config.mqtt;
  out.push(
    m.enabled
      ? `mqtt: ${m.url}, prefix ${m.prefix}, Home Assistant discovery ${m.homeAssistant.enabled ? `on (${m.homeAssistant.discoveryPrefix})` : 'off'}`
      : 'mqtt: off',
  );
  out.push(
    `boot policy ${config.bootPolicy}${config.dryRun ? ', DRY RUN (no target is driven)' : ''}, history ${config.history.maxEvents} events`,
  );
  out.push(`gpio root ${config.gpioRoot}, data dir ${config.dataDir}`);
  return out;
}

/**
 * Valid settings that give up a fail-safe: `check-config` lists them under "warnings" (the
 * exit code stays 0) and the service logs them at start. Each says what a fault then does.
 */
export function configWarnings(config: SmallBmsConfig): string[] {
  const out: string[] = [];
  for (const role of LINE_ROLES) {
    const line = config.lines[role];
    if (!line || line.assertedLevel !== 1) continue;
    if (line.source.type === 'gpio' || line.source.type === 'digitalinput') {
      out.push(
        `lines.${role}: assertedLevel 1 on a ${line.source.type} input: a broken wire or a dead BMS reads "asserted" (allowed), not fail-safe`,
      );
    }
  }
  // preAlarm is left out: inverted, a dead GX signals the pre-alarm, which is the safe side.
  for (const name of ['load', 'charge'] as const) {
    config.outputs[name].forEach((t, i) => {
      if (t.invert) {
        out.push(
          `outputs.${name}[${i}]: invert: a de-energised target means "allowed", so a dead GX or a cut wire allows ${name}, not fail-safe`,
        );
      }
    });
  }
  for (const name of ['load', 'charge'] as const) {
    if (config.outputs[name].length === 0) {
      out.push(`outputs.${name}: no target: nothing disconnects ${name} when the BMS says so`);
    }
  }
  if (config.bootPolicy === 'hold') {
    out.push(
      'bootPolicy "hold": after a GX reboot the relays keep their last state until the service decides, instead of off',
    );
  }
  if (config.dryRun) {
    out.push(
      'dryRun true: no target is driven, protection is OFF (commissioning only; set it to false afterwards)',
    );
  }
  return out;
}
