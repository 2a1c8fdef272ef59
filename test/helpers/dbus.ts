/** One private dbus-daemon per test file, plus connections that are closed afterwards. */
import { connectBus, type Bus } from '../../service/src/venus/bus';
import { startDbusDaemon, type PrivateDbusDaemon } from '../../service/src/sim/dbus-daemon';

export interface TestBus {
  address(): string;
  connect(): Promise<Bus>;
}

export function usePrivateBus(options: { maxMatchRulesPerConnection?: number } = {}): TestBus {
  let daemon: PrivateDbusDaemon | undefined;
  const open: Bus[] = [];
  beforeAll(async () => {
    daemon = await startDbusDaemon(options);
  });
  afterEach(() => {
    for (const bus of open.splice(0)) bus.disconnect();
  });
  afterAll(async () => {
    await daemon?.stop();
  });
  return {
    address: () => {
      if (!daemon) throw new Error('dbus-daemon not started');
      return daemon.address;
    },
    async connect() {
      if (!daemon) throw new Error('dbus-daemon not started');
      const bus = await connectBus(daemon.address);
      open.push(bus);
      return bus;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolve when `predicate` holds, polling briefly; fail with a message after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  what: string,
  timeoutMs = 3000,
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
