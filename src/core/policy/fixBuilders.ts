/**
 * The fixes the rules offer, built from the policy's facts. Each fix's edits are computed
 * on first use: a large policy can carry many fixes that nobody applies, and the editor
 * asks for them only when the quick-fix menu opens.
 */
import { nodeValue, propertyValue } from './document';
import { actionMatches } from './evaluate';
import { awsPrincipalEntries, GRANT_KEY, statementActions, type PolicyFacts, type StatementInfo } from './facts';
import type { PolicyFix } from './findings';
import { DEFAULT_GRANT_SID, DELEGATION_SID, delegationStatement, identityPolicyGrantStatement, insertStatementEdits, keyPolicyGrantStatement, modifyEdits, sequenceEdits, type TextEdit } from './fixes';
import { fixTitle, type FixFacts } from './messages';
import { isRecord } from './values';

/** Actions of a statement that only manages grants: scoping it to AWS resources loses nothing else. */
const GRANT_ACTIONS = new Set(['kms:creategrant', 'kms:listgrants', 'kms:revokegrant', 'kms:retiregrant', 'kms:listretirablegrants']);

/**
 * A fix whose edits are computed on first use. A computation that yields nothing (jsonc-parser
 * refused the change) leaves the fix without edits: outputs and the editor offer only fixes
 * with edits (`hasEdits`).
 */
function lazyFix(facts: FixFacts, compute: () => TextEdit[] | undefined, isPreferred?: boolean): PolicyFix {
  const fix = { title: fixTitle(facts) } as PolicyFix;
  let cached: TextEdit[] | undefined;
  Object.defineProperty(fix, 'edits', {
    enumerable: true,
    configurable: true,
    get: () => (cached ??= compute() ?? []),
  });
  if (isPreferred !== undefined) fix.isPreferred = isPreferred;
  return fix;
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
  return Object.values(condition).some((block) => isRecord(block) && Object.keys(block).some((k) => k.toLowerCase() === GRANT_KEY.toLowerCase()));
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

/** Adds `Condition.<operator>.kms:GrantIsForAWSResource = value` to the statement. */
function addGrantKeyEdits(facts: PolicyFacts, s: StatementInfo, operator: string, value: boolean): TextEdit[] | undefined {
  const opKey = findOperatorKey(nodeValue(propertyValue(s.node, 'Condition')), operator);
  return modifyEdits(facts.ctx.text, [...s.path, 'Condition', opKey, GRANT_KEY], value, facts.ctx.formatting);
}

/** For a Deny blocking EC2's grant: keep it for direct calls only. */
export function limitDenyFix(facts: PolicyFacts, s: StatementInfo): PolicyFix {
  return lazyFix({ fix: 'limit-deny-to-direct-calls' }, () => addGrantKeyEdits(facts, s, 'BoolIfExists', false));
}

/** A statement allowing EC2's grant to the principals. */
export function grantStatementFix(facts: PolicyFacts, principals: string[], preferred: boolean): PolicyFix {
  const sid = facts.nextSid(DEFAULT_GRANT_SID);
  return lazyFix({ fix: 'add-grant-statement', sid, principals }, () => facts.insert(keyPolicyGrantStatement(principals, sid)), preferred);
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
  return [lazyFix({ fix: 'add-delegation-statement', sid, account }, () => facts.insert(delegationStatement(principal, sid)), true)];
}

/** For an identity policy: a statement allowing EC2's grant on the keys it names (or a placeholder). */
export function identityGrantFix(facts: PolicyFacts, keys: (string | object)[]): PolicyFix {
  const sid = facts.nextSid(DEFAULT_GRANT_SID);
  const statement = identityPolicyGrantStatement(keys, sid);
  return lazyFix({ fix: 'add-identity-grant-statement', sid, namesKeys: keys.length > 0 }, () => facts.insert(statement), true);
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
    return [lazyFix({ fix: 'require-grant-for-aws-resource' }, () => addGrantKeyEdits(facts, s, 'Bool', true), true)];
  }
  if (explicitOnly && Array.isArray(s.value.Action)) return [splitCreateGrantFix(facts, s)];
  return [denyDirectGrantsFix(facts, s, flagged)];
}

function splitCreateGrantFix(facts: PolicyFacts, s: StatementInfo): PolicyFix {
  const sid = facts.nextSid('AllowCreateGrantForAWSResources');
  const written = nodeValue(propertyValue(s.node, 'Action'));
  const remaining = (Array.isArray(written) ? written : []).filter((a) => !(typeof a === 'string' && a.toLowerCase() === 'kms:creategrant'));
  const split = {
    Sid: sid,
    Effect: 'Allow',
    Principal: nodeValue(propertyValue(s.node, 'Principal')),
    Action: 'kms:CreateGrant',
    Resource: nodeValue(propertyValue(s.node, 'Resource')) ?? '*',
    Condition: conditionWith(s, 'Bool', true),
  };
  // The whole Action list is rewritten: jsonc-parser's removal of a last array element
  // breaks compact arrays such as ["a","b"].
  const steps = [
    (t: string) => modifyEdits(t, [...s.path, 'Action'], remaining, facts.ctx.formatting),
    (t: string) => insertStatementEdits(t, split, facts.ctx.formatting, facts.view.path),
  ];
  return lazyFix({ fix: 'move-create-grant-to-own-statement', sid }, () => sequenceEdits(facts.ctx.text, steps), true);
}

function denyDirectGrantsFix(facts: PolicyFacts, s: StatementInfo, flagged: string[]): PolicyFix {
  const sid = facts.nextSid('DenyCreateGrantNotForAWSResource');
  let principal: unknown;
  let principalElement = 'Principal';
  if ('NotPrincipal' in s.value) {
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
    [principalElement]: principal,
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: conditionWith(s, 'BoolIfExists', false),
  };
  return lazyFix({ fix: 'add-deny-for-direct-grants', sid }, () => facts.insert(guard), true);
}
