/**
 * The policy evaluator: does one policy document allow, deny or say nothing about a
 * request, and may a principal obtain the grant EC2 creates on its behalf?
 * Grammar: src/domain.md section 5. Malformed policies and requests are values to judge,
 * never exceptions; an exception here is a bug, and the caller's edge reports it.
 */
import { parseTree } from 'jsonc-parser';
import {
  compileCondition,
  evaluateCompiledCondition,
  normalizeContext,
  type CompiledCondition,
  type ConditionContext,
} from './conditions';
import { nodeValue } from './document';
import { wordGrantVerdict, type GrantVerdictFacts } from './messages';
import { accountOfArn, iamUniqueIdKind, isAccountId, parsePrincipalArn } from '../arn';
import { matchWildcard } from './match';
import { isRecord, policyStatements, type RawStatement } from './values';

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

/** How a policy is evaluated: `resource`, a key policy (Principal matters); `identity`, an IAM policy. */
export type PolicyKind = 'resource' | 'identity';

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

export { policyStatements, type RawStatement } from './values';

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
 * How a Principal/NotPrincipal value names the caller, as bit flags: `NAMES_CALLER` (the
 * caller's ARN, its role for a session, or `*`) and `NAMES_ACCOUNT` (the caller's account,
 * as `"123456789012"` or `arn:aws:iam::123456789012:root`, or `*`); `INVALID_PRINCIPAL`
 * for a malformed value. Both flags matter: a NotPrincipal with Deny excludes a user or a
 * role session only when it names the principal AND its account.
 */
type PrincipalMatch = number;
const NAMES_CALLER = 1;
const NAMES_ACCOUNT = 2;
const NAMES_BOTH = NAMES_CALLER | NAMES_ACCOUNT;
const INVALID_PRINCIPAL = -1;

/**
 * How one principal entry names the caller (flags of `PrincipalMatch`).
 * Wildcards other than a lone `*` do not work in Principal (IAM User Guide, "Principal").
 * The reference the principal index must agree with; used directly for one-off
 * evaluations (indexing would cost more than one scan) and for requests whose fields are
 * not strings.
 */
function principalEntryMatch(entry: string, request: RequestContext): PrincipalMatch {
  if (entry === '*') return NAMES_BOTH;
  // A unique id stands for a deleted user or role: AWS matches it to no caller, ever.
  if (iamUniqueIdKind(entry)) return 0;
  const caller = request.principalArn;
  const flags = entry === caller ? NAMES_CALLER : 0;
  if (isAccountId(entry)) return entry === request.principalAccount ? flags | NAMES_ACCOUNT : flags;
  // Every match below needs the caller's account in the entry: skip the parsing otherwise.
  if (!entry.includes(request.principalAccount)) return flags;
  const named = parsePrincipalArn(entry);
  if (!named) return flags;
  if (named.kind === 'root') return named.account === request.principalAccount ? flags | NAMES_ACCOUNT : flags;
  const parsedCaller = parsePrincipalArn(caller);
  if (named.kind === 'role' && parsedCaller?.kind === 'assumed-role') {
    // A session is matched by its role whatever the role's path; the session ARN omits the path.
    const sameRole =
      named.account === parsedCaller.account &&
      named.partition === parsedCaller.partition &&
      named.roleName === parsedCaller.roleName;
    return sameRole ? flags | NAMES_CALLER : flags;
  }
  return flags;
}

/** Matches a Principal/NotPrincipal value entry by entry: the union of every entry's flags. */
function principalValueMatchByEntry(value: unknown, request: RequestContext): PrincipalMatch {
  if (value === '*') return NAMES_BOTH;
  if (!isRecord(value)) return INVALID_PRINCIPAL;
  let flags = 0;
  const entries = Object.entries(value);
  if (entries.length === 0) return INVALID_PRINCIPAL;
  for (const [type, raw] of entries) {
    const list = stringList(raw);
    if (!list) return INVALID_PRINCIPAL;
    for (const entry of list) {
      if (type === 'AWS') flags |= principalEntryMatch(entry, request);
      else if (isExactPrincipalType(type)) flags |= entry === request.principalArn ? NAMES_CALLER : 0;
      else return INVALID_PRINCIPAL;
    }
  }
  return flags;
}

