/**
 * The policy evaluator: does one policy document allow, deny or say nothing about a
 * request, and may a principal obtain the grant EC2 creates on its behalf?
 * Grammar: domain.md section 5. Never throws, whatever the input.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { evaluateCondition, normalizeContext, type ConditionContext } from './conditions';
import { isAccountId, matchWildcard, parsePrincipalArn, splitArn } from './match';

export interface RequestContext {
  /** e.g. `kms:CreateGrant`. */
  action: string;
  /** The key ARN, or `*` when unknown (then every Resource element applies). */
  resource: string;
  /** The caller: user, role, account root, or sts assumed-role session. */
  principalArn: string;
  /** The caller's 12-digit account. */
  principalAccount: string;
  /** Condition keys as IAM names them, in any case. */
  conditionKeys: Record<string, string | string[] | boolean>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface MatchedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /**
   * How the statement's Principal matched the caller. `account`: only through the account
   * principal (`"123456789012"` or `arn:aws:iam::123456789012:root`), which in a key policy
   * enables IAM policies rather than allowing by itself. Absent for identity policies.
   */
  principalMatch?: 'direct' | 'account';
}

export interface PolicyEvaluation {
  /**
   * `allow` only when an Allow applies on its own. In a key policy an Allow reached only
   * through the account principal leaves the decision `implicit-deny` and sets
   * `iamDelegation`: the caller's IAM policies then decide.
   */
  decision: Decision;
  matched: MatchedStatement[];
  /** An Allow of a resource policy matched the caller only through its account. */
  iamDelegation: boolean;
}

/** One statement as found in the document, before validation. */
export type RawStatement = Record<string, unknown>;

/** The statements of a policy document: `Statement` may be an array or a single object. */
export function policyStatements(policy: unknown): RawStatement[] {
  if (!isObject(policy)) return [];
  const statement = policy.Statement;
  if (Array.isArray(statement)) return statement.map((s) => (isObject(s) ? s : {}));
  if (isObject(statement)) return [statement];
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or an array of strings; undefined when the element holds anything else. */
export function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

/** True when `action` is named by any of the patterns (case-insensitive, `*` and `?`). */
export function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => matchWildcard(p, action, true));
}

function resourceMatches(patterns: readonly string[], resource: string): boolean {
  return patterns.some((p) => matchWildcard(p, resource));
}

/**
 * How one principal entry names the caller: `direct` (the caller's ARN, its role for a
 * session, or `*`), `account` (the caller's account), or undefined.
 * Wildcards other than a lone `*` do not work in Principal (IAM User Guide, "Principal").
 */
function principalEntryMatch(entry: string, request: RequestContext): 'direct' | 'account' | undefined {
  if (entry === '*') return 'direct';
  const caller = request.principalArn;
  if (entry === caller) return 'direct';
  if (isAccountId(entry)) return entry === request.principalAccount ? 'account' : undefined;
  // Every match below needs the caller's account in the entry: skip the parsing otherwise.
  if (!entry.includes(request.principalAccount)) return undefined;
  const named = parsePrincipalArn(entry);
  if (!named) return undefined;
  if (named.kind === 'root') return named.account === request.principalAccount ? 'account' : undefined;
  const parsedCaller = parsePrincipalArn(caller);
  if (named.kind === 'role' && parsedCaller?.kind === 'assumed-role') {
    // A session is matched by its role whatever the role's path; the session ARN omits the path.
    return named.account === parsedCaller.account && named.partition === parsedCaller.partition && named.roleName === parsedCaller.roleName
      ? 'direct'
      : undefined;
  }
  return undefined;
}

/** Matches a Principal/NotPrincipal value; returns the strongest match, `invalid` when malformed. */
function principalValueMatch(value: unknown, request: RequestContext): 'direct' | 'account' | 'none' | 'invalid' {
  if (value === '*') return 'direct';
  if (!isObject(value)) return 'invalid';
  let best: 'direct' | 'account' | 'none' = 'none';
  const entries = Object.entries(value);
  if (entries.length === 0) return 'invalid';
  for (const [type, raw] of entries) {
    const list = stringList(raw);
    if (!list) return 'invalid';
    for (const entry of list) {
      let m: 'direct' | 'account' | undefined;
      if (type === 'AWS') m = principalEntryMatch(entry, request);
      else if (type === 'Service' || type === 'Federated' || type === 'CanonicalUser') m = entry === request.principalArn ? 'direct' : undefined;
      else return 'invalid';
      if (m === 'direct') best = 'direct';
      else if (m === 'account' && best === 'none') best = 'account';
    }
  }
  return best;
}

