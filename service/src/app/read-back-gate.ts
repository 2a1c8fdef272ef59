/**
 * Start-up (behaviour.md section 4): the targets' current levels are read back while the
 * lines are read, so that the engine's first decision writes only the targets that differ.
 * A decision made before the read-back is done waits here (the newest one only) and goes out
 * when it is done. Bounded: after `boundMs` (1 s) it goes out anyway, and a target that did
 * not answer is written at the level decided (the level it already has, in the usual case).
 */
import type { Outputs } from '../core/types';

export class ReadBackGate {
  private readBack = false;
  private pendingOutputs: Outputs | null = null;

  /** `apply`: drive the outputs (the driver's applyAll). */
  constructor(private readonly apply: (outputs: Outputs) => void) {}

  /** Wait for `readBack` (at most `boundMs`); the waiting decision then goes, unless stopped. */
  open(readBack: Promise<unknown>, stopped: () => boolean, boundMs = 1000): void {
    void Promise.race([readBack, new Promise((r) => setTimeout(r, boundMs))]).then(() => {
      this.readBack = true;
      const pending = this.pendingOutputs;
      this.pendingOutputs = null;
      if (pending && !stopped()) this.apply(pending);
    });
  }

  /** A decision: driven now once the levels are read back, else when they are. */
  decide(outputs: Outputs): void {
    if (this.readBack) this.apply(outputs);
    else this.pendingOutputs = { ...outputs };
  }
}
