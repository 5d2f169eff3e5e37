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
  prepareRequest,
  statementMatch,
  stringList,
  type CompiledPolicy,
  type CreateGrantResult,
  type MatchedStatement,
  type PolicyEvaluation,
  type PolicyKind,
  type PreparedRequest,
  type RequestContext,
} from './evaluate';
import { DELEGATION_SID, uniqueSid } from './fixes';
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
  /** The key's account as the person (or the live key's ARN) gave it: wins over the inference. */
  keyAccount?: string;
}

/**
 * Where the key's account came from, for the findings to say which account was assumed.
 * `given`: the setting, `--key-arn` or the live key's ARN; `delegation`: the account root
 * allowed `kms:*`; `administration`: an account root allowed `kms:PutKeyPolicy`.
 */
export type KeyAccountSource =
  | { from: 'given'; account: string }
  | { from: 'delegation' | 'administration'; account: string; statement: { index: number; sid?: unknown } };

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
  /** The account the key belongs to: given, or revealed by the delegation statement. */
  readonly keyAccount?: string;
  /** How `keyAccount` was found. */
  readonly keyAccountSource?: KeyAccountSource;
  /** Evaluations by kind, then variant, then candidate key. */
  private readonly evaluations: Record<PolicyKind, Map<GrantRequestVariant, Map<string, PolicyEvaluation>>> = {
    resource: new Map(),
    identity: new Map(),
  };
  /** `nextSid` answers, by base: finding one costs the number of Sids already numbered. */
  private readonly freeSids = new Map<string, string>();
  /** What each principal entry names, by entry: the rules ask about the same entries again and again. */
  private readonly entries = new Map<string, EntryFacts>();
  /** Requests by variant, then by candidate key, each prepared once for all its evaluations. */
  private readonly requests = new Map<GrantRequestVariant, Map<string, PreparedRequest>>();

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
        const { account, namesPrincipal } = this.entryFacts(entry);
        if (account) count(account);
        if (namesPrincipal) named.add(entry);
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
    this.keyAccountSource = ctx.keyAccount
      ? { from: 'given', account: ctx.keyAccount }
      : keyOwnerAccount(this.statements, this.namedPrincipals);
    this.keyAccount = this.keyAccountSource?.account;
    this.anchor = propertyNode(view.node, 'Statement')?.children?.[0] ?? view.node;
  }

  /** What a principal entry names: its account (as `principalEntryAccount`), and whether it is a principal ARN. */
  private entryFacts(entry: string): EntryFacts {
    let found = this.entries.get(entry);
    if (!found) {
      found = { account: principalEntryAccount(entry), namesPrincipal: namesPrincipal(entry) };
      this.entries.set(entry, found);
    }
    return found;
  }

  /** Whether a principal entry names a principal by its ARN (not an account, not `"*"`). */
  namesPrincipal(entry: string): boolean {
    return this.entryFacts(entry).namesPrincipal;
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
    const byCandidate = cacheIn(this.evaluations[kind], variant);
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
      this.request(candidate, 'through-ec2').request,
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

  private request(candidate: PrincipalCandidate, variant: GrantRequestVariant): PreparedRequest {
    const byCandidate = cacheIn(this.requests, variant);
    const key = candidateKey(candidate);
    let request = byCandidate.get(key);
    if (!request) {
      // The direct variants are EC2's request with other condition keys: built from it.
      request = prepareRequest(
        variant === 'through-ec2'
          ? ec2GrantRequest(callerArnOf(candidate), { region: this.region })
          : directGrantRequest(this.request(candidate, 'through-ec2').request, variant),
      );
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

interface EntryFacts {
  account: string | undefined;
  namesPrincipal: boolean;
}

/** Whether a principal entry names a principal by its ARN (not an account, not `"*"`). */
export function namesPrincipal(entry: string): boolean {
  return entry !== '*' && !isAccountPrincipal(entry) && parsePrincipalArn(entry) !== undefined;
}

function cacheIn<K, V>(caches: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let cache = caches.get(key);
  if (!cache) {
    cache = new Map();
    caches.set(key, cache);
  }
  return cache;
}

/**
 * The principal calling CreateGrant itself: EC2's request without `kms:ViaService`,
 * `aws:ViaAWSService` false, and the grant key false or absent. Built key by key rather than
 * copied and deleted from: an object with deleted keys is slower to read for every statement.
 */
function directGrantRequest(ec2Request: RequestContext, variant: GrantRequestVariant): RequestContext {
  const from = ec2Request.conditionKeys;
  const keys: RequestContext['conditionKeys'] = {};
  for (const name of Object.keys(from)) {
    if (name !== 'kms:ViaService' && name !== GRANT_KEY) keys[name] = from[name];
  }
  keys['aws:ViaAWSService'] = false;
  if (variant === 'direct-not-for-aws-resource') keys[GRANT_KEY] = false;
  return { ...ec2Request, conditionKeys: keys };
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

/** Whether the statement's Action covers every KMS action (`kms:*`, `*`), with no NotAction. */
function allowsAllKms(s: StatementInfo): boolean {
  const actions = statementActions(s);
  return actions !== undefined && !actions.not && actions.list.some((a) => a === '*' || a.toLowerCase() === 'kms:*');
}

/** The one account an unconditional Allow names as its only principals (account roots or ids). */
function soleAccountPrincipal(s: StatementInfo): string | undefined {
  if (s.value.Effect !== 'Allow' || 'Condition' in s.value || 'NotPrincipal' in s.value) return undefined;
  const entries = awsPrincipalEntries(s.value.Principal);
  if (entries.length === 0 || !entries.every(isAccountPrincipal)) return undefined;
  const accounts = new Set(entries.map(principalEntryAccount));
  const [account] = accounts;
  return accounts.size === 1 ? account : undefined;
}

/**
 * The account owning the key, as the policy reveals it. In order:
 *
 * | evidence                                              | why                                     |
 * |-------------------------------------------------------|-----------------------------------------|
 * | an account root allowed `kms:*` (the delegation)      | KMS writes it for the owner in every default policy; an external account is given the use of a key, not all of it |
 * | several: the one with the console's Sid, else the one most named principals belong to | a foreign account listed first must not win |
 * | an account root allowed `kms:PutKeyPolicy`            | who administers the key owns it         |
 * | nothing                                               | unknown: nobody is judged cross-account |
 *
 * An account allowed only kms:CreateGrant or kms:Describe* says nothing about the owner.
 */
function keyOwnerAccount(
  statements: readonly StatementInfo[],
  namedPrincipals: readonly string[],
): KeyAccountSource | undefined {
  const delegations: { account: string; s: StatementInfo }[] = [];
  let administration: KeyAccountSource | undefined;
  for (const s of statements) {
    const account = soleAccountPrincipal(s);
    if (account === undefined) continue;
    if (allowsAllKms(s)) delegations.push({ account, s });
    else if (administration === undefined && grantsAction(s, 'kms:PutKeyPolicy'))
      administration = { from: 'administration', account, statement: { index: s.index, sid: s.value.Sid } };
  }
  const owner = chooseDelegation(delegations, namedPrincipals);
  if (owner)
    return { from: 'delegation', account: owner.account, statement: { index: owner.s.index, sid: owner.s.value.Sid } };
  return administration;
}

function chooseDelegation<T extends { account: string; s: StatementInfo }>(
  delegations: readonly T[],
  namedPrincipals: readonly string[],
): T | undefined {
  if (new Set(delegations.map((d) => d.account)).size <= 1) return delegations[0];
  const console = delegations.find((d) => d.s.value.Sid === DELEGATION_SID);
  if (console) return console;
  const members = (account: string): number =>
    namedPrincipals.filter((p) => parsePrincipalArn(p)?.account === account).length;
  return delegations.reduce((best, d) => (members(d.account) > members(best.account) ? d : best));
}
