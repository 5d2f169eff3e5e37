/**
 * The KMS rules of the analyzer: for one key policy or IAM policy, which principals can
 * (or cannot) have EC2 create the grant for their encrypted volumes, and how to fix it.
 */
import type { JSONPath, Node } from 'jsonc-parser';
import { propertyNode, propertyValue, statementNodes, nodeValue, type PolicyView } from './document';
import {
  accountOfPrincipal,
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
  type RequestContext,
} from './evaluate';
import { FINDING_SEVERITY, type Finding, type FindingCode, type PolicyFix } from './findings';
import {
  DEFAULT_GRANT_SID,
  delegationStatement,
  identityPolicyGrantStatement,
  insertStatementEdits,
  keyPolicyGrantStatement,
  modifyEdits,
  sequenceEdits,
  uniqueSid,
  type FormattingOptions,
  type TextEdit,
} from './fixes';
import { isAccountId, parsePrincipalArn } from './match';

export const KEY_POLICY_SIZE_LIMIT = 32_768;

const CRYPTO_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
];
const GRANT_ACTIONS = new Set(['kms:creategrant', 'kms:listgrants', 'kms:revokegrant', 'kms:retiregrant', 'kms:listretirablegrants']);
const START_ACTIONS = ['ec2:StartInstances', 'ec2:RunInstances'];
const GRANT_KEY = 'kms:GrantIsForAWSResource';
/** Used only when a policy names no account at all. */
const FALLBACK_ACCOUNT = '111122223333';

export interface RuleContext {
  text: string;
  formatting: FormattingOptions;
  principals: string[];
  region?: string;
}

interface StatementInfo {
  index: number;
  node: Node;
  /** Evaluated value (CloudFormation intrinsics resolved). */
  value: Record<string, unknown>;
  path: JSONPath;
}

/** Everything the rules share about one policy, computed once. */
class PolicyFacts {
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
  private readonly cache = new Map<string, PolicyEvaluation>();
  private readonly requests = new Map<string, RequestContext>();

  constructor(readonly view: PolicyView, readonly ctx: RuleContext) {
    const statementsValue = (view.value as Record<string, unknown> | undefined)?.Statement;
    this.statementIsArray = Array.isArray(statementsValue);
    const nodes = statementNodes(view.node);
    const values: unknown[] = Array.isArray(statementsValue) ? statementsValue : statementsValue !== undefined ? [statementsValue] : [];
    this.statements = nodes.map((node, index) => ({
      index,
      node,
      value: isRecord(values[index]) ? (values[index] as Record<string, unknown>) : {},
      path: this.statementIsArray ? [...view.path, 'Statement', index] : [...view.path, 'Statement'],
    }));
    this.compiled = compilePolicy(view.value);
    const accountCounts = new Map<string, number>();
    const named: string[] = [];
    const count = (account: string): void => {
      accountCounts.set(account, (accountCounts.get(account) ?? 0) + 1);
    };
    let viaService: string | undefined;
    for (const s of this.statements) {
      if (typeof s.value.Sid === 'string') this.sids.add(s.value.Sid);
      for (const entry of awsPrincipalEntries(s.value.Principal).concat(awsPrincipalEntries(s.value.NotPrincipal))) {
        const account = principalAccount(entry);
        if (account) count(account);
        if (entry !== '*' && !isAccountPrincipal(entry) && parsePrincipalArn(entry) && !named.includes(entry)) named.push(entry);
      }
      walkStrings(s.value.Condition, (v) => {
        if (isAccountId(v)) count(v);
        const m = /^ec2\.([a-z0-9-]+)\.amazonaws\.com$/.exec(v);
        if (m && viaService === undefined) viaService = m[1];
      });
    }
    for (const p of ctx.principals) {
      const account = accountOfPrincipal(p);
      if (account) count(account);
    }
    this.accounts = [...accountCounts.entries()].sort((a, b) => b[1] - a[1]).map(([a]) => a);
    this.namedPrincipals = named;
    this.region = ctx.region ?? viaService ?? 'us-east-1';
    this.keyAccount = keyOwnerAccount(this.statements);
    this.anchor = propertyNode(view.node, 'Statement')?.children?.[0] ?? view.node;
  }

