/**
 * Wildcard and ARN matching shared by the evaluator's Action, Resource, Principal and
 * Condition checks. Linear-time glob matching: policies are user input and a 32 KB key
 * policy must never trigger exponential backtracking.
 */

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

/** Splits an ARN into its six parts (the last keeps its colons); undefined when not an ARN. */
export function splitArn(arn: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(':', start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  parts.push(arn.slice(start));
  return parts[0] === 'arn' ? parts : undefined;
}

/**
 * ArnEquals/ArnLike: each colon-delimited part is matched separately, case-sensitively,
 * with wildcards (IAM User Guide, "Amazon Resource Name (ARN) condition operators").
 */
export function matchArn(pattern: string, value: string): boolean {
  const p = splitArn(pattern);
  const v = splitArn(value);
  if (!p || !v) return pattern === '*' ? true : false;
  for (let i = 0; i < 6; i++) {
    if (!matchWildcard(p[i], v[i])) return false;
  }
  return true;
}

/** True when the string is a 12-digit AWS account id. */
export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/** A caller ARN broken into what principal matching needs. */
export interface ParsedPrincipal {
  partition: string;
  account: string;
  kind: 'root' | 'user' | 'role' | 'assumed-role' | 'federated-user' | 'other';
  /** For an assumed-role session: the role name (its path is not in the session ARN). */
  roleName?: string;
  /** The ARN IAM puts in `aws:PrincipalArn`: the role, not the session. */
  principalArn: string;
}

const parsedCache = new Map<string, ParsedPrincipal | undefined>();
const PARSED_CACHE_LIMIT = 5000;

/**
 * Parses user, role, root and sts session ARNs; a bare account id counts as the account
 * root. Memoized: the analyzer asks about the same few principals thousands of times.
 */
export function parsePrincipalArn(arn: string): ParsedPrincipal | undefined {
  if (parsedCache.has(arn)) return parsedCache.get(arn);
  const parsed = parsePrincipalArnUncached(arn);
  if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
  parsedCache.set(arn, parsed);
  return parsed;
}

function parsePrincipalArnUncached(arn: string): ParsedPrincipal | undefined {
  if (isAccountId(arn)) {
    return { partition: 'aws', account: arn, kind: 'root', principalArn: `arn:aws:iam::${arn}:root` };
  }
  const parts = splitArn(arn);
  if (!parts) return undefined;
  const [, partition, service, , account, resource] = parts;
  if (service === 'iam') {
    if (resource === 'root') return { partition, account, kind: 'root', principalArn: arn };
    if (resource.startsWith('user/')) return { partition, account, kind: 'user', principalArn: arn };
    if (resource.startsWith('role/')) {
      return { partition, account, kind: 'role', roleName: resource.slice(resource.lastIndexOf('/') + 1), principalArn: arn };
    }
  }
  if (service === 'sts') {
    if (resource.startsWith('assumed-role/')) {
      const roleName = resource.split('/')[1] ?? '';
      return {
        partition,
        account,
        kind: 'assumed-role',
        roleName,
        principalArn: `arn:${partition}:iam::${account}:role/${roleName}`,
      };
    }
    if (resource.startsWith('federated-user/')) return { partition, account, kind: 'federated-user', principalArn: arn };
  }
  return { partition, account, kind: 'other', principalArn: arn };
}
