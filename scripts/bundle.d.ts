/** Types for scripts/bundle.js (used by tests and tools written in TypeScript). */
export function ensureBundle(): string;
export function options(out?: string): Record<string, unknown>;
export const outfile: string;
