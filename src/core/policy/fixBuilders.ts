/**
 * The fixes the rules offer, built from the policy's facts. Each fix's edits are computed
 * on first use: a large policy can carry many fixes that nobody applies, and the editor
 * asks for them only when the quick-fix menu opens.
 */
import { parsePrincipalArn } from '../arn';
import { nodeValue, propertyValue } from './document';
import { actionMatches } from './evaluate';
import { awsPrincipalEntries, GRANT_KEY, statementActions, type PolicyFacts, type StatementInfo } from './facts';
import type { PolicyFix } from './findings';
import {
  DEFAULT_GRANT_SID,
  DELEGATION_SID,
  delegationStatement,
  identityPolicyGrantStatement,
  keyPolicyGrantStatement,
  type TextEdit,
} from './fixes';
import { fixTitle, type FixFacts } from './messages';
import { isRecord } from './values';

/** Actions of a statement that only manages grants: scoping it to AWS resources loses nothing else. */
const GRANT_ACTIONS = new Set([
  'kms:creategrant',
  'kms:listgrants',
  'kms:revokegrant',
  'kms:retiregrant',
  'kms:listretirablegrants',
]);

/**
 * A fix whose raw changes are known now (cheap: they come from the tree) and whose formatted
 * edits are computed on first use. No change, no fix: a fix is never offered without edits.
 */
export function lazyFix(
  facts: PolicyFacts,
  what: FixFacts,
  changes: readonly (TextEdit | undefined)[],
  isPreferred?: boolean,
): PolicyFix[] {
  const made = changes.filter((c): c is TextEdit => c !== undefined);
  if (made.length === 0 || made.length !== changes.length) return [];
  const editor = facts.ctx.editor;
  const fix = { title: fixTitle(what) } as PolicyFix;
  let cached: TextEdit[] | undefined;
  Object.defineProperty(fix, 'edits', {
    enumerable: true,
    configurable: true,
    get: () => (cached ??= nonEmpty(editor.format(made), fix.title)),
  });
  if (isPreferred !== undefined) fix.isPreferred = isPreferred;
  return [fix];
}

/**
 * The edits without no-ops. Every change a fix makes inserts or replaces something with
 * different JSON, so a fix left without edits is a bug: it fails loudly rather than being
 * offered as a fix that does nothing.
 */
function nonEmpty(edits: TextEdit[], title: string): TextEdit[] {
  const effective = edits.filter((e) => e.length > 0 || e.content.length > 0);
  if (effective.length === 0) throw new Error(`the fix "${title}" has no edits`);
  return effective;
}

/**
 * The change appending `statement` to the policy's Statement (before formatting): a single
 * Statement object becomes a list (`replacingSingle`, when given, stands for it), a missing
 * Statement is created.
 */
function insertion(facts: PolicyFacts, statement: object, replacingSingle?: unknown): TextEdit | undefined {
  const editor = facts.ctx.editor;
  const node = propertyValue(facts.view.node, 'Statement');
  if (node && facts.statementIsArray) return editor.append(node, statement);
  if (node && node.type === 'object') return editor.replace(node, [replacingSingle ?? nodeValue(node), statement]);
  return editor.set(facts.view.node, ['Statement'], [statement]);
}

/** The operator key as the Condition spells it (operators are case-insensitive), else `operator`. */
function findOperatorKey(condition: unknown, operator: string): string {
  if (isRecord(condition)) {
    for (const key of Object.keys(condition)) if (key.toLowerCase() === operator.toLowerCase()) return key;
  }
  return operator;
}

/** Whether any operator of the Condition already tests kms:GrantIsForAWSResource. */
export function conditionMentionsGrantKey(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  return Object.values(condition).some(
    (block) => isRecord(block) && Object.keys(block).some((k) => k.toLowerCase() === GRANT_KEY.toLowerCase()),
  );
}

/** The statement's Condition as written (intrinsics kept), plus the grant key under `operator`. */
function conditionWith(s: StatementInfo, operator: string, value: boolean): Record<string, unknown> {
  const raw = nodeValue(propertyValue(s.node, 'Condition'));
  const condition: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  const opKey = findOperatorKey(condition, operator);
  const existing = condition[opKey];
  const block: Record<string, unknown> = isRecord(existing) ? { ...existing } : {};
  block[GRANT_KEY] = value;
  condition[opKey] = block;
  return condition;
}