/** A statement checked once for shape, so each request only does the matching. */
interface CompiledStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  notAction: boolean;
  /** undefined: no Resource element at all. */
  resources?: string[];
  notResource: boolean;
  principal?: unknown;
  notPrincipal: boolean;
  hasPrincipalElement: boolean;
  condition: unknown;
  /** Per action, whether the Action/NotAction element lets it through. */
  actionCache: Map<string, boolean>;
}

/** A policy document prepared for many evaluations (the analyzer asks per principal). */
export interface CompiledPolicy {
  statements: CompiledStatement[];
  variables: boolean;
}

function compileStatement(statement: RawStatement, index: number): CompiledStatement | undefined {
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') return undefined;
  const hasAction = statement.Action !== undefined;
  if (hasAction === (statement.NotAction !== undefined)) return undefined;
  const actions = stringList(hasAction ? statement.Action : statement.NotAction);
  if (!actions) return undefined;
  let resources: string[] | undefined;
  const hasResource = statement.Resource !== undefined;
  const hasNotResource = statement.NotResource !== undefined;
  if (hasResource && hasNotResource) return undefined;
  if (hasResource || hasNotResource) {
    resources = stringList(hasResource ? statement.Resource : statement.NotResource);
    if (!resources) return undefined;
  }
  const hasPrincipal = statement.Principal !== undefined;
  const hasNotPrincipal = statement.NotPrincipal !== undefined;
  if (hasPrincipal && hasNotPrincipal) return undefined;
  return {
    index,
    sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
    effect,
    actions,
    notAction: !hasAction,
    resources,
    notResource: hasNotResource,
    principal: hasPrincipal ? statement.Principal : hasNotPrincipal ? statement.NotPrincipal : undefined,
    notPrincipal: hasNotPrincipal,
    hasPrincipalElement: hasPrincipal || hasNotPrincipal,
    condition: statement.Condition,
    actionCache: new Map(),
  };
}

/** Prepares a policy (parsed value or JSON text) for repeated evaluation. Never throws. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  try {
    const document = asDocument(policy);
    const statements: CompiledStatement[] = [];
    policyStatements(document).forEach((s, i) => {
      const compiled = compileStatement(s, i);
      if (compiled) statements.push(compiled);
    });
    return markCompiled({ statements, variables: !isObject(document) || document.Version !== '2008-10-17' });
  } catch {
    return markCompiled({ statements: [], variables: true });
  }
}

function actionApplies(statement: CompiledStatement, action: string): boolean {
  let hit = statement.actionCache.get(action);
  if (hit === undefined) {
    hit = actionMatches(statement.actions, action) !== statement.notAction;
    statement.actionCache.set(action, hit);
  }
  return hit;
}

/** Whether a statement applies to the request, and how its principal matched. */
function statementApplies(
  statement: CompiledStatement,
  request: RequestContext,
  context: ConditionContext,
  kind: 'resource' | 'identity',
  variables: boolean,
): { applies: false } | { applies: true; principalMatch?: 'direct' | 'account' } {
  const no = { applies: false } as const;
  if (!actionApplies(statement, request.action)) return no;

  const resources = statement.resources;
  if (resources) {
    const isResource = !statement.notResource;
    // An unknown resource ("*" in the request) is in scope of any Resource list, and
    // outside a NotResource list unless that list excludes everything.
    const inList = request.resource === '*' ? (isResource ? true : resources.includes('*')) : resourceMatches(resources, request.resource);
    if (inList !== isResource) return no;
  } else if (kind === 'identity') {
    return no;
  }

  let principalMatch: 'direct' | 'account' | undefined;
  if (kind === 'resource') {
    if (!statement.hasPrincipalElement) return no;
    const m = principalValueMatch(statement.principal, request);
    if (m === 'invalid') return no;
    if (!statement.notPrincipal) {
      if (m === 'none') return no;
      principalMatch = m;
    } else {
      // NotPrincipal: applies to everyone the list does not name; an account entry names all its principals.
      if (m !== 'none') return no;
      principalMatch = 'direct';
    }
  }

  if (!evaluateCondition(statement.condition, context, variables)) return no;
  return { applies: true, principalMatch };
}

