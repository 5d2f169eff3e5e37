import type { JSONPath } from 'jsonc-parser';

/** `{a: {b: value}}` for the path `[a, b]` (a number segment wraps in a one-entry list). */
export function nestedValue(path: JSONPath, value: unknown): unknown {
  return path.reduceRight<unknown>(
    (inner, segment) => (typeof segment === 'string' ? { [segment]: inner } : [inner]),
    value,
  );
}
