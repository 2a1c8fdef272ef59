/**
 * The scenario of the GX-like bench (gx-like.ts measures it): one simulated GX per variant
 * with a SmartShunt-like monitor, the background talkers of a busy GX (a Multi, two solar
 * chargers, systemcalc's summed values), the four lines through the digital-input service,
 * an MQTT broker, and the service under test spawned with its build's run flags. Counts what
 * the talkers sent and what the service signalled, for the per-minute figures.
 */
import { startEmbeddedBroker } from '../service/src/demo/broker';
import { DummyService } from '../service/src/sim/dummy-service';
import type { SimGx } from '../service/src/sim/gx';
import type { BusItemService, ItemSpec, ItemValue } from '../service/src/venus/busitem';
import { BenchGx } from './sim';
import { cleanEnv, type RunFlags } from './scripts';

const MONITOR = 'com.victronenergy.battery.ttyS5';
const BACKGROUND_HZ = 5;

export interface Build {
  label: string;
  bundle: string;
  run: RunFlags;
}

export interface Variant {
  label: string;
  build: Build;
  background: boolean;
}

const d = (value: number | null): ItemSpec => ({ type: 'd', value });
const i = (value: number | null): ItemSpec => ({ type: 'i', value });

/** A stand-in of any product, with a tick that changes some of its paths. */
export class Talker extends DummyService {
  /** Signals sent: one ItemsChanged per batch, plus one PropertiesChanged per changed path. */
  signals = 0;
  /** Path changes sent. */
  pathChanges = 0;
  constructor(
    address: string,
    name: string,
    paths: Record<string, ItemSpec>,
    private readonly style: 'both' | 'items' = 'both',
  ) {
    super({ address, name, paths, signals: style });
  }
  change(values: Record<string, ItemValue>): void {
    this.setMany(values);
    const n = Object.keys(values).length;
    this.pathChanges += n;
    this.signals += 1 + (this.style === 'both' ? n : 0);
  }
}

const jitter = (base: number, span: number, digits = 1): number =>
  Math.round((base + (Math.random() - 0.5) * span) * 10 ** digits) / 10 ** digits;

