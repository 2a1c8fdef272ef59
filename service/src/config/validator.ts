/**
 * The validator of schema.json, with the schema defaults applied as it checks.
 *
 * In dist/smallbms.js (the bundle every command of a GX runs) it is ajv's standalone code,
 * generated from `compileWithAjv()` when scripts/bundle.js builds the bundle: ajv itself, its
 * compiler and the compile at start (≈ 4 MB of RSS and tens of ms on a GX) stay out of the
 * service. Elsewhere (jest, ts-node) the schema is compiled with ajv on first use; the
 * generated code comes from that same compile, and test/config/precompiled.test.ts checks
 * that both give the same problems and defaults.
 */
import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import schema from './schema.json';

/**
 * Set by scripts/bundle.js (esbuild `define`) to the file holding the generated code, which
 * esbuild then bundles; undefined outside the bundle.
 */
declare const SMALLBMS_PRECOMPILED_VALIDATOR: string | undefined;

export const AJV_OPTIONS: Options = {
  allErrors: true,
  useDefaults: true,
  discriminator: true,
  // The messages are built from `parentSchema` (unit, patternHint, allowed keys) and `data`.
  verbose: true,
  // Branches of the discriminated unions declare `required` locally on purpose.
  strictRequired: false,
};

/** Annotations the error messages and the README table use. */
export const SCHEMA_ANNOTATIONS = ['unit', 'patternHint'];

/** Compile schema.json with ajv (`code.source` kept, so the bundle can generate from it). */
export function compileWithAjv(): { ajv: Ajv; validate: ValidateFunction } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const AjvClass = (require('ajv') as typeof import('ajv')).default;
  const ajv = new AjvClass({ ...AJV_OPTIONS, code: { source: true } });
  ajv.addVocabulary(SCHEMA_ANNOTATIONS);
  return { ajv, validate: ajv.compile(schema) };
}

let validator: ValidateFunction | undefined;

/** The validator: generated code in the bundle, else compiled once on first use. */
export function configValidator(): ValidateFunction {
  if (!validator) {
    validator =
      typeof SMALLBMS_PRECOMPILED_VALIDATOR === 'string'
        ? // eslint-disable-next-line @typescript-eslint/no-require-imports
          (require(SMALLBMS_PRECOMPILED_VALIDATOR) as ValidateFunction)
        : compileWithAjv().validate;
  }
  return validator;
}

/** True when running the generated code (in the bundle). */
export function isPrecompiled(): boolean {
  return typeof SMALLBMS_PRECOMPILED_VALIDATOR === 'string';
}