/** Principal types matched by plain string equality with the caller (case-sensitive). */
function isExactPrincipalType(type: string): boolean {
  return type === 'Service' || type === 'Federated' || type === 'CanonicalUser';
}

/**
 * A Principal/NotPrincipal value reduced to set lookups. The analyzer evaluates one policy
 * for hundreds of principals; scanning every entry of every statement per request made
 * the work grow with the square of the number of principals in a policy.
 * Answers exactly as `principalValueMatchByEntry`.
 */
interface PrincipalIndex {
  /** Malformed (not `*` nor an object, empty, a non-string list, an unknown type with entries): never applies. */
  invalid: boolean;
  /** `"*"`, or `*` among the AWS entries. */
  any: boolean;
  /** Every entry of every type: an entry equal to the caller's ARN names it directly. */
  exact: Set<string>;
  /** Accounts named by a 12-digit id or a `:root` ARN. */
  accounts: Set<string>;
  /**
   * Role ARNs by `partition:account:roleName` (neither partition nor account holds a
   * colon, so the key is unambiguous), for matching assumed-role sessions; the entries
   * are kept for the account-substring gate of the entry-by-entry match.
   */
  roles: Map<string, string[]>;
}

function indexPrincipal(value: unknown): PrincipalIndex {
  const index: PrincipalIndex = { invalid: false, any: false, exact: new Set(), accounts: new Set(), roles: new Map() };
  if (value === '*') return { ...index, any: true };
  if (!isRecord(value)) return invalidIndex(index);
  const entries = Object.entries(value);
  if (entries.length === 0) return invalidIndex(index);
  for (const [type, raw] of entries) {
    const list = stringList(raw);
    if (!list) return invalidIndex(index);
    if (list.length === 0) continue;
    if (type === 'AWS') {
      for (const entry of list) indexAwsEntry(index, entry);
    } else if (isExactPrincipalType(type)) {
      for (const entry of list) index.exact.add(entry);
    } else {
      return invalidIndex(index);
    }
  }
  return index;
}

function invalidIndex(index: PrincipalIndex): PrincipalIndex {
  return { ...index, invalid: true };
}

function indexAwsEntry(index: PrincipalIndex, entry: string): void {
  // As `principalEntryMatch`: a deleted principal's unique id names no one.
  if (iamUniqueIdKind(entry)) return;
  index.exact.add(entry);
  if (entry === '*') {
    index.any = true;
    return;
  }
  if (isAccountId(entry)) {
    index.accounts.add(entry);
    return;
  }
  const named = parsePrincipalArn(entry);
  if (named?.kind === 'root') index.accounts.add(named.account);
  else if (named?.kind === 'role') {
    const key = roleKey(named.partition, named.account, named.roleName ?? '');
    const list = index.roles.get(key);
    if (list) list.push(entry);
    else index.roles.set(key, [entry]);
  }
}

function roleKey(partition: string, account: string, roleName: string): string {
  return `${partition}:${account}:${roleName}`;
}

/** The request as statement matching needs it, computed once per evaluation (or once when prepared). */
class CallerFacts {
  /**
   * The condition keys lower-cased, built on the first statement with a Condition that
   * gets that far: most statements of a large policy fail on action or principal first.
   */
  context: ConditionContext | undefined = undefined;
  /**
   * Whether to answer from the principal index: only for a policy compiled ahead (asked
   * again and again), and only when the request's ARN and account are strings (otherwise
   * only the entry-by-entry match gives the exact answer). A one-off evaluation scans.
   */
  readonly indexable: boolean;
  /** The role key of an assumed-role session, undefined for any other caller. */
  readonly sessionRoleKey: string | undefined;
  /** The caller is an account root: naming its account names the caller itself. */
  readonly root: boolean;

  constructor(
    readonly request: RequestContext,
    reused: boolean,
  ) {
    const parsed = typeof request.principalArn === 'string' ? parsePrincipalArn(request.principalArn) : undefined;
    this.root = parsed?.kind === 'root';
    this.indexable = reused && typeof request.principalArn === 'string' && typeof request.principalAccount === 'string';
    this.sessionRoleKey =
      this.indexable && parsed?.kind === 'assumed-role'
        ? roleKey(parsed.partition, parsed.account, parsed.roleName ?? '')
        : undefined;
  }
}