/** Accepts a parsed document, or its JSON text (as KMS GetKeyPolicy returns it). */
function asDocument(policy: unknown): unknown {
  if (typeof policy !== 'string') return policy;
  try {
    return parseJsonc(policy, [], { allowTrailingComma: true, disallowComments: false });
  } catch {
    return undefined;
  }
}

/**
 * Evaluates ONE policy document against a request. `kind` `resource` is a key policy
 * (Principal matters), `identity` an IAM policy (no Principal, Resource required).
 * Explicit Deny wins over Allow. Accepts a compiled policy too. Never throws.
 */
export function evaluatePolicy(policy: unknown, request: RequestContext, kind: 'resource' | 'identity'): PolicyEvaluation {
  try {
    const compiled = isCompiled(policy) ? policy : compilePolicy(policy);
    const context = normalizeContext(request.conditionKeys);
    const matched: MatchedStatement[] = [];
    let denied = false;
    let allowed = false;
    let iamDelegation = false;
    for (const statement of compiled.statements) {
      const result = statementApplies(statement, request, context, kind, compiled.variables);
      if (!result.applies) continue;
      const entry: MatchedStatement = { index: statement.index, effect: statement.effect };
      if (statement.sid !== undefined) entry.sid = statement.sid;
      if (result.principalMatch) entry.principalMatch = result.principalMatch;
      matched.push(entry);
      // A Deny applies whether it names the principal or its account.
      if (statement.effect === 'Deny') denied = true;
      else if (result.principalMatch === 'account') iamDelegation = true;
      else allowed = true;
    }
    const decision: Decision = denied ? 'explicit-deny' : allowed ? 'allow' : 'implicit-deny';
    return { decision, matched, iamDelegation };
  } catch {
    return { decision: 'implicit-deny', matched: [], iamDelegation: false };
  }
}

const COMPILED = Symbol('compiled-policy');

function markCompiled(policy: CompiledPolicy): CompiledPolicy {
  Object.defineProperty(policy, COMPILED, { value: true });
  return policy;
}

function isCompiled(value: unknown): value is CompiledPolicy {
  return isObject(value) && (value as Record<symbol, unknown>)[COMPILED] === true;
}

/**
 * A full KMS authorization: key policy plus the caller's identity policies.
 * Allowed when nothing denies and either the key policy allows the caller on its own
 * (same account), or it delegates to the caller's account and an identity policy allows.
 * Cross-account callers always need both sides (AWS KMS Developer Guide, "Allowing users
 * in other accounts to use a KMS key").
 */
export function authorizeKmsRequest(
  keyPolicy: unknown,
  identityPolicies: readonly unknown[],
  request: RequestContext,
  keyAccount?: string,
): { decision: Decision; keyPolicy: PolicyEvaluation; identity: PolicyEvaluation[] } {
  const key = evaluatePolicy(keyPolicy, request, 'resource');
  const identity = identityPolicies.map((p) => evaluatePolicy(p, request, 'identity'));
  if (key.decision === 'explicit-deny' || identity.some((e) => e.decision === 'explicit-deny')) {
    return { decision: 'explicit-deny', keyPolicy: key, identity };
  }
  const identityAllows = identity.some((e) => e.decision === 'allow');
  const crossAccount = keyAccount !== undefined && keyAccount !== request.principalAccount;
  const keyAllowsDirectly = key.decision === 'allow';
  const keyOpensToIam = key.iamDelegation || keyAllowsDirectly;
  const allowed = crossAccount ? keyOpensToIam && identityAllows : keyAllowsDirectly || (key.iamDelegation && identityAllows);
  return { decision: allowed ? 'allow' : 'implicit-deny', keyPolicy: key, identity };
}

/** The account of a caller ARN (or the id itself), '' when it has none. */
export function accountOfPrincipal(principalArn: string): string {
  return parsePrincipalArn(principalArn)?.account ?? '';
}

/** The account of a key ARN, undefined when the value is not an ARN. */
export function accountOfKeyArn(keyArn: string | undefined): string | undefined {
  if (!keyArn) return undefined;
  const parts = splitArn(keyArn);
  return parts && isAccountId(parts[4]) ? parts[4] : undefined;
}

