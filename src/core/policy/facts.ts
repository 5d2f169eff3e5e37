/**
 * What every rule needs to know about one policy, computed once: its statements, the
 * accounts and principals it names, the key's own account, and a cache of evaluations.
 */
import type { JSONPath, Node } from 'jsonc-parser';
import { isAccountId, isAccountPrincipal, parsePrincipalArn } from '../arn';
import { propertyNode, statementNodes, type PolicyView } from './document';
import {
  actionMatches,
  compilePolicy,
  createGrantVerdict,
  ec2GrantRequest,
  evaluatePolicy,
  statementMatch,
  stringList,
  type CompiledPolicy,
  type CreateGrantResult,
  type MatchedStatement,
  type PolicyEvaluation,
  type PolicyKind,
  type RequestContext,
} from './evaluate';
import { uniqueSid } from './fixes';
import type { LocalEditor } from './localEdits';
import { DEFAULT_REGION, PLACEHOLDER_ACCOUNT } from './limits';
import { accountMember, callerArnOf, candidateKey, type PrincipalCandidate } from './principals';
import { isRecord } from './values';

export const GRANT_KEY = 'kms:GrantIsForAWSResource';

/**
 * The CreateGrant requests the rules put to a policy. `through-ec2`: the grant EC2 creates
 * when it starts an instance (GrantIsForAWSResource true, via EC2). The other two are the
 * principal calling CreateGrant itself, with the grant key false or absent: a statement
 * allowing either lets the principal grant the key to anyone.
 */
export type GrantRequestVariant = 'through-ec2' | 'direct-not-for-aws-resource' | 'direct-without-grant-key';

export const DIRECT_GRANT_VARIANTS: readonly GrantRequestVariant[] = [
  'direct-not-for-aws-resource',
  'direct-without-grant-key',
];

export interface RuleContext {
  text: string;
  /** Makes the fixes' edits on `text` with its formatting (shared by the policies of one text). */
  editor: LocalEditor;
  principals: string[];
  region?: string;
}

export interface StatementInfo {
  index: number;
  node: Node;
  /** Evaluated value (CloudFormation intrinsics resolved). */
  value: Record<string, unknown>;
  path: JSONPath;
}

/** Everything the rules share about one policy, computed once. */
export class PolicyFacts {
  readonly statements: StatementInfo[];
  readonly compiled: CompiledPolicy;
  readonly sids = new Set<string>();
  readonly region: string;
  /** Accounts named by the policy, most frequent first. */
  readonly accounts: string[];
  /** Principal ARNs (not accounts, not "*") named in the policy, in order of appearance. */
  readonly namedPrincipals: string[];
  readonly statementIsArray: boolean;
  readonly anchor: Node;
  /** The account the key belongs to, when the delegation statement reveals it. */
  readonly keyAccount?: string;
  /** Evaluations by `variant kind`, then by candidate key. */
  private readonly evaluations = new Map<string, Map<string, PolicyEvaluation>>();
  /** `nextSid` answers, by base: finding one costs the number of Sids already numbered. */
  private readonly freeSids = new Map<string, string>();
  /** Requests by variant, then by candidate key. */
  private readonly requests = new Map<GrantRequestVariant, Map<string, RequestContext>>();

  constructor(
    readonly view: PolicyView,
    readonly ctx: RuleContext,
  ) {
    const statementsValue = isRecord(view.value) ? view.value.Statement : undefined;
    this.statementIsArray = Array.isArray(statementsValue);
    const nodes = statementNodes(view.node);
    const values: unknown[] = Array.isArray(statementsValue)
      ? statementsValue
      : statementsValue !== undefined
        ? [statementsValue]
        : [];
    this.statements = nodes.map((node, index) => {
      const value = values[index];
      return {
        index,
        node,
        value: isRecord(value) ? value : {},
        path: this.statementIsArray ? [...view.path, 'Statement', index] : [...view.path, 'Statement'],
      };
    });
    this.compiled = compilePolicy(view.value);
    const accountCounts = new Map<string, number>();
    const named = new Set<string>();
    const count = (account: string): void => {
      accountCounts.set(account, (accountCounts.get(account) ?? 0) + 1);
    };
    let viaService: string | undefined;
    for (const s of this.statements) {
      if (typeof s.value.Sid === 'string') this.sids.add(s.value.Sid);
      for (const entry of awsPrincipalEntries(s.value.Principal).concat(awsPrincipalEntries(s.value.NotPrincipal))) {
        const account = principalEntryAccount(entry);
        if (account) count(account);
        if (entry !== '*' && !isAccountPrincipal(entry) && parsePrincipalArn(entry)) named.add(entry);
      }
      walkStrings(s.value.Condition, (v) => {
        if (isAccountId(v)) count(v);
        const m = /^ec2\.([a-z0-9-]+)\.amazonaws\.com$/.exec(v);
        if (m && viaService === undefined) viaService = m[1];
      });
    }
    for (const p of ctx.principals) {
      const account = parsePrincipalArn(p)?.account;
      if (account) count(account);
    }
    this.accounts = [...accountCounts.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a);
    this.namedPrincipals = [...named];
    this.region = ctx.region ?? viaService ?? DEFAULT_REGION;
    this.keyAccount = keyOwnerAccount(this.statements);
    this.anchor = propertyNode(view.node, 'Statement')?.children?.[0] ?? view.node;
  }

