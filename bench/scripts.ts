/**
 * The service builds a bench runs (bundle, unbundled node_modules, ts-node), the runtime
 * flags of service/run, a bare Node to compare with, and a clean environment.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sleep } from './lib';
import { serviceNode } from '../test/helpers/runtime';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The node flags and environment of a daemontools run script (service/run). */
export interface RunFlags {
  flags: string[];
  env: Record<string, string>;
}

/**
 * Read `exec node <flags> "$app/smallbms.js"` and `export NAME=value` lines of a run script,
 * so the bench runs each build with the flags its own release ships.
 */
export function parseRunScript(text: string): RunFlags {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^\s*export\s+([A-Z_][A-Z0-9_]*)=(\S+)\s*$/gm)) env[m[1]] = m[2];
  const exec =
    /^\s*exec\s+(?:env\s+)?((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)(?:node|"\$node")\s+([^"\n]*?)\s*"\$app/m.exec(
      text.replace(/\\\n\s*/g, ' '),
    );
  // `exec node …` (0.2.x) or `exec "$node" …` (0.3.0: the Node chosen by install.sh).
  if (!exec) throw new Error('run script: no `exec node ... "$app/smallbms.js"` line');
  for (const a of exec[1].trim().split(/\s+/).filter(Boolean)) {
    const i = a.indexOf('=');
    env[a.slice(0, i)] = a.slice(i + 1);
  }
  return { flags: exec[2].trim().split(/\s+/).filter(Boolean), env };
}

/** service/run, or the run script named by SMALLBMS_BENCH_RUN (to compare flags). */
export function currentRunFlags(): RunFlags {
  const file = process.env.SMALLBMS_BENCH_RUN ?? path.join(ROOT, 'service/run');
  return parseRunScript(fs.readFileSync(file, 'utf8'));
}

/** Spawn options for BenchGx: the flags and variables of service/run, a clean environment. */
export function prod(run: RunFlags = currentRunFlags()): {
  nodeFlags: string[];
  env: NodeJS.ProcessEnv;
} {
  return { nodeFlags: run.flags, env: { ...cleanEnv(), ...run.env } };
}

/** service/run's node flags, as printed in headings. */
export const runFlagsText = (run: RunFlags = currentRunFlags()): string =>
  [...Object.entries(run.env).map(([k, v]) => `${k}=${v}`), ...run.flags].join(' ');

/**
 * Variables of this shell that would change what a child costs (NODE_EXTRA_CA_CERTS makes
 * Node load certificates at start, NODE_OPTIONS adds flags...): set to undefined so spawn
 * leaves them out. A GX's daemontools starts the service without them.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) {
    if (/^(NODE_|UV_|MALLOC_|V8_|TS_NODE_)/.test(k) || k === 'SSL_CERT_FILE') out[k] = undefined;
  }
  return out;
}

export interface Scripts {
  bundled: string;
  /** Our code bundled, node_modules loaded from disk (what `require` of each package costs). */
  modules: string;
  /** ts-node transpile-only on service/src/cli/main.ts (development path). */
  tsNode: { script: string; env: NodeJS.ProcessEnv };
}

export function buildScripts(): Scripts {
  const bundled = process.env.SMALLBMS_BENCH_BUNDLE ?? path.join(ROOT, 'dist/smallbms.js');
  const dir = path.join(ROOT, 'bench/.build/modules');
  fs.mkdirSync(dir, { recursive: true });
  const modules = path.join(dir, 'smallbms.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { options } = require(path.join(ROOT, 'scripts/bundle.js')) as {
    options: (out: string) => Record<string, unknown>;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as { buildSync: (o: Record<string, unknown>) => void };
  esbuild.buildSync({ ...options(modules), packages: 'external' });
  return {
    bundled,
    modules,
    tsNode: {
      script: path.join(ROOT, 'service/src/cli/main.ts'),
      env: {
        NODE_OPTIONS: `-r ${require.resolve('ts-node/register/transpile-only')}`,
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
      },
    },
  };
}

/** `node -e "setInterval(()=>{},1000)"` with the given flags (on the service's Node): the floor to compare with. */
export async function bareNode(
  flags: string[] = [],
  env: NodeJS.ProcessEnv = {},
  settleMs = 1500,
): Promise<{ pid: number; stop: () => void }> {
  const p = spawn(serviceNode(), [...flags, '-e', 'setInterval(()=>{},1000)'], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  await sleep(settleMs);
  return { pid: p.pid ?? 0, stop: () => p.kill('SIGKILL') };
}
