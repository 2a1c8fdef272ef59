/** Types for test/tools.js (the optional programs some suites need). */
export interface Tool {
  name: string;
  apt: string;
  /** A path or true; null when missing; `{ missing: why }` when there but unusable. */
  find(): string | true | null | { missing: string };
  suites: string[];
  effect: string;
}
export const TOOLS: Tool[];
export function findTool(name: string): string | true | null;
export function toolProblem(name: string): string | null;
export function installHint(missing: Tool[]): string | null;
export function rerunHint(suites: string[]): string | null;
export function qmllintProblem(bin: string): string | null;
export function qmlRuntimeProblem(bin: string): string | null;
export function onPath(name: string): string | null;
