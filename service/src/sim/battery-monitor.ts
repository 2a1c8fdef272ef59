/** A battery monitor (SmartShunt/BMV-like) com.victronenergy.battery.<suffix> for tests and demo. */
import type { ItemValue } from '../venus/busitem';
import { DummyService } from './dummy-service';

export interface BatteryMonitorOptions {
  address: string;
  suffix?: string;
  deviceInstance?: number;
  soc?: number | null;
  voltage?: number | null;
  current?: number | null;
}

export interface BatteryReading {
  soc?: number | null;
  voltage?: number | null;
  current?: number | null;
  temperature?: number | null;
}

export class BatteryMonitorStandIn extends DummyService {
  constructor(options: BatteryMonitorOptions) {
    const voltage = options.voltage === undefined ? 26.4 : options.voltage;
    const current = options.current === undefined ? 0 : options.current;
    super({
      address: options.address,
      name: `com.victronenergy.battery.${options.suffix ?? 'ttyS5'}`,
      mandatory: {
        deviceInstance: options.deviceInstance ?? 279,
        productId: 0xa389,
        productName: 'SmartShunt 500A/50mV (simulated)',
        connection: 'VE.Direct (simulated)',
      },
      paths: {
        '/Soc': { type: 'd', value: options.soc === undefined ? 80 : options.soc },
        '/Dc/0/Voltage': { type: 'd', value: voltage },
        '/Dc/0/Current': { type: 'd', value: current },
        '/Dc/0/Power': { type: 'd', value: power(voltage, current) },
        '/Dc/0/Temperature': { type: 'd', value: null },
      },
    });
  }

  /** Update measurements; /Dc/0/Power follows. All leave in one ItemsChanged. */
  reading(r: BatteryReading): void {
    const next: Record<string, ItemValue> = {};
    if (r.soc !== undefined) next['/Soc'] = r.soc;
    if (r.voltage !== undefined) next['/Dc/0/Voltage'] = r.voltage;
    if (r.current !== undefined) next['/Dc/0/Current'] = r.current;
    if (r.temperature !== undefined) next['/Dc/0/Temperature'] = r.temperature;
    this.setMany(next);
    const v = this.get('/Dc/0/Voltage');
    const i = this.get('/Dc/0/Current');
    this.set('/Dc/0/Power', power(v, i));
  }
}

function power(v: ItemValue, i: ItemValue): number | null {
  return typeof v === 'number' && typeof i === 'number' ? Math.round(v * i * 10) / 10 : null;
}
