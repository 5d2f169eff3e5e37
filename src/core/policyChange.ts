import { policyStatements } from './policy/values';
import { KEY_POLICY_SIZE_LIMIT_TEXT, utf8ByteLength } from './policy/limits';

/**
 * Lines that tell a person what saving a policy will change: statements added, removed and
 * changed (by Sid, or by content for statements without one) and the size against the key
 * policy limit. Shown in the confirmation before anything is written to AWS.
 */
export function summarizePolicyChange(before: string, after: string): string[] {
  const old = statementsByKey(before);
  const next = statementsByKey(after);
  const added = [...next.keys()].filter((k) => !old.has(k));
  const removed = [...old.keys()].filter((k) => !next.has(k));
  const changed = [...next.keys()].filter((k) => old.has(k) && old.get(k) !== next.get(k));
  const lines: string[] = [];
  const name = (k: string) => (k.startsWith('#') ? 'a statement without Sid' : `"${k}"`);
  if (added.length) lines.push(`Adds ${added.length} statement(s): ${added.map(name).join(', ')}.`);
  if (removed.length) lines.push(`Removes ${removed.length} statement(s): ${removed.map(name).join(', ')}.`);
  if (changed.length) lines.push(`Changes ${changed.length} statement(s): ${changed.map(name).join(', ')}.`);
  if (lines.length === 0) lines.push('No statement changes (formatting only).');
  lines.push(
    `Size: ${utf8ByteLength(before)} -> ${utf8ByteLength(after)} bytes (limit ${KEY_POLICY_SIZE_LIMIT_TEXT}).`,
  );
  return lines;
}

function statementsByKey(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new Map();
  }
  const map = new Map<string, string>();
  for (const statement of policyStatements(parsed)) {
    const canonical = JSON.stringify(statement);
    const sid = typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `#${canonical}`;
    map.set(sid, canonical);
  }
  return map;
}
