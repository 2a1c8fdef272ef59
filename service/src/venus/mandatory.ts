/** The paths every Venus service needs (velib add_mandatory_paths + /CustomName, /Serial). */
import type { ItemSpec } from './busitem-rules';

export interface MandatoryInfo {
  processName: string;
  processVersion: string;
  connection: string;
  deviceInstance: number;
  productId: number;
  productName: string;
  firmwareVersion?: string;
  hardwareVersion?: string;
  serial?: string;
  customName?: string;
  /** Called when someone renames the device (persist it); may refuse. */
  onCustomName?: (name: string) => boolean | Promise<boolean>;
}

export function mandatoryPaths(info: MandatoryInfo): Record<string, ItemSpec> {
  const onCustomName = info.onCustomName;
  return {
    '/Mgmt/ProcessName': { type: 's', value: info.processName },
    '/Mgmt/ProcessVersion': { type: 's', value: info.processVersion },
    '/Mgmt/Connection': { type: 's', value: info.connection },
    '/DeviceInstance': { type: 'i', value: info.deviceInstance },
    '/ProductId': { type: 'i', value: info.productId },
    '/ProductName': { type: 's', value: info.productName },
    '/FirmwareVersion': { type: 's', value: info.firmwareVersion ?? info.processVersion },
    '/HardwareVersion': { type: 's', value: info.hardwareVersion ?? null },
    '/Connected': { type: 'i', value: 1 },
    '/Serial': { type: 's', value: info.serial ?? null },
    '/CustomName': {
      type: 's',
      value: info.customName ?? '',
      writable: {
        validate: (v) => typeof v === 'string' && v.length <= 64,
        onSet: onCustomName ? (v) => onCustomName(String(v)) : undefined,
      },
    },
  };
}
