/** The board-facing side of the service shell: what the service wiring imports. */
export { createClock, ManualClock, settle, type Clock, type TimerHandle } from './clock';
export {
  BOARDS,
  boardProblems,
  clockScaleProblem,
  detectBoard,
  isRealGx,
  type BoardProfile,
  type DetectedBoard,
} from './boards';
export { SimBoard, type SimBoardOptions } from './simboard';
export { LineSet, type LineSetDeps } from './lines/lineset';
export type { LineChangeListener, LineSource } from './lines/types';
export { digitalInputService } from './lines/dbus';
export { readGpioLevel, gpioInputPath } from './lines/gpio';
export { buildTargets, type BuiltTargets } from './targets/build';
export {
  OutputDriver,
  SAFE_OUTPUTS,
  type DriveReport,
  type OutputDriverOptions,
} from './targets/driver';
export { RelayTarget, relayPaths, type RelayTargetOptions } from './targets/relay';
export { BuzzerTarget, DeviceTarget, DvccTarget, GpioTarget, SwitchTarget } from './targets/simple';
export type { Target, TargetResult, TargetResultListener } from './targets/types';