  /** Stand-ins for "any principal of account X", used where the policy names accounts or "*". */
  accountMembers(): string[] {
    const accounts = this.accounts.length > 0 ? this.accounts : [FALLBACK_ACCOUNT];
    return accounts.map(memberOf);
  }

  evaluate(principal: string, variant: 'ec2' | 'direct-false' | 'direct-absent', kind: 'resource' | 'identity' = 'resource'): PolicyEvaluation {
    const key = `${variant}\u0000${kind}\u0000${principal}`;
    let result = this.cache.get(key);
    if (!result) {
      result = evaluatePolicy(this.compiled, this.request(principal, variant), kind);
      this.cache.set(key, result);
    }
    return result;
  }

  /** `evaluateCreateGrant` for the principal, from the cached evaluation of EC2's request. */
  createGrant(principal: string): CreateGrantResult {
    return createGrantVerdict(this.evaluate(principal, 'ec2'), this.request(principal, 'ec2'), this.keyAccount);
  }

  /** Whether statement `index` alone applies to the principal's key-policy request of that variant. */
  statementApplies(index: number, principal: string, variant: 'ec2' | 'direct-false' | 'direct-absent'): MatchedStatement | undefined {
    return statementMatch(this.compiled, index, this.request(principal, variant), 'resource');
  }

  private request(principal: string, variant: 'ec2' | 'direct-false' | 'direct-absent'): RequestContext {
    const key = `${variant}\u0000${principal}`;
    let request = this.requests.get(key);
    if (!request) {
      request = requestFor(principal, variant, this.region);
      this.requests.set(key, request);
    }
    return request;
  }

  nextSid(base: string): string {
    const sid = uniqueSid(base, this.sids);
    return sid;
  }

  insert(statement: object): TextEdit[] {
    const single = this.statementIsArray ? undefined : this.statements[0] ? nodeValue(this.statements[0].node) : undefined;
    return insertStatementEdits(this.ctx.text, statement, this.ctx.formatting, this.view.path, { statementIsArray: this.statementIsArray, single });
  }
}

/**
 * A fix whose edits are computed on first use: each edit re-parses the text through
 * jsonc-parser, and a large policy can carry dozens of fixes nobody asks for.
 */
function lazyFix(title: string, compute: () => TextEdit[] | undefined, isPreferred?: boolean): PolicyFix {
  const fix = { title } as PolicyFix;
  let cached: TextEdit[] | undefined;
  Object.defineProperty(fix, 'edits', {
    enumerable: true,
    configurable: true,
    get: () => (cached ??= compute() ?? []),
  });
  if (isPreferred !== undefined) fix.isPreferred = isPreferred;
  return fix;
}

function memberOf(account: string): string {
  return `arn:aws:iam::${account}:role/AnyPrincipalInAccount${account}`;
}

function describePrincipal(arn: string): string {
  const m = /^arn:aws:iam::(\d{12}):role\/AnyPrincipalInAccount\d{12}$/.exec(arn);
  return m ? `any principal of account ${m[1]}` : arn;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walkStrings(value: unknown, visit: (s: string) => void, depth = 0): void {
  if (depth > 20) return;
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, visit, depth + 1));
  else if (isRecord(value)) Object.values(value).forEach((v) => walkStrings(v, visit, depth + 1));
}

function awsPrincipalEntries(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (!isRecord(principal)) return [];
  return stringList(principal.AWS) ?? [];
}

