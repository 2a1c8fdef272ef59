/**
 * `smallbms demo [--speed N] [--interactive] [--keep]`: the real service on a simulated GX
 * (private dbus-daemon when one is installed, stand-ins, a board of real files, an embedded
 * MQTT broker), a scripted story in accelerated time, and a readable timeline. It checks
 * that the service did what the story expects, prints a summary, and cleans up.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dbusDaemonAvailable } from '../sim/dbus-daemon';
import { SimGx } from '../sim/gx';
import { flag, option, type CliIo } from '../io';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker';
import { STORY } from './story';
import { Timeline } from './timeline';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DemoResult {
  ok: boolean;
  checks: { what: string; ok: boolean }[];
}

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const speed = Number(option(argv, '--speed') ?? '20');
  if (!Number.isFinite(speed) || speed < 1 || speed > 500) {
    io.error('--speed must be a number from 1 to 500 (simulated seconds per real second)');
    return 2;
  }
  const keep = flag(argv, '--keep');
  const interactive = flag(argv, '--interactive');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-demo-'));
  const withDbus = dbusDaemonAvailable();
  io.log(`smallBMS NG (GX) demo: simulated GX in ${root}, ${speed}× accelerated time`);
  if (!withDbus) {
    io.log('  dbus-daemon not found: running without D-Bus (relays as GPIO files, no SoC story).');
    io.log('  Install it (Debian/Ubuntu: apt-get install dbus) to see the full demo.');
  }

  let broker: EmbeddedBroker | null = null;
  try {
    broker = await startEmbeddedBroker();
    io.log(`  embedded MQTT broker on mqtt://127.0.0.1:${broker.port}`);
  } catch (err) {
    io.log(`  no embedded MQTT broker (${(err as Error).message}); MQTT off`);
  }

  // Poll every 20 real ms whatever the speed (the poll interval is in simulated ms).
  const pollMs = Math.min(5000, Math.max(10, Math.round(20 * speed)));
  const gx = await SimGx.start({
    root,
    dbus: withDbus,
    mqttUrl: broker ? `mqtt://127.0.0.1:${broker.port}` : undefined,
    editConfig: (c) => {
      for (const line of Object.values(
        c.lines as Record<string, { source: { pollMs: number }; debounceMs: number }>,
      )) {
        line.source.pollMs = pollMs;
        line.debounceMs = 0;
      }
    },
  });
  if (gx.daemon) io.log(`  private dbus-daemon (pid ${gx.daemon.pid}) at ${gx.daemon.address}`);
  const timeline = new Timeline(io, path.join(root, 'data', 'events.jsonl'), speed);
  const script = process.argv[1];
  const service = gx.spawnService(script, ['--sim-speed', String(speed)]);
  io.log(`  service: smallbms run (pid ${service.pid})`);
  const exited = new Promise<number>((r) => service.once('exit', (code) => r(code ?? 1)));
  const result: DemoResult = { ok: true, checks: [] };
  try {
    await timeline.waitForStart(10000);
    timeline.start();
    if (interactive) {
      const { runInteractive } = await import('./interactive');
      await runInteractive(gx, io, timeline);
    } else {
      await runStory(gx, io, timeline, speed, withDbus, result, () => statusLine(broker));
    }
    if (broker) {
      const state = broker.retained(/\/state$/);
      const ok = state !== null && state.includes('"state"');
      result.checks.push({ what: 'MQTT: retained state on the broker', ok });
      result.ok &&= ok;
    }
    printSummary(io, timeline, result);
    if (keep) await keepRunning(io, gx, root, broker);
  } finally {
    service.kill('SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (service.exitCode === null) service.kill('SIGKILL');
    timeline.stop();
    await gx.stop();
    await broker?.stop();
    if (!keep) fs.rmSync(root, { recursive: true, force: true });
  }
  return result.ok ? 0 : 1;
}

async function runStory(
  gx: SimGx,
  io: CliIo,
  timeline: Timeline,
  speed: number,
  withDbus: boolean,
  result: DemoResult,
  status: () => string | null,
): Promise<void> {
  const startReal = Date.now();
  const steps = STORY.filter((s) => withDbus || !s.needsDbus);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const dueReal = startReal + (step.at * 1000) / speed;
    await sleep(Math.max(0, dueReal - Date.now()));
    timeline.step(step.at, step.title, i + 1, steps.length);
    step.act(gx);
    const next = steps[i + 1];
    if (!step.expect || !next) continue;
    const checkAt = startReal + ((next.at - 0.5) * 1000) / speed;
    await sleep(Math.max(0, checkAt - Date.now()));
    const seen = timeline.currentState();
    const line = status();
    if (line) io.log(`        ${line}`);
    const ok = seen === step.expect;
    result.checks.push({ what: `t=${step.at}s → ${step.expect}${ok ? '' : ` (saw ${seen})`}`, ok });
    result.ok &&= ok;
  }
  const lead = timeline.uvLeadSeconds();
  if (lead !== null) {
    const ok = lead >= 30;
    result.checks.push({
      what: `pre-alarm on ${lead.toFixed(1)} s before the UV load disconnect (≥ 30 s)`,
      ok,
    });
    result.ok &&= ok;
  }
}

/** SoC, countdowns and charge detection from the retained MQTT state (what HA would see). */
function statusLine(broker: EmbeddedBroker | null): string | null {
  const payload = broker?.retained(/\/state$/);
  if (!payload) return null;
  try {
    const s = JSON.parse(payload) as {
      soc: number | null;
      countdowns: { loadDisconnectS: number | null; lowSocShutdownS: number | null };
      chargeDetected: boolean;
    };
    const parts = [`SoC ${s.soc === null ? '---' : `${s.soc} %`}`];
    if (s.countdowns.loadDisconnectS !== null)
      parts.push(`load disconnect in ${Math.ceil(s.countdowns.loadDisconnectS)} s`);
    if (s.countdowns.lowSocShutdownS !== null)
      parts.push(`low-SoC shutdown in ${Math.ceil(s.countdowns.lowSocShutdownS)} s`);
    if (s.chargeDetected) parts.push('charge detected');
    return `(MQTT state: ${parts.join(' · ')})`;
  } catch {
    return null;
  }
}

function printSummary(io: CliIo, timeline: Timeline, result: DemoResult): void {
  io.log('');
  io.log(`summary: ${timeline.eventCount} events recorded`);
  for (const c of result.checks) io.log(`  ${c.ok ? '✓' : '✗'} ${c.what}`);
  io.log(result.ok ? 'demo passed: every step did what the smallBMS NG rules say' : 'demo FAILED');
}

async function keepRunning(
  io: CliIo,
  gx: SimGx,
  root: string,
  broker: EmbeddedBroker | null,
): Promise<void> {
  io.log('');
  io.log('still running (--keep); explore from another terminal, Ctrl-C to stop:');
  if (gx.address) io.log(`  DBUS_SYSTEM_BUS_ADDRESS='${gx.address}' npx smallbms status`);
  io.log(`  npx smallbms events --config ${gx.configFile}`);
  if (broker) io.log(`  mosquitto_sub -p ${broker.port} -t 'smallbms/#' -v`);
  io.log(`  files: ${root}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
