/** Resident memory after start (MQTT off/on, flags, bundling) and after an accelerated soak. */
import { startEmbeddedBroker } from '../service/src/demo/broker';
import { BenchGx, batteryTicker } from './sim';
import { procSample, round, sleep } from './lib';
import { bareNode, cleanEnv, currentRunFlags, prod, runFlagsText, type Scripts } from './scripts';
import type { Bench } from './types';

async function rssAfterStart(
  script: string,
  spawn: { env: NodeJS.ProcessEnv; nodeFlags?: string[] } = { env: cleanEnv() },
  mqttUrl?: string,
): Promise<number> {
  // Settled: the value 3 s after the name is on D-Bus.
  const b = await BenchGx.start({ script, ...spawn, mqttUrl });
  try {
    await sleep(3000);
    return procSample(b.pid).rssKb;
  } finally {
    await b.stop();
  }
}

async function soak(scripts: Scripts, seconds: number): Promise<Record<string, unknown>> {
  const b = await BenchGx.start({
    script: scripts.bundled,
    ...prod(),
    method: { kind: 'gpio', pollMs: 20 },
    debounceMs: 0,
    minOffTimeS: 0,
  });
  const stopBattery = batteryTicker(b, 20);
  const samples: { s: number; rssMb: number }[] = [];
  let changes = 0;
  const levels: (0 | 1)[] = [0, 0, 0, 1, 0];
  const start = performance.now();
  const startRss = procSample(b.pid).rssKb;
  try {
    let nextSample = 0;
    while (performance.now() - start < seconds * 1000) {
      const input = 1 + Math.floor(Math.random() * 4);
      levels[input] = levels[input] === 0 ? 1 : 0;
      b.setInput(input, levels[input]);
      changes++;
      await sleep(50);
      const el = (performance.now() - start) / 1000;
      if (el >= nextSample) {
        samples.push({ s: Math.round(el), rssMb: round(procSample(b.pid).rssKb / 1024) });
        nextSample += Math.max(5, seconds / 8);
      }
    }
    const end = procSample(b.pid);
    samples.push({ s: seconds, rssMb: round(end.rssKb / 1024) });
    const events = (b.log().match(/"kind":/g) ?? []).length;
    return {
      seconds,
      lineChanges: changes,
      batteryUpdatesHz: 20,
      loggedEvents: events,
      startRssMb: round(startRss / 1024),
      endRssMb: round(end.rssKb / 1024),
      samples,
    };
  } finally {
    stopBattery();
    await b.stop();
  }
}

export const memoryBench: Bench = {
  name: 'memory',
  inDefault: true,
  async run({ scripts, quick, report }) {
    const run = currentRunFlags();
    report.heading(`Resident memory (VmRSS); "GX flags" = ${runFlagsText(run)} as in service/run`);
    const bareRss = async (flags: string[], env: NodeJS.ProcessEnv = {}): Promise<number> => {
      const bare = await bareNode(flags, { ...cleanEnv(), ...env });
      const kb = procSample(bare.pid).rssKb;
      bare.stop();
      return kb;
    };
    const bareKb = await bareRss(run.flags, run.env);
    const bareDefaultKb = await bareRss([]);
    const bundledKb = await rssAfterStart(scripts.bundled, prod(run));
    // MQTT on: connected to an embedded broker (aedes) in the bench process.
    const broker = await startEmbeddedBroker();
    const bundledMqttKb = await rssAfterStart(
      scripts.bundled,
      prod(run),
      `mqtt://127.0.0.1:${broker.port}`,
    );
    await broker.stop();
    const bundledDefaultKb = await rssAfterStart(scripts.bundled);
    const modulesKb = await rssAfterStart(scripts.modules, prod(run));
    const soakS = quick ? 30 : 120;
    const soaked = await soak(scripts, soakS);
    const mb = (kb: number): number => round(kb / 1024);
    const ratio = (kb: number, base = bareKb): string => `${round(kb / base, 2)}×`;
    const endKb = (soaked.endRssMb as number) * 1024;
    report.results.memory = {
      runFlags: runFlagsText(run),
      bareNodeMb: mb(bareKb),
      bareNodeDefaultFlagsMb: mb(bareDefaultKb),
      bundledAfterStartMb: mb(bundledKb),
      bundledMqttAfterStartMb: mb(bundledMqttKb),
      bundledDefaultFlagsAfterStartMb: mb(bundledDefaultKb),
      modulesAfterStartMb: mb(modulesKb),
      ratioBundledAfterStart: round(bundledKb / bareKb, 3),
      ratioBundledMqttAfterStart: round(bundledMqttKb / bareKb, 3),
      ratioBundledDefaultFlags: round(bundledDefaultKb / bareDefaultKb, 3),
      ratioModulesAfterStart: round(modulesKb / bareKb, 3),
      soak: soaked,
      ratioAfterSoak: round(endKb / bareKb, 3),
    };
    report.row('bare node -e "setInterval(()=>{},1000)", GX flags', `${mb(bareKb)} MB`);
    report.row('bare node, default flags', `${mb(bareDefaultKb)} MB`);
    report.row(
      'service bundled, GX flags, 3 s after start (MQTT off)',
      `${mb(bundledKb)} MB (${ratio(bundledKb)})`,
    );
    report.row(
      'service bundled, GX flags, 3 s after start, MQTT on',
      `${mb(bundledMqttKb)} MB (${ratio(bundledMqttKb)})`,
    );
    report.row(
      'service bundled, default flags, 3 s after start',
      `${mb(bundledDefaultKb)} MB (${ratio(bundledDefaultKb, bareDefaultKb)} of bare default)`,
    );
    report.row(
      'service node_modules unbundled, GX flags, after start',
      `${mb(modulesKb)} MB (${ratio(modulesKb)})`,
    );
    report.row(
      `service bundled, GX flags, ${soakS} s soak (20 changes/s, 20 Hz monitor)`,
      `${soaked.startRssMb} → ${soaked.endRssMb} MB (${ratio(endKb)}), ${soaked.lineChanges as number} changes`,
    );
    report.target(
      'memory after start / bare node (bundled, GX flags)',
      1.35,
      bundledKb / bareKb,
      '×',
    );
    report.target('memory after start, MQTT on / bare node', 1.35, bundledMqttKb / bareKb, '×');
    report.target('memory after soak / bare node (bundled, GX flags)', 1.35, endKb / bareKb, '×');
  },
};