/** The accounts an Allow statement delegates kms:CreateGrant to (its account principals). */
function createGrantDelegations(s: StatementInfo): string[] {
  if (s.value.Effect !== 'Allow' || !grantsAction(s, 'kms:CreateGrant')) return [];
  return awsPrincipalEntries(s.value.Principal)
    .filter(isAccountPrincipal)
    .map(principalAccount)
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

function isAccountPrincipal(entry: string): boolean {
  return isAccountId(entry) || /^arn:[a-z-]+:iam::\d{12}:root$/.test(entry);
}

function principalAccount(entry: string): string | undefined {
  if (entry === '*') return undefined;
  const account = accountOfPrincipal(entry);
  return isAccountId(account) ? account : undefined;
}

function requestFor(principal: string, variant: 'ec2' | 'direct-false' | 'direct-absent', region: string): RequestContext {
  const request = ec2GrantRequest(principal, { region });
  if (variant === 'ec2') return request;
  const keys = { ...request.conditionKeys };
  delete keys['kms:ViaService'];
  keys['aws:ViaAWSService'] = false;
  if (variant === 'direct-false') keys[GRANT_KEY] = false;
  else delete keys[GRANT_KEY];
  return { ...request, conditionKeys: keys };
}

function finding(code: FindingCode, node: Node, message: string, fixes: PolicyFix[], details?: string[]): Finding {
  const f: Finding = { code, severity: FINDING_SEVERITY[code], message, range: { offset: node.offset, length: node.length }, fixes };
  if (details && details.length > 0) f.details = details;
  return f;
}

function listNames(principals: string[]): string {
  const names = principals.map(describePrincipal);
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function statementActions(s: StatementInfo): { list: string[]; not: boolean } | undefined {
  if ('Action' in s.value && 'NotAction' in s.value) return undefined;
  const not = !('Action' in s.value);
  const list = stringList(not ? s.value.NotAction : s.value.Action);
  return list ? { list, not } : undefined;
}

function grantsAction(s: StatementInfo, action: string): boolean {
  const actions = statementActions(s);
  return actions !== undefined && actionMatches(actions.list, action) !== actions.not;
}

function findOperatorKey(condition: unknown, operator: string): string {
  if (isRecord(condition)) {
    for (const key of Object.keys(condition)) if (key.toLowerCase() === operator.toLowerCase()) return key;
  }
  return operator;
}

function conditionMentionsGrantKey(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  return Object.values(condition).some((block) => isRecord(block) && Object.keys(block).some((k) => k.toLowerCase() === GRANT_KEY.toLowerCase()));
}

/** The statement's Condition as written (intrinsics kept), plus one more operator key. */
function conditionWith(s: StatementInfo, operator: string, value: boolean): Record<string, unknown> {
  const raw = nodeValue(propertyValue(s.node, 'Condition'));
  const condition: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  const opKey = findOperatorKey(condition, operator);
  const block = isRecord(condition[opKey]) ? { ...(condition[opKey] as Record<string, unknown>) } : {};
  block[GRANT_KEY] = value;
  condition[opKey] = block;
  return condition;
}

// ---------------------------------------------------------------------------------------
// Key policy rules

function createGrantDenied(facts: PolicyFacts, kind: 'resource' | 'identity'): { findings: Finding[]; denied: Set<string> } {
  const candidates = [...new Set([...facts.namedPrincipals, ...facts.ctx.principals.filter((p) => parsePrincipalArn(p)), ...facts.accountMembers()])];
  const byStatement = new Map<number, string[]>();
  const denied = new Set<string>();
  for (const principal of candidates) {
    const ev = facts.evaluate(principal, 'ec2', kind);
    for (const m of ev.matched) {
      if (m.effect !== 'Deny') continue;
      denied.add(principal);
      const list = byStatement.get(m.index) ?? [];
      list.push(principal);
      byStatement.set(m.index, list);
    }
  }
  const findings: Finding[] = [];
  for (const [index, principals] of byStatement) {
    const s = facts.statements[index];
    if (!s) continue;
    const fixes: PolicyFix[] = [];
    if (!conditionMentionsGrantKey(s.value.Condition)) {
      const opKey = findOperatorKey(nodeValue(propertyValue(s.node, 'Condition')), 'BoolIfExists');
      fixes.push(
        lazyFix('Limit this Deny to direct CreateGrant calls (BoolIfExists kms:GrantIsForAWSResource false)', () =>
          modifyEdits(facts.ctx.text, [...s.path, 'Condition', opKey, GRANT_KEY], false, facts.ctx.formatting),
        ),
      );
    }
    findings.push(
      finding(
        'create-grant-denied',
        s.node,
        `This Deny blocks the grant EC2 creates for encrypted volumes (kms:CreateGrant with kms:GrantIsForAWSResource true, via ec2.${facts.region}.amazonaws.com) for ${listNames(principals)}: their instances will stop at launch (Client.InternalError).`,
        fixes,
        principals.map((p) => `${describePrincipal(p)}: denied by ${s.value.Sid !== undefined ? `"${String(s.value.Sid)}"` : `statement #${index + 1}`}`),
      ),
    );
  }
  return { findings, denied };
}

function missingCreateGrantForUsers(facts: PolicyFacts): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const s of facts.statements) {
    if (s.value.Effect !== 'Allow' || !('Principal' in s.value)) continue;
    if (!CRYPTO_ACTIONS.some((a) => grantsAction(s, a))) continue;
    const affected: string[] = [];
    for (const entry of awsPrincipalEntries(s.value.Principal)) {
      if (entry === '*' || isAccountPrincipal(entry) || !parsePrincipalArn(entry) || reported.has(entry)) continue;
      const ev = facts.evaluate(entry, 'ec2');
      if (ev.decision === 'implicit-deny') affected.push(entry);
    }
    if (affected.length === 0) continue;
    affected.forEach((p) => reported.add(p));
    const sid = facts.nextSid(DEFAULT_GRANT_SID);
    const details = affected.map((p) => {
      const v = facts.createGrant(p);
      return `${p}: ${v.verdict} (${v.reason})`;
    });
    findings.push(
      finding(
        'missing-create-grant',
        s.node,
        `${listNames(affected)} may use this key for encryption but the key policy does not allow ${affected.length === 1 ? 'it' : 'them'} kms:CreateGrant for AWS resources: instances with volumes encrypted by this key that ${affected.length === 1 ? 'it starts' : 'they start'} can go from pending to stopped.`,
        [lazyFix(`Add statement "${sid}" allowing EC2 grants for ${listNames(affected)}`, () => facts.insert(keyPolicyGrantStatement(affected, sid)), true)],
        details,
      ),
    );
  }
  return findings;
}

function delegationPrincipal(facts: PolicyFacts): string | object | undefined {
  if (facts.view.cloudFormation) return { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' };
  return facts.accounts[0];
}

function delegationFix(facts: PolicyFacts): PolicyFix[] {
  const principal = delegationPrincipal(facts);
  if (principal === undefined) return [];
  const sid = facts.nextSid('Enable IAM User Permissions');
  const shown = typeof principal === 'string' ? ` for account ${principal}` : '';
  return [lazyFix(`Add the account delegation statement "${sid}"${shown}`, () => facts.insert(delegationStatement(principal, sid)), true)];
}

function nobodyCanCreateGrant(facts: PolicyFacts, deniedExplicitly: Set<string>): Finding[] {
  const candidates = [...new Set([...facts.namedPrincipals, ...facts.accountMembers()])];
  let implicitlyDenied = false;
  for (const p of candidates) {
    const ev = facts.evaluate(p, 'ec2');
    if (ev.decision === 'allow' || ev.iamDelegation) return [];
    if (!deniedExplicitly.has(p)) implicitlyDenied = true;
  }
  if (!implicitlyDenied) return [];
  return [
    finding(
      'missing-create-grant',
      facts.anchor,
      'No principal can have EC2 create the grant for encrypted volumes: no statement allows kms:CreateGrant (with kms:GrantIsForAWSResource true) and the policy does not delegate to IAM. Every instance with a volume encrypted by this key will stop at launch.',
      delegationFix(facts),
    ),
  ];
}

function unscopedFixes(facts: PolicyFacts, s: StatementInfo, flagged: string[]): PolicyFix[] {
  const actions = statementActions(s);
  if (!actions) return [];
  const createGrantEntries = actions.list.filter((a) => actionMatches([a], 'kms:CreateGrant'));
  const explicitOnly = !actions.not && createGrantEntries.every((a) => a.toLowerCase() === 'kms:creategrant');
  if (explicitOnly && actions.list.every((a) => GRANT_ACTIONS.has(a.toLowerCase()))) {
    const opKey = findOperatorKey(nodeValue(propertyValue(s.node, 'Condition')), 'Bool');
    return [
      lazyFix(
        'Allow these grants only for AWS resources (Bool kms:GrantIsForAWSResource true)',
        () => modifyEdits(facts.ctx.text, [...s.path, 'Condition', opKey, GRANT_KEY], true, facts.ctx.formatting),
        true,
      ),
    ];
  }
  const rawPrincipal = nodeValue(propertyValue(s.node, 'Principal'));
  const rawResource = nodeValue(propertyValue(s.node, 'Resource')) ?? '*';
  if (explicitOnly && Array.isArray(s.value.Action)) {
    const sid = facts.nextSid('AllowCreateGrantForAWSResources');
    const remaining = (nodeValue(propertyValue(s.node, 'Action')) as unknown[]).filter((a) => !(typeof a === 'string' && a.toLowerCase() === 'kms:creategrant'));
    const split = {
      Sid: sid,
      Effect: 'Allow',
      Principal: rawPrincipal,
      Action: 'kms:CreateGrant',
      Resource: rawResource,
      Condition: conditionWith(s, 'Bool', true),
    };
    // The whole Action list is rewritten: jsonc-parser's removal of a last array element
    // breaks compact arrays such as ["a","b"].
    const steps = [
      (t: string) => modifyEdits(t, [...s.path, 'Action'], remaining, facts.ctx.formatting),
      (t: string) => insertStatementEdits(t, split, facts.ctx.formatting, facts.view.path),
    ];
    return [lazyFix(`Move kms:CreateGrant into its own statement "${sid}" limited to AWS resources`, () => sequenceEdits(facts.ctx.text, steps), true)];
  }
  const sid = facts.nextSid('DenyCreateGrantNotForAWSResource');
  let principal: unknown;
  let principalElement = 'Principal';
  if ('NotPrincipal' in s.value) {
    principalElement = 'NotPrincipal';
    principal = nodeValue(propertyValue(s.node, 'NotPrincipal'));
  } else if (awsPrincipalEntries(s.value.Principal).includes('*')) {
    principal = '*';
  } else {
    const named = flagged.filter((p) => awsPrincipalEntries(s.value.Principal).includes(p));
    principal = { AWS: named.length === 1 ? named[0] : named };
  }
  const guard = {
    Sid: sid,
    Effect: 'Deny',
    [principalElement]: principal,
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: conditionWith(s, 'BoolIfExists', false),
  };
  return [lazyFix(`Add Deny "${sid}": kms:CreateGrant only when the grant is for an AWS resource`, () => facts.insert(guard), true)];
}

function unscopedCreateGrant(facts: PolicyFacts): Finding[] {
  const findings: Finding[] = [];
  for (const s of facts.statements) {
    if (s.value.Effect !== 'Allow' || !grantsAction(s, 'kms:CreateGrant')) continue;
    let candidates: string[];
    if ('NotPrincipal' in s.value) candidates = facts.accountMembers();
    else {
      const entries = awsPrincipalEntries(s.value.Principal);
      candidates = entries.includes('*') ? facts.accountMembers() : entries.filter((e) => !isAccountPrincipal(e) && parsePrincipalArn(e));
    }
    const flagged = candidates.filter((p) =>
      (['direct-false', 'direct-absent'] as const).some((variant) => {
        // Most statements scope CreateGrant with a condition: when this one does not let the
        // principal call it directly, the whole-policy evaluation cannot flag it.
        if (facts.statementApplies(s.index, p, variant)?.principalMatch !== 'direct') return false;
        const ev = facts.evaluate(p, variant);
        return ev.decision === 'allow' && ev.matched.some((m) => m.index === s.index && m.principalMatch === 'direct');
      }),
    );
    if (flagged.length === 0) continue;
    findings.push(
      finding(
        'unscoped-create-grant',
        s.node,
        `This statement lets ${listNames(flagged)} call kms:CreateGrant directly, not only through AWS services: anyone holding it can grant the key to any principal. Limit it with kms:GrantIsForAWSResource.`,
        unscopedFixes(facts, s, flagged),
        flagged.map((p) => `${describePrincipal(p)}: may create grants directly`),
      ),
    );
  }
  return findings;
}

function noIamDelegation(facts: PolicyFacts): Finding[] {
  // Principal "*" lets every principal in (its conditions aside): nothing is left for IAM to open.
  const opensCreateGrant = facts.statements.some(
    (s) => createGrantDelegations(s).length > 0 || (s.value.Effect === 'Allow' && grantsAction(s, 'kms:CreateGrant') && awsPrincipalEntries(s.value.Principal).includes('*')),
  );
  if (opensCreateGrant) return [];
  return [
    finding(
      'no-iam-delegation',
      facts.anchor,
      "This key policy does not delegate kms:CreateGrant to the account (Principal arn:aws:iam::<account>:root, usually with kms:*): IAM policies cannot allow EC2's grant on this key, only the principals named here can get it.",
      delegationFix(facts),
    ),
  ];
}

function principalVerdicts(facts: PolicyFacts): Finding[] {
  const findings: Finding[] = [];
  for (const principal of facts.ctx.principals) {
    if (!parsePrincipalArn(principal)) continue;
    const result = facts.createGrant(principal);
    const detail = [`${principal}: ${result.verdict}. ${result.reason}`];
    const crossAccount = facts.keyAccount !== undefined && accountOfPrincipal(principal) !== facts.keyAccount;
    const grantFix = (preferred: boolean): PolicyFix[] => {
      const sid = facts.nextSid(DEFAULT_GRANT_SID);
      return [lazyFix(`Add statement "${sid}" allowing EC2 grants for ${principal}`, () => facts.insert(keyPolicyGrantStatement([principal], sid)), preferred)];
    };
    if (result.verdict === 'denied') {
      const deny = result.matched.find((m) => m.effect === 'Deny');
      const node = deny ? facts.statements[deny.index]?.node ?? facts.anchor : facts.anchor;
      findings.push(finding('principal-cannot-create-grant', node, `${principal} cannot have EC2 create the grant for encrypted volumes: ${result.reason}`, deny ? [] : grantFix(true), detail));
    } else if (result.verdict === 'relies-on-iam') {
      const via = result.matched.find((m) => m.effect === 'Allow');
      const node = via ? facts.statements[via.index]?.node ?? facts.anchor : facts.anchor;
      findings.push(finding('principal-relies-on-iam', node, `${principal} gets the EC2 grant only if its IAM policies allow kms:CreateGrant: ${result.reason}`, crossAccount ? [] : grantFix(false), detail));
    }
  }
  return findings;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function tooLarge(facts: PolicyFacts): Finding[] {
  // KMS measures the document it receives: the text as written for a file, the
  // serialized JSON for a template (CloudFormation sends the policy as compact JSON).
  const size = facts.view.cloudFormation ? utf8Length(JSON.stringify(facts.view.value) ?? '') : utf8Length(facts.ctx.text.slice(facts.view.node.offset, facts.view.node.offset + facts.view.node.length));
  if (size <= KEY_POLICY_SIZE_LIMIT) return [];
  return [finding('policy-too-large', facts.anchor, `This key policy is ${size.toLocaleString('en-US')} bytes; KMS rejects key policies over 32,768 bytes.`, [])];
}

// ---------------------------------------------------------------------------------------
// Identity policy rules

/** The KMS keys the policy already names: key ARNs, or `Fn::GetAtt [Key, Arn]` in a template. */
function kmsKeyArnsOf(facts: PolicyFacts): unknown[] {
  const found: unknown[] = [];
  const seen = new Set<string>();
  const templateKeys = new Set(facts.view.cloudFormation?.kmsKeys ?? []);
  for (const s of facts.statements) {
    const resourceNode = propertyValue(s.node, 'Resource');
    if (!resourceNode) continue;
    for (const raw of resourceNode.type === 'array' ? resourceNode.children ?? [] : [resourceNode]) {
      const value = nodeValue(raw);
      const isKeyArn = typeof value === 'string' && /^arn:[a-z-]+:kms:[^:]*:[^:]*:key\//.test(value);
      const getAtt = isRecord(value) ? value['Fn::GetAtt'] : undefined;
      const target = Array.isArray(getAtt) ? getAtt : typeof getAtt === 'string' ? getAtt.split('.') : [];
      const isKeyRef = target.length === 2 && target[1] === 'Arn' && templateKeys.has(String(target[0]));
      if (!isKeyArn && !isKeyRef) continue;
      const id = JSON.stringify(value);
      if (seen.has(id)) continue;
      seen.add(id);
      found.push(value);
    }
  }
  return found;
}

function missingCreateGrantIdentity(facts: PolicyFacts, denied: Set<string>): Finding[] {
  const starter = facts.statements.find((s) => s.value.Effect === 'Allow' && START_ACTIONS.some((a) => grantsAction(s, a)));
  if (!starter) return [];
  const principal = facts.ctx.principals.find((p) => parsePrincipalArn(p)) ?? memberOf(facts.accounts[0] ?? FALLBACK_ACCOUNT);
  const ev = facts.evaluate(principal, 'ec2', 'identity');
  if (ev.decision !== 'implicit-deny' || denied.size > 0) return [];
  const keys = kmsKeyArnsOf(facts);
  const sid = facts.nextSid(DEFAULT_GRANT_SID);
  const statement = identityPolicyGrantStatement(keys as (string | object)[], sid);
  const title = keys.length > 0 ? `Add statement "${sid}" allowing kms:CreateGrant for AWS resources on the keys this policy names` : `Add statement "${sid}" allowing kms:CreateGrant for AWS resources (replace the placeholder key ARN)`;
  return [
    finding(
      'missing-create-grant',
      starter.node,
      'This policy allows starting or launching EC2 instances but not kms:CreateGrant: instances whose volumes use a customer managed KMS key will go from pending to stopped unless another policy allows it.',
      [lazyFix(title, () => facts.insert(statement), true)],
    ),
  ];
}

/** All KMS findings for one policy with a valid enough structure. */
export function kmsFindings(view: PolicyView, ctx: RuleContext): Finding[] {
  const facts = new PolicyFacts(view, ctx);
  if (view.kind === 'identity') {
    const { findings, denied } = createGrantDenied(facts, 'identity');
    return [...findings, ...missingCreateGrantIdentity(facts, denied)];
  }
  const { findings: deniedFindings, denied } = createGrantDenied(facts, 'resource');
  const users = missingCreateGrantForUsers(facts);
  return [
    ...tooLarge(facts),
    ...deniedFindings,
    ...users,
    ...(users.length === 0 ? nobodyCanCreateGrant(facts, denied) : []),
    ...unscopedCreateGrant(facts),
    ...noIamDelegation(facts),
    ...principalVerdicts(facts),
  ];
}
