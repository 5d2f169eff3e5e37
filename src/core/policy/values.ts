/** Helpers on the plain values and strings a parsed policy is made of. */

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One statement as found in the document, before validation. */
export type RawStatement = Record<string, unknown>;

/**
 * The statements of a policy document: `Statement` may be an array or a single object.
 * Here, with no other dependency, so that the activation bundle can read statements without
 * the analyzer's parser and tables.
 */
export function policyStatements(policy: unknown): RawStatement[] {
  if (!isRecord(policy)) return [];
  const statement = policy.Statement;
  if (Array.isArray(statement)) return statement.map((s) => (isRecord(s) ? s : {}));
  if (isRecord(statement)) return [statement];
  return [];
}

/**
 * Replaces each `${...}` of `text` (the inner text runs to the first `}`) by what `replace`
 * returns for it; undefined leaves the `${` as written and goes on after it. Linear: the
 * closing brace found for one `${` serves every `${` before it.
 */
export function substitute(text: string, replace: (inner: string) => string | undefined): string {
  let out = '';
  let from = 0;
  let close = -1;
  for (let open = text.indexOf('${'); open >= 0; open = text.indexOf('${', open + 2)) {
    if (open < from) continue;
    if (close < open + 2) close = text.indexOf('}', open + 2);
    if (close < 0) break;
    const value = replace(text.slice(open + 2, close));
    if (value === undefined) continue;
    out += text.slice(from, open) + value;
    from = close + 1;
    open = close - 1;
  }
  return out + text.slice(from);
}