/**
 * A request read once for many evaluations against compiled policies: its caller parsed
 * and, on first need, its condition keys lower-cased. The analyzer puts each request to a
 * policy several times (a statement first, then the whole policy); reading it each time
 * cost more than the matching. The request must not change once prepared.
 */
export type PreparedRequest = CallerFacts;

/** Prepares a request for `evaluatePolicy` and `statementMatch` on compiled policies. */
export function prepareRequest(request: RequestContext): PreparedRequest {
  return new CallerFacts(request, true);
}

function isPrepared(value: RequestContext | PreparedRequest): value is CallerFacts {
  return value instanceof CallerFacts;
}

function callerFacts(request: RequestContext, reused: boolean): CallerFacts {
  return new CallerFacts(request, reused);
}

/** Matches a statement's Principal/NotPrincipal (flags of `PrincipalMatch`). */
function principalValueMatch(statement: CompiledStatement, caller: CallerFacts): PrincipalMatch {
  if (!caller.indexable) return principalValueMatchByEntry(statement.principal, caller.request);
  const index = (statement.principalIndex ??= indexPrincipal(statement.principal));
  if (index.invalid) return INVALID_PRINCIPAL;
  if (index.any) return NAMES_BOTH;
  const request = caller.request;
  let flags = index.accounts.has(request.principalAccount) ? NAMES_ACCOUNT : 0;
  if (index.exact.has(request.principalArn)) return flags | NAMES_CALLER;
  if (caller.sessionRoleKey !== undefined && index.roles.size > 0) {
    const roles = index.roles.get(caller.sessionRoleKey);
    if (roles?.some((entry) => entry.includes(request.principalAccount))) flags |= NAMES_CALLER;
  }
  return flags;
}

/**
 * Whether a NotPrincipal list leaves the caller out of its statement. With Deny, a user or
 * a role session is left out only when the list names it (or its role) AND its account:
 * AWS checks the account first, and an unlisted account is denied with everything in it
 * (IAM User Guide, "AWS JSON policy elements: NotPrincipal", key points). For an account
 * root the two are the same principal. NotPrincipal with Allow is unsupported by AWS;
 * any mention excludes there, which never allows more than the policy says.
 */
function notPrincipalExcludes(flags: PrincipalMatch, effect: 'Allow' | 'Deny', callerIsRoot: boolean): boolean {
  if (effect === 'Allow' || callerIsRoot) return flags !== 0;
  return (flags & NAMES_BOTH) === NAMES_BOTH;
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
  /** Built on the first resource-policy request: identity policies never need it. */
  principalIndex?: PrincipalIndex;
  condition: unknown;
  /** The Condition read once, on the first request that gets that far. */
  compiledCondition?: CompiledCondition;
  /** Per action, whether the Action/NotAction element lets it through. */
  actionCache: Map<string, boolean>;
}

/** A policy document prepared for many evaluations (the analyzer asks per principal). */
export interface CompiledPolicy {
  statements: CompiledStatement[];
  /** The same statements by their position in the document (statements that did not compile are absent). */
  statementsByIndex: Map<number, CompiledStatement>;
  variables: boolean;
  /** Built on the first reused resource-policy evaluation: which statements can name a caller. */
  callerIndex?: CallerIndex;
}

/**
 * The statements of a key policy by what their Principal names, so an evaluation for one
 * caller looks only at the statements that can apply to it. The analyzer evaluates a policy
 * for every principal it names: looking at every statement each time cost the number of
 * principals times the number of statements. A statement outside the caller's lists cannot
 * name the caller, so it cannot apply (`principalValueMatch` would answer 0).
 */
interface CallerIndex {
  /** Statements every caller must be checked against: NotPrincipal, or a Principal naming `*`. */
  everyone: number[];
  /** By any entry as written (an ARN, an account id, a service name...). */
  byEntry: Map<string, number[]>;
  /** By account, for entries naming an account (12-digit id, `:root` ARN). */
  byAccount: Map<string, number[]>;
  /** By role key, for role entries an assumed-role session of that role matches. */
  byRole: Map<string, number[]>;
}

