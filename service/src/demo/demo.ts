/**
 * `smallbms demo [--speed N] [--interactive] [--keep]`: the real service on a simulated GX
 * (private dbus-daemon when one is installed, stand-ins, a board of real files, an embedded
 * MQTT broker), a scripted story in accelerated time, and a readable timeline. It checks,
 * all along, that the service did what the story expects and nothing else, prints a summary,
 * and stops everything it started (also when its terminal or parent goes away).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findDbusDaemon } from '../sim/dbus-daemon';
import { SimGx } from '../sim/gx';
import { flag, option, type CliIo } from '../io';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker';
import { StoryCheck } from './check';
import { Lifetime } from './lifetime';
import { STORY, type StoryStep } from './story';
import { Timeline } from './timeline';
import { stateWords } from '../words';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DemoResult {
  ok: boolean;
  checks: { what: string; ok: boolean }[];
}

/** Resolves with a reason when the story must stop early (see `run`). */
type Interrupt = Promise<string>;

/** Sleep, unless interrupted first: returns the interruption's reason, or null. */
async function wait(ms: number, interrupt: Interrupt): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(0, ms))));
  try {
    return await Promise.race([slept, interrupt]);
  } finally {
    clearTimeout(timer);
  }
}

export async function demoCommand(argv: string[], io: CliIo): Promise<number> {
  const speed = Number(option(argv, '--speed') ?? '20');
  if (!Number.isFinite(speed) || speed < 1 || speed > 500) {
    io.error('--speed must be a number from 1 to 500 (simulated seconds per real second)');
    return 2;
  }
  const keep = flag(argv, '--keep');
  const interactive = flag(argv, '--interactive');
  if (interactive && !process.stdin.isTTY) {
    io.error('--interactive needs a terminal (stdin is not a TTY): run it in a terminal');
    return 2;
  }
  const lifetime = new Lifetime();
  try {
    return await run({ speed, keep, interactive, story: STORY }, io, lifetime);
  } finally {
    lifetime.dispose();
  }
}

