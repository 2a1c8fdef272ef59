/** The subset of pino the MQTT module uses (a pino Logger fits; tests pass a recorder). */
export interface BridgeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
