/**
 * com.victronenergy.digitalinput.input_<N> as dbus-digitalinputs publishes it for types
 * 2–10: /InputState (raw 0/1), /State (type-specific), /Alarm (0/2), /Type.
 */
import { DummyService } from './dummy-service';

export interface DigitalInputOptions {
  address: string;
  /** 1..4 on a Cerbo. */
  input: number;
  /** dbus-digitalinputs type; 10 = generic I/O. */
  type?: number;
  inputState?: 0 | 1;
}

export class DigitalInputStandIn extends DummyService {
  constructor(options: DigitalInputOptions) {
    const raw = options.inputState ?? 1;
    super({
      address: options.address,
      name: `com.victronenergy.digitalinput.input_${options.input}`,
      mandatory: {
        deviceInstance: options.input,
        productId: 0xa120,
        productName: 'Digital input (simulated)',
        connection: 'Digital input (simulated)',
      },
      paths: {
        '/InputState': { type: 'i', value: raw },
        '/State': { type: 'i', value: raw },
        '/Alarm': { type: 'i', value: 0 },
        '/Type': { type: 'i', value: options.type ?? 10 },
        '/Count': { type: 'i', value: 0 },
      },
    });
  }

  /** Drive the pin: the edge arrives as a signal, no polling. */
  setInput(raw: 0 | 1, alarm = false): void {
    this.setMany({ '/InputState': raw, '/State': raw, '/Alarm': alarm ? 2 : 0 });
  }
}