/** The SmartShunt-like monitor and the background talkers on one simulated GX. */
function gxSetup(
  background: boolean,
  counters: { monitor?: Talker; background: Talker[] },
  monitorStyle: 'both' | 'items',
) {
  return async (gx: SimGx): Promise<() => Promise<void>> => {
    const address = gx.address ?? '';
    const timers: NodeJS.Timeout[] = [];
    const talkers: Talker[] = [];
    const monitor = new Talker(
      address,
      MONITOR,
      {
        '/Soc': d(81.3),
        '/Dc/0/Voltage': d(13.21),
        '/Dc/0/Current': d(-4.2),
        '/Dc/0/Power': d(-55),
        '/Dc/0/Temperature': d(21),
        '/Dc/1/Voltage': d(6.6),
        '/Dc/0/MidVoltage': d(6.6),
        '/Dc/0/MidVoltageDeviation': d(0.1),
        '/ConsumedAmphours': d(-38.2),
        '/TimeToGo': d(51000),
        '/State': i(9),
        '/Alarms/LowVoltage': i(0),
        '/Alarms/HighVoltage': i(0),
        '/Alarms/LowSoc': i(0),
        '/Alarms/MidVoltage': i(0),
        '/History/DeepestDischarge': d(-120),
        '/History/TotalAhDrawn': d(-9000),
        '/History/ChargeCycles': i(53),
        '/History/MinimumVoltage': d(11.9),
        '/History/MaximumVoltage': d(14.4),
      },
      monitorStyle,
    );
    await monitor.start();
    talkers.push(monitor);
    counters.monitor = monitor;
    let tick = 0;
    let soc = 81.3;
    timers.push(
      setInterval(() => {
        tick++;
        const v = jitter(13.2, 0.06, 2);
        const a = jitter(-4, 2, 1);
        const next: Record<string, ItemValue> = {
          '/Dc/0/Voltage': v,
          '/Dc/0/Current': a,
          '/Dc/0/Power': Math.round(v * a),
        };
        if (tick % 2 === 0) {
          next['/ConsumedAmphours'] = jitter(-38, 1, 1);
          next['/TimeToGo'] = Math.round(jitter(51000, 2000, 0));
          next['/Dc/1/Voltage'] = jitter(6.6, 0.04, 2);
        }
        if (tick % 10 === 0) {
          soc = Math.max(20, Math.min(99, soc + (Math.random() - 0.6) * 0.2));
          next['/Soc'] = Math.round(soc * 10) / 10;
          next['/Dc/0/Temperature'] = jitter(21, 1, 1);
        }
        monitor.change(next);
      }, 500),
    );
    if (background) {
      const vebus = new Talker(address, 'com.victronenergy.vebus.ttyS4', {
        '/Ac/ActiveIn/L1/P': d(0),
        '/Ac/ActiveIn/L1/V': d(230),
        '/Ac/ActiveIn/L1/I': d(0),
        '/Ac/Out/L1/P': d(300),
        '/Ac/Out/L1/V': d(230),
        '/Ac/Out/L1/I': d(1.3),
        '/Ac/Out/L1/F': d(50),
        '/Dc/0/Voltage': d(13.2),
        '/Dc/0/Current': d(-25),
        '/State': i(9),
        '/Mode': i(3),
      });
      const solar = [0, 1].map(
        (n) =>
          new Talker(address, `com.victronenergy.solarcharger.ttyS${n}`, {
            '/Pv/V': d(40),
            '/Yield/Power': d(100),
            '/Dc/0/Voltage': d(13.2),
            '/Dc/0/Current': d(7),
            '/Yield/User': d(100),
            '/State': i(3),
          }),
      );
      for (const t of [vebus, ...solar]) {
        await t.start();
        talkers.push(t);
      }
      // systemcalc is the stand-in already on the bus (our relay targets talk to it): give it
      // the busy paths of the real one.
      const sc = gx.systemcalc as unknown as { service: BusItemService; signals?: number };
      const sysPaths = [
        '/Dc/Battery/Voltage',
        '/Dc/Battery/Current',
        '/Dc/Battery/Power',
        '/Dc/Pv/Power',
        '/Ac/Consumption/L1/Power',
      ];
      // (The stand-in already has /Dc/Battery/*, from its battery selection.)
      for (const p of sysPaths) if (!sc.service.has(p)) sc.service.add(p, d(0));
      const system = {
        signals: 0,
        change(values: Record<string, ItemValue>) {
          sc.service.setMany(values);
          this.signals += 1 + Object.keys(values).length;
        },
      };
      counters.background.push(vebus, ...solar, system as unknown as Talker);
      timers.push(
        setInterval(() => {
          vebus.change({
            '/Ac/ActiveIn/L1/V': jitter(230, 4),
            '/Ac/Out/L1/P': jitter(300, 40, 0),
            '/Ac/Out/L1/V': jitter(230, 4),
            '/Ac/Out/L1/I': jitter(1.3, 0.2),
            '/Dc/0/Voltage': jitter(13.2, 0.06, 2),
            '/Dc/0/Current': jitter(-25, 3),
          });
          for (const s of solar) {
            s.change({
              '/Pv/V': jitter(40, 2),
              '/Yield/Power': jitter(100, 20, 0),
              '/Dc/0/Current': jitter(7, 1),
            });
          }
          system.change({
            '/Dc/Battery/Voltage': jitter(13.2, 0.06, 2),
            '/Dc/Battery/Current': jitter(-4, 2),
            '/Dc/Battery/Power': jitter(-55, 20, 0),
            '/Dc/Pv/Power': jitter(200, 30, 0),
            '/Ac/Consumption/L1/Power': jitter(300, 40, 0),
          });
        }, 1000 / BACKGROUND_HZ),
      );
    }
    return async () => {
      for (const t of timers) clearInterval(t);
      for (const t of talkers) await t.stop().catch(() => undefined);
    };
  };
}

export interface Running {
  variant: Variant;
  gx: BenchGx;
  stopBroker: () => Promise<void>;
  counters: { monitor?: Talker; background: Talker[] };
  own: { ItemsChanged: number; PropertiesChanged: number; paths: Map<string, number> };
}

export async function startVariant(v: Variant, monitorStyle: 'both' | 'items'): Promise<Running> {
  const broker = await startEmbeddedBroker();
  const counters: Running['counters'] = { background: [] };
  const own: Running['own'] = { ItemsChanged: 0, PropertiesChanged: 0, paths: new Map() };
  const gx = await BenchGx.start({
    script: v.build.bundle,
    env: { ...cleanEnv(), ...v.build.run.env },
    nodeFlags: v.build.run.flags,
    method: { kind: 'digitalinput' },
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    editConfig: (c) => {
      c.batteryMonitor = { service: MONITOR, staleTimeoutS: 30 };
    },
    setup: gxSetup(v.background, counters, monitorStyle),
  });
  gx.signalListener = (s) => {
    if (s.sender !== gx.uniqueName) return;
    if (s.member === 'ItemsChanged') {
      own.ItemsChanged++;
      for (const p of Object.keys(s.body[0] as Record<string, unknown>))
        own.paths.set(p, (own.paths.get(p) ?? 0) + 1);
    } else if (s.member === 'PropertiesChanged') own.PropertiesChanged++;
  };
  return { variant: v, gx, stopBroker: () => broker.stop(), counters, own };
}