  /** "Any principal of account X" for each account the policy names (or the placeholder). */
  accountMembers(): PrincipalCandidate[] {
    const accounts = this.accounts.length > 0 ? this.accounts : [PLACEHOLDER_ACCOUNT];
    return accounts.map(accountMember);
  }

  /** The policy's decision on the candidate's request of that variant (cached). */
  evaluate(
    candidate: PrincipalCandidate,
    variant: GrantRequestVariant,
    kind: PolicyKind = 'resource',
  ): PolicyEvaluation {
    const byCandidate = cacheIn(this.evaluations, `${variant} ${kind}`);
    const key = candidateKey(candidate);
    let result = byCandidate.get(key);
    if (!result) {
      result = evaluatePolicy(this.compiled, this.request(candidate, variant), kind);
      byCandidate.set(key, result);
    }
    return result;
  }

  /** `evaluateCreateGrant` for the candidate, from the cached evaluation of EC2's request. */
  createGrant(candidate: PrincipalCandidate): CreateGrantResult {
    return createGrantVerdict(
      this.evaluate(candidate, 'through-ec2'),
      this.request(candidate, 'through-ec2'),
      this.keyAccount,
    );
  }

  /** Whether statement `index` alone applies to the candidate's request of that variant. */
  statementApplies(
    index: number,
    candidate: PrincipalCandidate,
    variant: GrantRequestVariant,
    kind: PolicyKind = 'resource',
  ): MatchedStatement | undefined {
    return statementMatch(this.compiled, index, this.request(candidate, variant), kind);
  }

  private request(candidate: PrincipalCandidate, variant: GrantRequestVariant): RequestContext {
    const byCandidate = cacheIn(this.requests, variant);
    const key = candidateKey(candidate);
    let request = byCandidate.get(key);
    if (!request) {
      request = grantRequest(callerArnOf(candidate), variant, this.region);
      byCandidate.set(key, request);
    }
    return request;
  }

  /** A Sid the policy does not use yet (the same for every fix: one is applied at a time). */
  nextSid(base: string): string {
    let sid = this.freeSids.get(base);
    if (sid === undefined) {
      sid = uniqueSid(base, this.sids);
      this.freeSids.set(base, sid);
    }
    return sid;
  }
}

function cacheIn<K, V>(caches: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let cache = caches.get(key);
  if (!cache) {
    cache = new Map();
    caches.set(key, cache);
  }
  return cache;
}

function grantRequest(callerArn: string, variant: GrantRequestVariant, region: string): RequestContext {
  const request = ec2GrantRequest(callerArn, { region });
  if (variant === 'through-ec2') return request;
  const keys = { ...request.conditionKeys };
  delete keys['kms:ViaService'];
  keys['aws:ViaAWSService'] = false;
  if (variant === 'direct-not-for-aws-resource') keys[GRANT_KEY] = false;
  else delete keys[GRANT_KEY];
  return { ...request, conditionKeys: keys };
}

function walkStrings(value: unknown, visit: (s: string) => void, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, visit, depth + 1));
  else if (isRecord(value)) Object.values(value).forEach((v) => walkStrings(v, visit, depth + 1));
}

/** The entries of a Principal's `AWS` element (`["*"]` for `"Principal": "*"`). */
export function awsPrincipalEntries(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (!isRecord(principal)) return [];
  return stringList(principal.AWS) ?? [];
}

/** The account an AWS principal entry belongs to, when it names one. */
export function principalEntryAccount(entry: string): string | undefined {
  const account = parsePrincipalArn(entry)?.account;
  return isAccountId(account) ? account : undefined;
}

/** Action or NotAction of a statement; undefined when it has both or neither usable. */
export function statementActions(s: StatementInfo): { list: string[]; not: boolean } | undefined {
  if ('Action' in s.value && 'NotAction' in s.value) return undefined;
  const not = !('Action' in s.value);
  const list = stringList(not ? s.value.NotAction : s.value.Action);
  return list ? { list, not } : undefined;
}

/** Whether the statement's Action/NotAction lets `action` through. */
export function grantsAction(s: StatementInfo, action: string): boolean {
  const actions = statementActions(s);
  return actions !== undefined && actionMatches(actions.list, action) !== actions.not;
}

/** The accounts an Allow statement delegates kms:CreateGrant to (its account principals). */
export function createGrantDelegations(s: StatementInfo): string[] {
  if (s.value.Effect !== 'Allow' || !grantsAction(s, 'kms:CreateGrant')) return [];
  return awsPrincipalEntries(s.value.Principal)
    .filter(isAccountPrincipal)
    .map(principalEntryAccount)
    .filter((a): a is string => a !== undefined);
}

/**
 * The account owning the key, as its delegation reveals it: an account principal allowed
 * kms:CreateGrant, preferring one also allowed kms:PutKeyPolicy (the owner's "Enable IAM
 * User Permissions" allows kms:*; an external account is given the use of the key, not its
 * administration). An account allowed only, say, kms:Describe* says nothing about the owner.
 */
function keyOwnerAccount(statements: readonly StatementInfo[]): string | undefined {
  let first: string | undefined;
  for (const s of statements) {
    const [account] = createGrantDelegations(s);
    if (account === undefined) continue;
    if (grantsAction(s, 'kms:PutKeyPolicy')) return account;
    first ??= account;
  }
  return first;
}
