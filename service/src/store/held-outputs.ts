/**
 * The logical outputs the service last decided, kept in `<dataDir>/outputs.json`, so that a
 * restart can hold them (behaviour.md section 4, STARTING) where a target cannot be read
 * back: our own DVCC paths, which go away with the process. Only valid within one boot: after
 * a GX reboot the relays start from their safe InitialState and so does DVCC (null).
 */
import * as fs from 'node:fs';
import type { Outputs } from '../core/types';
import { writeFileAtomic } from './atomic';
import { currentBootId } from './memory-store';

interface Stored {
  version: 1;
  bootId: string | null;
  outputs: Outputs;
}

export class HeldOutputsStore {
  private last = '';
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly bootId: () => string | null = currentBootId,
  ) {}

  /** The outputs of the previous run in this boot, or null (none, other boot, unreadable). */
  load(): Outputs | null {
    try {
      const s = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<Stored>;
      const o = s.outputs;
      const boot = this.bootId();
      if (s.version !== 1 || boot === null || s.bootId !== boot || typeof o !== 'object') {
        return null;
      }
      if (![o.load, o.charge, o.preAlarm].every((b) => typeof b === 'boolean')) return null;
      this.last = JSON.stringify(o);
      return { load: o.load, charge: o.charge, preAlarm: o.preAlarm };
    } catch {
      return null;
    }
  }

  /** Save when they changed (atomically; writes are serialised, the last one wins). */
  save(outputs: Outputs, onError: (err: Error) => void): void {
    const text = JSON.stringify(outputs);
    if (text === this.last) return;
    this.last = text;
    const data: Stored = { version: 1, bootId: this.bootId(), outputs: { ...outputs } };
    this.writing = this.writing
      .then(() => writeFileAtomic(this.file, JSON.stringify(data)))
      .catch(onError);
  }
}
