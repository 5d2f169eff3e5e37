/**
 * Wildcard and ARN matching shared by the evaluator's Action, Resource, Principal and
 * Condition checks. Linear-time glob matching: policies are user input and a 32 KB key
 * policy must never trigger exponential backtracking.
 */
import { splitArn } from '../arn';

/**
 * Matches `value` against an IAM glob (`*` any run, `?` one character).
 * Greedy with a single backtrack point, so the cost stays O(pattern * value) at worst.
 */
export function matchWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let starPi = -1;
  let starVi = 0;
  while (vi < v.length) {
    const pc = p.charCodeAt(pi);
    if (pi < p.length && (pc === 63 /* ? */ || pc === v.charCodeAt(vi))) {
      pi++;
      vi++;
    } else if (pi < p.length && pc === 42 /* * */) {
      starPi = pi++;
      starVi = vi;
    } else if (starPi >= 0) {
      pi = starPi + 1;
      vi = ++starVi;
    } else {
      return false;
    }
  }
  while (pi < p.length && p.charCodeAt(pi) === 42) pi++;
  return pi === p.length;
}

/**
 * ArnEquals/ArnLike: each colon-delimited part is matched separately, case-sensitively,
 * with wildcards (IAM User Guide, "Amazon Resource Name (ARN) condition operators").
 */
export function matchArn(pattern: string, value: string): boolean {
  const p = splitArnCached(pattern);
  const v = splitArnCached(value);
  if (!p || !v) return pattern === '*' ? true : false;
  for (let i = 0; i < 6; i++) {
    if (!matchWildcard(p[i], v[i])) return false;
  }
  return true;
}

const splitCache = new Map<string, string[] | undefined>();
const SPLIT_CACHE_LIMIT = 10_000;

/**
 * `splitArn`, remembered: the analyzer matches the same patterns (a statement's) against the
 * same values (a request's) for every principal a policy names. The parts are never modified.
 */
function splitArnCached(arn: string): readonly string[] | undefined {
  if (splitCache.has(arn)) return splitCache.get(arn);
  const parts = splitArn(arn);
  if (splitCache.size >= SPLIT_CACHE_LIMIT) splitCache.clear();
  splitCache.set(arn, parts);
  return parts;
}