/** The change adding `Condition.<operator>.kms:GrantIsForAWSResource = value` to the statement. */
function addGrantKey(facts: PolicyFacts, s: StatementInfo, operator: string, value: boolean): TextEdit | undefined {
  const opKey = findOperatorKey(nodeValue(propertyValue(s.node, 'Condition')), operator);
  return facts.ctx.editor.set(s.node, ['Condition', opKey, GRANT_KEY], value);
}

/** For a Deny blocking EC2's grant: keep it for direct calls only. */
export function limitDenyFixes(facts: PolicyFacts, s: StatementInfo): PolicyFix[] {
  return lazyFix(facts, { fix: 'limit-deny-to-direct-calls' }, [addGrantKey(facts, s, 'BoolIfExists', false)]);
}

/** A statement allowing EC2's grant to the principals. */
export function grantStatementFixes(facts: PolicyFacts, principals: string[], preferred: boolean): PolicyFix[] {
  const sid = facts.nextSid(DEFAULT_GRANT_SID);
  const written = principals.map((p) => templatePrincipal(facts, p));
  return lazyFix(
    facts,
    // The title names the principals as the statement writes them.
    { fix: 'add-grant-statement', sid, principals: written.map((p) => (typeof p === 'string' ? p : p['Fn::Sub'])) },
    [insertion(facts, keyPolicyGrantStatement(written, sid))],
    preferred,
  );
}

/**
 * Whether the analysed text names each account, for the text analysed last: one scan per
 * account, not one per fix (a large template asks for every principal of every fix).
 */
let namedIn: { text: string; accounts: Map<string, boolean> } | undefined;

function textNamesAccount(text: string, account: string): boolean {
  if (namedIn?.text !== text) namedIn = { text, accounts: new Map() };
  let found = namedIn.accounts.get(account);
  if (found === undefined) namedIn.accounts.set(account, (found = text.includes(account)));
  return found;
}

/**
 * A principal as the template writes it. In a CloudFormation template that does not name
 * its own account, an IAM principal of that account is written with Fn::Sub over
 * AWS::Partition and AWS::AccountId: the account was only resolved for the analysis (a
 * stand-in id when nothing names it), and a made-up id must never land in the template.
 */
