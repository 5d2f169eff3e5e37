/**
 * ARNs and account ids: the one parser every layer uses (core, AWS, editor, CLI). ARN format:
 * `arn:partition:service:region:account-id:resource` (IAM User Guide, "IAM identifiers";
 * AWS General Reference, "Amazon Resource Names"). Nothing here throws: bad input is
 * `undefined`, since ARNs come from files and from AWS and both can be malformed.
 */

/** An ARN's six fields; `resource` keeps its own colons and slashes. */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** True when the string is a 12-digit AWS account id. */
export function isAccountId(value: string | undefined): boolean {
  return typeof value === 'string' && /^\d{12}$/.test(value);
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

/** Parses any ARN into its fields; undefined when the value is not an ARN. */
export function parseArn(value: string | undefined): Arn | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = splitArn(value.trim());
  if (!parts) return undefined;
  const [, partition, service, region, account, resource] = parts;
  return { partition, service, region, account, resource };
}

/** The account field of an ARN, when it is a 12-digit account id. */
export function accountOfArn(value: string | undefined): string | undefined {
  const account = parseArn(value)?.account;
  return account !== undefined && isAccountId(account) ? account : undefined;
}

/** The region field of an ARN, if the value is an ARN with one. */
export function regionOfArn(value: string | undefined): string | undefined {
  return parseArn(value)?.region || undefined;
}

/** A KMS key ARN, `arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID`. */
export interface KeyArn {
  partition: string;
  region: string;
  account: string;
  keyId: string;
}

/** Parses a KMS key ARN (not an alias ARN); undefined for anything else. */
export function parseKeyArn(value: string | undefined): KeyArn | undefined {
  const arn = parseArn(value);
  if (!arn || arn.service !== 'kms' || !arn.region || !isAccountId(arn.account)) return undefined;
  if (!arn.resource.startsWith('key/') || arn.resource.length <= 4) return undefined;
  return { partition: arn.partition, region: arn.region, account: arn.account, keyId: arn.resource.slice(4) };
}

/** True for `alias/name` or an alias ARN, which ListAliases does not accept as KeyId. */
export function isAliasReference(value: string): boolean {
  if (value.startsWith('alias/')) return true;
  const arn = parseArn(value);
  return arn?.service === 'kms' && arn.resource.startsWith('alias/');
}

/**
 * The comparable part of a key reference: the key id for `key/...` ARNs and bare ids, the
 * alias name for aliases. Lower-cased: key ids are UUIDs (or mrk- ids), compared without case.
 */
export function keyToken(ref: string): string {
  const trimmed = ref.trim();
  const resource = parseArn(trimmed)?.resource ?? trimmed;
  return resource.replace(/^key\//i, '').toLowerCase();
}

/** An account's root principal ARN in a partition. */
export function accountRootArn(account: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:root`;
}

/** True for a bare account id or an account root ARN (`arn:PARTITION:iam::ACCOUNT:root`). */
export function isAccountPrincipal(entry: string): boolean {
  if (isAccountId(entry)) return true;
  const arn = parseArn(entry);
  return !!arn && arn.service === 'iam' && arn.region === '' && isAccountId(arn.account) && arn.resource === 'root';
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
    return { partition: 'aws', account: arn, kind: 'root', principalArn: accountRootArn(arn) };
  }
  const parts = splitArn(arn);
  if (!parts) return undefined;
  const [, partition, service, , account, resource] = parts;
  if (service === 'iam') {
    if (resource === 'root') return { partition, account, kind: 'root', principalArn: arn };
    if (resource.startsWith('user/')) return { partition, account, kind: 'user', principalArn: arn };
    if (resource.startsWith('role/')) {
      return {
        partition,
        account,
        kind: 'role',
        roleName: resource.slice(resource.lastIndexOf('/') + 1),
        principalArn: arn,
      };
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
    if (resource.startsWith('federated-user/'))
      return { partition, account, kind: 'federated-user', principalArn: arn };
  }
  return { partition, account, kind: 'other', principalArn: arn };
}

/** The IAM entity an orphaned unique id in a policy's Principal stood for. */
export type UniqueIdKind = 'user' | 'role';

/**
 * IAM unique ids that can name a principal: `AIDA` for a user, `AROA` for a role (IAM User
 * Guide, "IAM identifiers", "Understanding unique ID prefixes"). The other prefixes of that
 * table (groups, policies, instance profiles, keys) never name a principal. The IAM API gives
 * `UserId`/`RoleId` a length of 16 to 128 characters of pattern `[\w]+` (API_User, API_Role);
 * IAM issues them as upper-case letters and digits.
 */
const UNIQUE_ID = /^(AIDA|AROA)[A-Z0-9]{12,124}$/;

/**
 * Whether a Principal entry is an IAM unique id, and of what. A key policy shows one where
 * it named a user or role that was deleted: IAM can no longer map the id back to an ARN.
 */
export function iamUniqueIdKind(entry: string): UniqueIdKind | undefined {
  const m = UNIQUE_ID.exec(entry);
  if (!m) return undefined;
  return m[1] === 'AIDA' ? 'user' : 'role';
}
