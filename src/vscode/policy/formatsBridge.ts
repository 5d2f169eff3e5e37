import type * as FormatsModule from '../../core/policy/formats';

let formats: typeof FormatsModule | undefined;

/**
 * The readers of YAML templates and Terraform files live in their own bundle (dist/formats.js,
 * with the YAML and HCL parsers): activation never loads them, the first such document does.
 * `./formats` is external in the activation bundle and resolves next to dist/extension.js.
 */
export function loadFormats(): typeof FormatsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  formats ??= require('./formats') as typeof FormatsModule;
  return formats;
}
