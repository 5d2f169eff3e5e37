import type * as PolicyModule from '../../core/policy';

let policy: typeof PolicyModule | undefined;

/**
 * The policy analyzer lives in its own bundle (dist/analyzer.js, with jsonc-parser) so that the
 * activation bundle stays small: the first policy document (or key policy save) loads it.
 * `./analyzer` is external in the activation bundle and resolves next to dist/extension.js.
 */
export function loadPolicy(): typeof PolicyModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  policy ??= require('./analyzer') as typeof PolicyModule;
  return policy;
}