async function run(
  o: { speed: number; keep: boolean; interactive: boolean; story: readonly StoryStep[] },
  io: CliIo,
  lifetime: Lifetime,
): Promise<number> {
  const { speed } = o;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-demo-'));
  const dbusDaemon = findDbusDaemon();
  io.log(`smallBMS NG (GX) demo: simulated GX in ${root}, ${speed}× accelerated time`);
  if (!dbusDaemon) {
    io.log(
      '  dbus-daemon not found on PATH: running without D-Bus (relays as GPIO files, no SoC story).',
    );
    io.log('  Install it (Debian/Ubuntu: apt-get install dbus) to see the full demo.');
  }

  let broker: EmbeddedBroker | null = null;
  let gx: SimGx | null = null;
  const result: DemoResult = { ok: true, checks: [] };
  const fail = (what: string): void => {
    result.checks.push({ what, ok: false });
    result.ok = false;
  };
  let timeline: Timeline | null = null;
  let service: ReturnType<SimGx['spawnService']> | null = null;
  try {
    try {
      broker = await startEmbeddedBroker();
      io.log(`  embedded MQTT broker on mqtt://127.0.0.1:${broker.port}`);
    } catch (err) {
      io.log(`  no embedded MQTT broker (${(err as Error).message}); MQTT off`);
    }

    // Poll every 20 real ms whatever the speed (the poll interval is in simulated ms).
    const pollMs = Math.min(5000, Math.max(10, Math.round(20 * speed)));
    gx = await SimGx.start({
      root,
      dbus: dbusDaemon !== null,
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
    const steps = o.story.filter((s) => gx?.daemon || !s.needsDbus);
    // The story checks itself; in --interactive mode the user is the story.
    const check = o.interactive ? null : new StoryCheck(steps);
    timeline = new Timeline(io, path.join(root, 'data', 'events.jsonl'), speed, (e) =>
      check ? check.event(e) : null,
    );
    service = gx.spawnService(process.argv[1], ['--sim-speed', String(speed)]);
    io.log(`  service: smallbms run (pid ${service.pid})`);
    const proc = service;
    let serviceGone: string | null = null;
    const exited = new Promise<string>((r) =>
      proc.once('exit', (code, signal) => {
        serviceGone = `the service exited (${signal ?? `code ${code}`}); see ${root}/service.log`;
        r(serviceGone);
      }),
    );
    const interrupt: Interrupt = Promise.race([
      lifetime.ended.then((why) => `stopped: ${why}`),
      ...(check ? [check.failed] : []),
      exited,
    ]);
    const started = await Promise.race([timeline.waitForStart(10000).then(() => null), interrupt]);
    if (started !== null) throw new Error(started);
    timeline.start();
    if (!check) {
      const { runInteractive } = await import('./interactive');
      await runInteractive(gx, io, timeline, interrupt);
    } else {
      await runStory({ gx, io, timeline, speed, steps, check, result, interrupt }, () =>
        statusLine(broker),
      );
      // Judge what the story's last step did, then no more: with --keep the user acts.
      timeline.currentState();
      check.end();
    }
    for (const problem of check?.problems ?? []) fail(problem);
    // The service gone in the middle: the story cannot have done what it says.
    if (serviceGone !== null && lifetime.reason === null) fail(serviceGone);
    if (check && result.ok && lifetime.reason === null) {
      result.checks.push({
        what: `every one of the ${timeline.eventCount} events was one the story expects`,
        ok: true,
      });
    }
    if (lifetime.reason) fail(`the story did not finish: stopped by ${lifetime.reason}`);
    if (broker && result.ok) {
      const state = broker.retained(/\/state$/);
      const ok = state !== null && state.includes('"state"');
      result.checks.push({ what: 'MQTT: retained state on the broker', ok });
      result.ok &&= ok;
    }
    printSummary(io, timeline, result, check !== null);
    if (o.keep && lifetime.reason === null) {
      const until = Promise.race([lifetime.ended, exited]);
      await keepRunning(io, gx, root, broker, o.speed, until);
      if (serviceGone !== null && lifetime.reason === null) io.error(serviceGone);
    }
  } catch (err) {
    fail((err as Error).message);
    io.error(`demo FAILED: ${(err as Error).message}`);
  } finally {
    if (service) {
      const proc = service;
      const gone = new Promise<void>((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()),
      );
      proc.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    timeline?.stop();
    await gx?.stop();
    await broker?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    if (lifetime.reason) io.log(`demo stopped (${lifetime.reason}); everything it started is gone`);
  }
  return result.ok ? 0 : 1;
}

async function runStory(
  c: {
    gx: SimGx;
    io: CliIo;
    timeline: Timeline;
    speed: number;
    steps: readonly StoryStep[];
    check: StoryCheck;
    result: DemoResult;
    interrupt: Interrupt;
  },
  status: () => string | null,
): Promise<void> {
  const { gx, io, timeline, speed, steps, result } = c;
  const startReal = Date.now();
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const dueReal = startReal + (step.at * 1000) / speed;
    if ((await wait(dueReal - Date.now(), c.interrupt)) !== null) return;
    timeline.step(step.at, step.title, i + 1, steps.length);
    c.check.acting(i);
    step.act(gx);
    const next = steps[i + 1];
    if (!next) continue;
    const checkedAt = next.at - 0.5; // simulated s: the state just before the next step
    const checkAt = startReal + (checkedAt * 1000) / speed;
    if ((await wait(checkAt - Date.now(), c.interrupt)) !== null) return;
    if (!step.expect) continue;
    const seen = timeline.currentState();
    const line = status();
    if (line) io.log(`        (MQTT state at t=${checkedAt} s: ${line})`);
    const ok = seen === step.expect;
    const saw = ok ? '' : ` (saw ${stateWords(seen)})`;
    // When it was checked (just before the next step), not when the step began: "t=25 s:
    // Loads off" read as if the loads went off at 25 s, before the 30 s pre-alarm lead.
    const what = `after step ${i + 1} (checked at t=${checkedAt} s): ${stateWords(step.expect)}`;
    result.checks.push({ what: `${what}${saw}`, ok });
    result.ok &&= ok;
  }
  for (const leadMs of timeline.uvLeadsMs()) {
    // Whole milliseconds of the service's clock: exact, no rounding at the 30 s line.
    const ok = leadMs >= 30_000;
    result.checks.push({
      what: `pre-alarm on ${(Math.floor(leadMs / 100) / 10).toFixed(1)} s before the UV load disconnect (≥ 30 s)`,
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
    return parts.join(' · ');
  } catch {
    return null;
  }
}

function printSummary(io: CliIo, timeline: Timeline, result: DemoResult, story: boolean): void {
  io.log('');
  io.log(`summary: ${timeline.eventCount} events recorded`);
  for (const c of result.checks) io.log(`  ${c.ok ? '✓' : '✗'} ${c.what}`);
  if (!result.ok) io.log('demo FAILED');
  else io.log(story ? 'demo passed: every step did what the smallBMS NG rules say' : 'demo ended');
}

async function keepRunning(
  io: CliIo,
  gx: SimGx,
  root: string,
  broker: EmbeddedBroker | null,
  speed: number,
  until: Promise<string>,
): Promise<void> {
  io.log('');
  io.log('still running (--keep). Explore from another terminal:');
  if (gx.address) io.log(`  DBUS_SYSTEM_BUS_ADDRESS='${gx.address}' npx smallbms status`);
  io.log(`  npx smallbms events --config ${gx.configFile}`);
  // The service's clock runs fast; the history keeps this computer's wall time.
  if (speed !== 1) {
    io.log(
      `  (events show this computer's clock: at ${speed}× a 30 s wait of the story takes ${+(30 / speed).toFixed(2)} s)`,
    );
  }
  if (broker) io.log(`  mosquitto_sub -p ${broker.port} -t 'smallbms/#' -v`);
  io.log(`files: ${root} (config, board, data, service.log; removed when the demo stops)`);
  io.log(`stop: Ctrl-C here, or kill ${process.pid} (it also stops when its terminal closes)`);
  await until;
}
