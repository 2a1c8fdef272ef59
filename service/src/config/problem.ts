/** One thing wrong with a config file, for people: where (`$.a.b[0]`) and what, in a sentence. */
export interface Problem {
  /** JSONPath-like location, `$` for the whole document. */
  path: string;
  message: string;
}

/** The D-Bus service name a bank publishes (contract.md: names). */
export function batteryServiceName(bankName: string): string {
  return bankName === 'Default'
    ? 'com.victronenergy.battery.smallbms'
    : `com.victronenergy.battery.smallbms_${bankName}`;
}