function templatePrincipal(facts: PolicyFacts, arn: string): string | { 'Fn::Sub': string } {
  const template = facts.view.cloudFormation;
  const account = parsePrincipalArn(arn)?.account;
  if (!template || account === undefined || account !== template.accountId) return arn;
  // A template that names the account itself keeps it, as written; so do non-IAM ARNs (sessions).
  if (textNamesAccount(facts.ctx.text, account) || arn.split(':')[2] !== 'iam') return arn;
  const resource = arn.split(':').slice(5).join(':');
  // IAM names cannot hold `$`; a text that does is left as it is rather than read by Fn::Sub.
  if (!resource || resource.includes('$')) return arn;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${resource}` };
}

/** The account principal a delegation statement names: the template's own account in CloudFormation. */
function delegationPrincipal(facts: PolicyFacts): string | object | undefined {
  if (facts.view.cloudFormation) return { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' };
  return facts.accounts[0];
}

/** The "Enable IAM User Permissions" statement, when the policy reveals its account. */
export function delegationFixes(facts: PolicyFacts): PolicyFix[] {
  const principal = delegationPrincipal(facts);
  if (principal === undefined) return [];
  const sid = facts.nextSid(DELEGATION_SID);
  const account = typeof principal === 'string' ? principal : undefined;
  return lazyFix(
    facts,
    { fix: 'add-delegation-statement', sid, account },
    [insertion(facts, delegationStatement(principal, sid))],
    true,
  );
}

/** For an identity policy: a statement allowing EC2's grant on the keys it names (or a placeholder). */
export function identityGrantFixes(facts: PolicyFacts, keys: (string | object)[]): PolicyFix[] {
  const sid = facts.nextSid(DEFAULT_GRANT_SID);
  return lazyFix(
    facts,
    { fix: 'add-identity-grant-statement', sid, namesKeys: keys.length > 0 },
    [insertion(facts, identityPolicyGrantStatement(keys, sid))],
    true,
  );
}

/**
 * For a statement letting principals create grants directly, the narrowest change that
 * stops it: a condition on a grant-only statement; kms:CreateGrant split out of an explicit
 * Action list; otherwise a Deny guarding direct calls (a wildcard cannot be narrowed).
 */
export function unscopedFixes(facts: PolicyFacts, s: StatementInfo, flagged: string[]): PolicyFix[] {
  const actions = statementActions(s);
  if (!actions) return [];
  const createGrantEntries = actions.list.filter((a) => actionMatches([a], 'kms:CreateGrant'));
  const explicitOnly = !actions.not && createGrantEntries.every((a) => a.toLowerCase() === 'kms:creategrant');
  if (explicitOnly && actions.list.every((a) => GRANT_ACTIONS.has(a.toLowerCase()))) {
    return lazyFix(facts, { fix: 'require-grant-for-aws-resource' }, [addGrantKey(facts, s, 'Bool', true)], true);
  }
  if (explicitOnly && Array.isArray(s.value.Action)) return splitCreateGrantFixes(facts, s);
  return denyDirectGrantsFixes(facts, s, flagged);
}

function splitCreateGrantFixes(facts: PolicyFacts, s: StatementInfo): PolicyFix[] {
  const sid = facts.nextSid('AllowCreateGrantForAWSResources');
  const actionNode = propertyValue(s.node, 'Action');
  const written = nodeValue(actionNode);
  const remaining = (Array.isArray(written) ? written : []).filter(
    (a) => !(typeof a === 'string' && a.toLowerCase() === 'kms:creategrant'),
  );
  // An identity policy's statement has no Principal: its split has none either.
  const principalNode = propertyValue(s.node, 'Principal');
  const split = {
    Sid: sid,
    Effect: 'Allow',
    ...(principalNode ? { Principal: nodeValue(principalNode) } : {}),
    Action: 'kms:CreateGrant',
    Resource: nodeValue(propertyValue(s.node, 'Resource')) ?? '*',
    Condition: conditionWith(s, 'Bool', true),
  };
  const what: FixFacts = { fix: 'move-create-grant-to-own-statement', sid };
  if (!actionNode) return [];
  if (!facts.statementIsArray) {
    // The single statement is rewritten into the new list anyway: one change does both.
    const single = nodeValue(s.node);
    const rewritten = isRecord(single) ? withProperty(single, 'Action', remaining) : single;
    return lazyFix(facts, what, [insertion(facts, split, rewritten)], true);
  }
  // The whole Action list is rewritten: removing a last element from a compact array such
  // as ["a","b"] leaves its layout broken.
  return lazyFix(facts, what, [facts.ctx.editor.replace(actionNode, remaining), insertion(facts, split)], true);
}

/** A copy of `record` with `key` set, in place when it exists (key order kept). */
function withProperty(record: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record))
    Object.defineProperty(copy, k, {
      value: k === key ? value : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

function denyDirectGrantsFixes(facts: PolicyFacts, s: StatementInfo, flagged: string[]): PolicyFix[] {
  const sid = facts.nextSid('DenyCreateGrantNotForAWSResource');
  let principal: unknown;
  let principalElement: string | undefined = 'Principal';
  if (facts.view.kind === 'identity') {
    // The Deny binds the holder of the identity policy: it names no principal.
    principalElement = undefined;
  } else if ('NotPrincipal' in s.value) {
    principalElement = 'NotPrincipal';
    principal = nodeValue(propertyValue(s.node, 'NotPrincipal'));
  } else if (awsPrincipalEntries(s.value.Principal).includes('*')) {
    principal = '*';
  } else {
    const entries = new Set(awsPrincipalEntries(s.value.Principal));
    const named = flagged.filter((p) => entries.has(p));
    principal = { AWS: named.length === 1 ? named[0] : named };
  }
  const guard = {
    Sid: sid,
    Effect: 'Deny',
    ...(principalElement !== undefined ? { [principalElement]: principal } : {}),
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: conditionWith(s, 'BoolIfExists', false),
  };
  return lazyFix(facts, { fix: 'add-deny-for-direct-grants', sid }, [insertion(facts, guard)], true);
}
