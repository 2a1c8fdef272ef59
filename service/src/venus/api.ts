/**
 * The small surface the rest of the service needs from D-Bus, so that hw/ and the service
 * wiring never touch dbus-next directly (and unit tests can use an in-memory fake).
 */

/** A BusItem value as consumers see it: undefined = invalid (empty `ai`) or not present. */
export type VeValue = number | string | number[] | Record<string, unknown>;

export interface ValueUpdate {
  /** undefined when the value is invalid or the service is not on the bus. */
  value: VeValue | undefined;
  /** The service currently owns its name on the bus. */
  present: boolean;
}

export interface RemoteValues {
  /**
   * Follow one path of another service. The callback fires with the current knowledge
   * soon after the call, then on every change (value change, service appearing or leaving).
   * Returns an unsubscribe function.
   */
  watch(service: string, path: string, onUpdate: (update: ValueUpdate) => void): () => void;
  /**
   * Optional: follow several paths of one service with one callback per incoming signal
   * (the paths that changed), so a batch of changes is handled once. Same timing as watch().
   */
  watchMany?(
    service: string,
    paths: string[],
    onUpdates: (updates: Map<string, ValueUpdate>) => void,
  ): () => void;
  /** GetValue; undefined when invalid, absent, or the call fails. */
  getValue(service: string, path: string): Promise<VeValue | undefined>;
  /** SetValue; resolves true when the service answered 0 (accepted). */
  setValue(service: string, path: string, value: number | string): Promise<boolean>;
}