/**
 * EC2's request context for the grant it creates on the caller's behalf when it starts an
 * instance with an encrypted volume (domain.md section 1). The caller is the principal;
 * `kms:GrantIsForAWSResource` is true and `kms:ViaService` names EC2 in the Region.
 */
export function ec2GrantRequest(principalArn: string, options: { region: string; keyArn?: string }): RequestContext {
  const parsed = parsePrincipalArn(principalArn);
  const account = parsed?.account ?? '';
  const principalType =
    parsed?.kind === 'assumed-role' ? 'AssumedRole' : parsed?.kind === 'root' ? 'Account' : parsed?.kind === 'user' ? 'User' : parsed?.kind === 'federated-user' ? 'FederatedUser' : undefined;
  const conditionKeys: RequestContext['conditionKeys'] = {
    'kms:GrantIsForAWSResource': true,
    'kms:ViaService': `ec2.${options.region}.amazonaws.com`,
    'kms:CallerAccount': account,
    'aws:PrincipalArn': parsed?.principalArn ?? principalArn,
    'aws:PrincipalAccount': account,
    'aws:PrincipalIsAWSService': false,
    'aws:ViaAWSService': true,
    'aws:RequestedRegion': options.region,
  };
  if (principalType) conditionKeys['aws:PrincipalType'] = principalType;
  return {
    action: 'kms:CreateGrant',
    resource: options.keyArn ?? '*',
    principalArn,
    principalAccount: account,
    conditionKeys,
  };
}

export type CreateGrantVerdict = 'allowed' | 'relies-on-iam' | 'denied';

function describeStatement(s: MatchedStatement): string {
  return s.sid !== undefined ? `statement "${s.sid}"` : `statement #${s.index + 1}`;
}

/**
 * The question of the product: may `principalArn` obtain the grant EC2 creates on its
 * behalf? `allowed`: the key policy itself allows it. `relies-on-iam`: only the account
 * delegation (or, cross-account, any Allow) opens the key, so the caller's IAM policies
 * decide. `denied`: an explicit Deny applies, or nothing can allow it.
 */
export function evaluateCreateGrant(
  keyPolicy: unknown,
  principalArn: string,
  options: { region: string; keyArn?: string; keyAccount?: string },
): { verdict: CreateGrantVerdict; reason: string; matched: MatchedStatement[] } {
  const request = ec2GrantRequest(principalArn, options);
  const result = evaluatePolicy(keyPolicy, request, 'resource');
  const keyAccount = options.keyAccount ?? accountOfKeyArn(options.keyArn);
  const matched = result.matched;
  if (result.decision === 'explicit-deny') {
    const denies = matched.filter((m) => m.effect === 'Deny').map(describeStatement);
    return { verdict: 'denied', reason: `The key policy denies kms:CreateGrant to ${principalArn} by ${denies.join(', ')}.`, matched };
  }
  const crossAccount = keyAccount !== undefined && request.principalAccount !== '' && keyAccount !== request.principalAccount;
  if (result.decision === 'allow') {
    const allows = matched.filter((m) => m.effect === 'Allow' && m.principalMatch === 'direct').map(describeStatement);
    if (crossAccount) {
      return {
        verdict: 'relies-on-iam',
        reason: `The key policy allows kms:CreateGrant to ${principalArn} by ${allows.join(', ')}, but the caller is in another account (${request.principalAccount}): an IAM policy in that account must also allow it.`,
        matched,
      };
    }
    return { verdict: 'allowed', reason: `The key policy allows kms:CreateGrant to ${principalArn} by ${allows.join(', ')}.`, matched };
  }
  if (result.iamDelegation) {
    const delegations = matched.filter((m) => m.principalMatch === 'account').map(describeStatement);
    return {
      verdict: 'relies-on-iam',
      reason: `Only the account delegation (${delegations.join(', ')}) can allow kms:CreateGrant to ${principalArn}: an IAM policy of the caller must allow it.`,
      matched,
    };
  }
  return {
    verdict: 'denied',
    reason: `No statement of the key policy allows kms:CreateGrant to ${principalArn} (with kms:GrantIsForAWSResource true, via ${String(request.conditionKeys['kms:ViaService'])}), and it does not delegate to the caller's account.`,
    matched,
  };
}
