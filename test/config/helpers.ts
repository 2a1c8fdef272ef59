/** Shared fixtures for the config tests: a minimal valid config and a temp-file writer. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type Doc = Record<string, unknown>;

/** The smallest config that passes: ATD and ATC on Cerbo digital inputs, two relays. */
export function minimalConfig(): Doc {
  return {
    lines: {
      dischargeAllowed: { source: { type: 'digitalinput', input: 1 } },
      chargeAllowed: { source: { type: 'digitalinput', input: 2 } },
    },
    outputs: {
      load: [{ type: 'relay', relay: 1 }],
      charge: [{ type: 'relay', relay: 2 }],
    },
  };
}

/** Deep-set `value` at a dotted path (numbers index arrays), returning the document. */
export function withValue(doc: Doc, dotted: string, value: unknown): Doc {
  const keys = dotted.split('.');
  let node = doc as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'smallbms-config-'));
}

export function writeTemp(dir: string, name: string, content: string | Doc): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

export class Recorder {
  readonly out: string[] = [];
  readonly err: string[] = [];
  log = (line: string): void => {
    this.out.push(line);
  };
  error = (line: string): void => {
    this.err.push(line);
  };
  get stdout(): string {
    return this.out.join('\n');
  }
  get stderr(): string {
    return this.err.join('\n');
  }
}