function addTo(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [position]);
  else if (list[list.length - 1] !== position) list.push(position);
}

function buildCallerIndex(statements: readonly CompiledStatement[]): CallerIndex {
  const index: CallerIndex = { everyone: [], byEntry: new Map(), byAccount: new Map(), byRole: new Map() };
  statements.forEach((statement, position) => {
    if (!statement.hasPrincipalElement) return;
    const principal = (statement.principalIndex ??= indexPrincipal(statement.principal));
    if (principal.invalid) return;
    if (statement.notPrincipal || principal.any) {
      index.everyone.push(position);
      return;
    }
    for (const entry of principal.exact) addTo(index.byEntry, entry, position);
    for (const account of principal.accounts) addTo(index.byAccount, account, position);
    for (const role of principal.roles.keys()) addTo(index.byRole, role, position);
  });
  return index;
}

/** Policies with more statements than this are evaluated through the caller index. */
const SCAN_LIMIT = 16;

/** Positions (in `statements`) of the statements that can apply to the caller, in document order. */
function statementsFor(compiled: CompiledPolicy, caller: CallerFacts): number[] {
  const index = (compiled.callerIndex ??= buildCallerIndex(compiled.statements));
  const request = caller.request;
  const lists: number[][] = [];
  for (const list of [
    index.everyone,
    index.byEntry.get(request.principalArn),
    index.byAccount.get(request.principalAccount),
    caller.sessionRoleKey !== undefined ? index.byRole.get(caller.sessionRoleKey) : undefined,
  ]) {
    if (list && list.length > 0) lists.push(list);
  }
  // Each list is in document order already; most callers have one.
  let merged = lists[0] ?? [];
  for (let i = 1; i < lists.length; i++) merged = mergeSorted(merged, lists[i]);
  return merged;
}

/** The union of two ascending lists, ascending, in one pass. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
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

/** Prepares a policy (parsed value or JSON text) for repeated evaluation. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  const document = asDocument(policy);
  const statements: CompiledStatement[] = [];
  policyStatements(document).forEach((s, i) => {
    const compiled = compileStatement(s, i);
    if (compiled) statements.push(compiled);
  });
  const statementsByIndex = new Map(statements.map((s) => [s.index, s]));
  return markCompiled({
    statements,
    statementsByIndex,
    variables: !isRecord(document) || document.Version !== '2008-10-17',
  });
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
  caller: CallerFacts,
  kind: PolicyKind,
  variables: boolean,
): { applies: false } | { applies: true; principalMatch?: 'direct' | 'account' } {
  const no = { applies: false } as const;
  const request = caller.request;
  if (!actionApplies(statement, request.action)) return no;

  const resources = statement.resources;
  if (resources) {
    const isResource = !statement.notResource;
    // An unknown resource ("*" in the request) is in scope of any Resource list, and
    // outside a NotResource list unless that list excludes everything.
    const inList =
      request.resource === '*'
        ? isResource
          ? true
          : resources.includes('*')
        : resourceMatches(resources, request.resource);
    if (inList !== isResource) return no;
  } else if (kind === 'identity') {
    return no;
  }

  let principalMatch: 'direct' | 'account' | undefined;
  if (kind === 'resource') {
    if (!statement.hasPrincipalElement) return no;
    const flags = principalValueMatch(statement, caller);
    if (flags === INVALID_PRINCIPAL) return no;
    if (!statement.notPrincipal) {
      if (flags & NAMES_CALLER) principalMatch = 'direct';
      else if (flags & NAMES_ACCOUNT) principalMatch = 'account';
      else return no;
    } else {
      if (notPrincipalExcludes(flags, statement.effect, caller.root)) return no;
      principalMatch = 'direct';
    }
  }

  if (statement.condition !== undefined) {
    caller.context ??= normalizeContext(request.conditionKeys);
    statement.compiledCondition ??= compileCondition(statement.condition);
    if (!evaluateCompiledCondition(statement.compiledCondition, caller.context, variables)) return no;
  }
  return { applies: true, principalMatch };
}

/** Accepts a parsed document, or its JSON text (as KMS GetKeyPolicy returns it). */
function asDocument(policy: unknown): unknown {
  if (typeof policy !== 'string') return policy;
  // Through the tree, not jsonc-parser's parse: that one assigns keys, and "__proto__" would vanish.
  return nodeValue(parseTree(policy, [], { allowTrailingComma: true, disallowComments: false }));
}

