/** Types for test/tools.js (the optional programs some suites need). */
export interface Tool {
  name: string;
  apt: string;
  find(): string | true | null;
  suites: string[];
  effect: string;
}
export const TOOLS: Tool[];
export function findTool(name: string): string | true | null;
export function installHint(missing: Tool[]): string | null;
export function onPath(name: string): string | null;
