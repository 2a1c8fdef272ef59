/**
 * Any com.victronenergy.* service with a given table of paths, on its own connection, for
 * tests and the demo (an inverter's /Mode, a GX IO-extender's /SwitchableOutput/<n>/State...).
 */
import { connectBus, type Bus } from '../venus/bus';
import { BusItemService, type ItemSpec, type ItemValue } from '../venus/busitem';
import { mandatoryPaths, type MandatoryInfo } from '../venus/mandatory';

export interface DummyServiceOptions {
  address: string;
  name: string;
  paths: Record<string, ItemSpec>;
  /** Adds the mandatory paths (with /DeviceInstance) unless false. */
  mandatory?: Partial<MandatoryInfo> | false;
  /** Signals per batch (BusItemServiceOptions.signals); default both. */
  signals?: 'both' | 'items';
}

export class DummyService {
  protected bus: Bus | undefined;
  protected service: BusItemService | undefined;
  /** Values written by other processes, in order (what the device "received"). */
  readonly writes: { path: string; value: ItemValue }[] = [];

  constructor(protected readonly options: DummyServiceOptions) {}

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    this.bus = await connectBus(this.options.address);
    const service = new BusItemService(this.bus, this.options.name, {
      signals: this.options.signals,
      onWrite: (path, value) => {
        this.writes.push({ path, value });
        this.written(path, value);
      },
    });
    const paths: Record<string, ItemSpec> = {};
    if (this.options.mandatory !== false) {
      Object.assign(
        paths,
        mandatoryPaths({
          processName: 'smallbms-sim',
          processVersion: '0.0.0',
          connection: 'Simulated',
          deviceInstance: 0,
          productId: 0xffff,
          productName: this.options.name,
          ...this.options.mandatory,
        }),
      );
    }
    Object.assign(paths, this.options.paths);
    for (const [path, spec] of Object.entries(paths)) service.add(path, spec);
    await service.register();
    this.service = service;
  }

  async stop(): Promise<void> {
    await this.service?.close();
    this.bus?.disconnect();
    this.service = undefined;
    this.bus = undefined;
  }

  get running(): boolean {
    return this.service !== undefined;
  }

  get(path: string): ItemValue {
    return this.required().get(path);
  }

  set(path: string, value: ItemValue): void {
    this.required().set(path, value);
  }

  setMany(values: Record<string, ItemValue>): void {
    this.required().setMany(values);
  }

  /** Hook for subclasses: a write from the bus was applied. */
  protected written(_path: string, _value: ItemValue): void {}

  private required(): BusItemService {
    if (!this.service) throw new Error(`${this.options.name} is not running`);
    return this.service;
  }
}