/**
 * Evaluates ONE policy document against a request. `kind` `resource` is a key policy
 * (Principal matters), `identity` an IAM policy (no Principal, Resource required).
 * Explicit Deny wins over Allow. Accepts a compiled policy too.
 */
export function evaluatePolicy(
  policy: unknown,
  request: RequestContext | PreparedRequest,
  kind: PolicyKind,
): PolicyEvaluation {
  const reused = isCompiled(policy);
  const compiled = reused ? policy : compilePolicy(policy);
  // A prepared request is for compiled policies; with a one-off policy it is read as any request.
  const caller = isPrepared(request)
    ? reused
      ? request
      : callerFacts(request.request, false)
    : callerFacts(request, reused);
  const matched: MatchedStatement[] = [];
  let denied = false;
  let allowed = false;
  let iamDelegation = false;
  // A short policy is scanned: looking up the caller's statements would cost more than that.
  const indexed = kind === 'resource' && caller.indexable && compiled.statements.length > SCAN_LIMIT;
  const candidates = indexed ? statementsFor(compiled, caller).map((p) => compiled.statements[p]) : compiled.statements;
  for (const statement of candidates) {
    const result = statementApplies(statement, caller, kind, compiled.variables);
    if (!result.applies) continue;
    matched.push(matchedStatement(statement, result.principalMatch));
    // A Deny applies whether it names the principal or its account.
    if (statement.effect === 'Deny') denied = true;
    else if (result.principalMatch === 'account') iamDelegation = true;
    else allowed = true;
  }
  const decision: Decision = denied ? 'explicit-deny' : allowed ? 'allow' : 'implicit-deny';
  return { decision, matched, iamDelegation };
}

function matchedStatement(
  statement: CompiledStatement,
  principalMatch: 'direct' | 'account' | undefined,
): MatchedStatement {
  const entry: MatchedStatement = { index: statement.index, effect: statement.effect };
  if (statement.sid !== undefined) entry.sid = statement.sid;
  if (principalMatch) entry.principalMatch = principalMatch;
  return entry;
}

/**
 * Whether statement `index` (its position in the document) applies to the request on its
 * own, as it would appear in `evaluatePolicy(...).matched`; undefined when it does not (or
 * did not compile). Lets a caller skip a whole-policy evaluation that can only matter when
 * this one statement applies: a statement not reported here is never in that list.
 */
export function statementMatch(
  policy: CompiledPolicy,
  index: number,
  request: RequestContext | PreparedRequest,
  kind: PolicyKind,
): MatchedStatement | undefined {
  const statement = policy.statementsByIndex.get(index);
  if (!statement) return undefined;
  const caller = isPrepared(request) ? request : callerFacts(request, true);
  const result = statementApplies(statement, caller, kind, policy.variables);
  return result.applies ? matchedStatement(statement, result.principalMatch) : undefined;
}

const COMPILED = Symbol('compiled-policy');

function markCompiled(policy: CompiledPolicy): CompiledPolicy {
  Object.defineProperty(policy, COMPILED, { value: true });
  return policy;
}

function isCompiled(value: unknown): value is CompiledPolicy {
  return isRecord(value) && (value as Record<symbol, unknown>)[COMPILED] === true;
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
  const allowed = crossAccount
    ? keyOpensToIam && identityAllows
    : keyAllowsDirectly || (key.iamDelegation && identityAllows);
  return { decision: allowed ? 'allow' : 'implicit-deny', keyPolicy: key, identity };
}

