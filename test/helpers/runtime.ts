/**
 * The Node that runs the code under test: the service, its CLI and the demo, spawned as a GX
 * would run them. `SMALLBMS_TEST_NODE` names another node executable (scripts/test-runtimes.js
 * sets it to each runtime it fetched); without it, the Node running jest. The tests' own helpers
 * (the stand-ins, samplers, scripts of the repo) stay on the Node running jest.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export function serviceNode(env: NodeJS.ProcessEnv = process.env): string {
  const node = env.SMALLBMS_TEST_NODE;
  if (!node) return process.execPath;
  try {
    fs.accessSync(node, fs.constants.X_OK);
  } catch {
    throw new Error(`SMALLBMS_TEST_NODE=${node}: not an executable file`);
  }
  if (!fs.statSync(node).isFile()) throw new Error(`SMALLBMS_TEST_NODE=${node}: not a file`);
  return node;
}

const versions = new Map<string, string>();

/** `process.version` of serviceNode() (e.g. "v24.18.1"), asked once per executable. */
export function serviceNodeVersion(env: NodeJS.ProcessEnv = process.env): string {
  const node = serviceNode(env);
  if (node === process.execPath) return process.version;
  let v = versions.get(node);
  if (v === undefined) {
    v = execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    versions.set(node, v);
  }
  return v;
}