/** Options of EC2's grant request. */
export interface GrantRequestOptions {
  region: string;
  keyArn?: string;
  /**
   * The caller's IAM user or role ARN with its path, when known (for a role session,
   * CloudTrail's sessionIssuer). `aws:PrincipalArn` is then that ARN; without it a
   * session's role is named without a path, which the session ARN does not carry.
   */
  principalPolicyArn?: string;
}

/**
 * EC2's request context for the grant it creates on the caller's behalf when it starts an
 * instance with an encrypted volume (src/domain.md section 1). The caller is the principal;
 * `kms:GrantIsForAWSResource` is true and `kms:ViaService` names EC2 in the Region.
 */
export function ec2GrantRequest(principalArn: string, options: GrantRequestOptions): RequestContext {
  const parsed = parsePrincipalArn(principalArn);
  const account = parsed?.account ?? '';
  const principalType =
    parsed?.kind === 'assumed-role'
      ? 'AssumedRole'
      : parsed?.kind === 'root'
        ? 'Account'
        : parsed?.kind === 'user'
          ? 'User'
          : parsed?.kind === 'federated-user'
            ? 'FederatedUser'
            : undefined;
  const conditionKeys: RequestContext['conditionKeys'] = {
    'kms:GrantIsForAWSResource': true,
    'kms:ViaService': `ec2.${options.region}.amazonaws.com`,
    'kms:CallerAccount': account,
    'aws:PrincipalArn': options.principalPolicyArn ?? parsed?.principalArn ?? principalArn,
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

/**
 * The question of the product: may `principalArn` obtain the grant EC2 creates on its
 * behalf? `allowed`: the key policy itself allows it. `relies-on-iam`: only the account
 * delegation (or, cross-account, any Allow) opens the key, so the caller's IAM policies
 * decide. `denied`: an explicit Deny applies, or nothing can allow it.
 */
export function evaluateCreateGrant(
  keyPolicy: unknown,
  principalArn: string,
  options: GrantRequestOptions & { keyAccount?: string },
): CreateGrantResult {
  const request = ec2GrantRequest(principalArn, options);
  const result = evaluatePolicy(keyPolicy, request, 'resource');
  return createGrantVerdict(result, request, options.keyAccount ?? accountOfArn(options.keyArn));
}

export interface CreateGrantResult {
  verdict: CreateGrantVerdict;
  reason: string;
  matched: MatchedStatement[];
}

/**
 * The verdict of `evaluateCreateGrant` from a key policy evaluation already made for EC2's
 * grant request (`ec2GrantRequest`), so a caller holding one need not evaluate again.
 */
export function createGrantVerdict(
  result: PolicyEvaluation,
  request: RequestContext,
  keyAccount: string | undefined,
): CreateGrantResult {
  const principal = request.principalArn;
  const matched = result.matched;
  if (result.decision === 'explicit-deny') {
    return decided('denied', matched, {
      cause: 'denied',
      principal,
      statements: matched.filter((m) => m.effect === 'Deny'),
    });
  }
  const crossAccount =
    keyAccount !== undefined && request.principalAccount !== '' && keyAccount !== request.principalAccount;
  if (result.decision === 'allow') {
    const statements = matched.filter((m) => m.effect === 'Allow' && m.principalMatch === 'direct');
    if (crossAccount) {
      return decided('relies-on-iam', matched, {
        cause: 'allowed-cross-account',
        principal,
        statements,
        callerAccount: request.principalAccount,
      });
    }
    return decided('allowed', matched, { cause: 'allowed', principal, statements });
  }
  if (result.iamDelegation) {
    return decided('relies-on-iam', matched, {
      cause: 'account-delegation-only',
      principal,
      statements: matched.filter((m) => m.principalMatch === 'account'),
    });
  }
  return decided('denied', matched, {
    cause: 'nothing-allows',
    principal,
    viaService: String(request.conditionKeys['kms:ViaService']),
  });
}

/**
 * A verdict with its reason worded. A function of its own, not a closure in
 * `createGrantVerdict`: that runs for every principal of a policy.
 */
function decided(
  verdict: CreateGrantVerdict,
  matched: MatchedStatement[],
  facts: GrantVerdictFacts,
): CreateGrantResult {
  return { verdict, reason: wordGrantVerdict(facts), matched };
}
