/**
 * The rules for a key policy: which principals can (or cannot) have EC2 create the grant
 * for their encrypted volumes, who may create grants directly, and the policy's size.
 */
import type { Node } from 'jsonc-parser';
import { parsePrincipalArn } from '../arn';
import {
  awsPrincipalEntries,
  createGrantDelegations,
  DIRECT_GRANT_VARIANTS,
  grantsAction,
  namesPrincipal,
  type PolicyFacts,
  type StatementInfo,
} from './facts';
import type { PolicyKind } from './evaluate';
import {
  conditionMentionsGrantKey,
  delegationFixes,
  grantStatementFixes,
  limitDenyFixes,
  unscopedFixes,
} from './fixBuilders';
import type { PolicyFix } from './findings';
import { KEY_POLICY_SIZE_LIMIT, utf8ByteLength } from './limits';
import type { FindingFacts, PrincipalVerdict } from './messages';
import { arnPrincipal, candidateKey, uniqueCandidates, type PrincipalCandidate } from './principals';

/** What a rule reports: the facts (worded by messages.ts), where, and how to fix it. */
export interface RuleFinding {
  facts: FindingFacts;
  node: Node;
  fixes: PolicyFix[];
}

/** Actions whose use means the principal encrypts with the key. */
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

/**
 * The key administrators statement the KMS console writes (AWS KMS Developer Guide, "Default
 * key policy"): these wildcards in every version, plus the console's later explicit
 * additions. A statement with anything else (kms:*, kms:CreateGrant, a Condition) was
 * written by someone, and is judged as such.
 */
const CONSOLE_ADMIN_WILDCARDS = [
  'kms:create*',
  'kms:describe*',
  'kms:enable*',
  'kms:list*',
  'kms:put*',
  'kms:update*',
  'kms:revoke*',
  'kms:disable*',
  'kms:get*',
  'kms:delete*',
];
const CONSOLE_ADMIN_EXTRAS = new Set([
  'kms:tagresource',
  'kms:untagresource',
  'kms:schedulekeydeletion',
  'kms:cancelkeydeletion',
  'kms:rotatekeyondemand',
  'kms:importkeymaterial',
  'kms:replicatekey',
  'kms:updateprimaryregion',
]);

/** Whether the statement is the console's key administrators statement, as AWS writes it. */
export function isConsoleAdminStatement(s: StatementInfo): boolean {
  const v = s.value;
  if (v.Effect !== 'Allow' || 'Condition' in v || 'NotPrincipal' in v || !Array.isArray(v.Action)) return false;
  const entries = awsPrincipalEntries(v.Principal);
  if (entries.length === 0 || !entries.every(namesPrincipal)) return false;
  const actions = new Set(v.Action.map((a) => (typeof a === 'string' ? a.toLowerCase() : '')));
  const known = (a: string): boolean => CONSOLE_ADMIN_WILDCARDS.includes(a) || CONSOLE_ADMIN_EXTRAS.has(a);
  return CONSOLE_ADMIN_WILDCARDS.every((a) => actions.has(a)) && [...actions].every(known);
}

/** Deny statements blocking EC2's grant, with the principals they block. */
export function createGrantDenied(
  facts: PolicyFacts,
  kind: PolicyKind,
): { findings: RuleFinding[]; denied: Set<string> } {
  const candidates = uniqueCandidates([
    ...facts.namedPrincipals.map(arnPrincipal),
    ...facts.ctx.principals.filter((p) => parsePrincipalArn(p)).map(arnPrincipal),
    ...facts.accountMembers(),
  ]);
  const byStatement = new Map<number, PrincipalCandidate[]>();
  const denied = new Set<string>();
  for (const candidate of candidates) {
    const ev = facts.evaluate(candidate, 'through-ec2', kind);
    for (const m of ev.matched) {
      if (m.effect !== 'Deny') continue;
      denied.add(candidateKey(candidate));
      const list = byStatement.get(m.index) ?? [];
      list.push(candidate);
      byStatement.set(m.index, list);
    }
  }
  const findings: RuleFinding[] = [];
  for (const [index, principals] of byStatement) {
    const s = facts.statements[index];
    if (!s) continue;
    const fixes = conditionMentionsGrantKey(s.value.Condition) ? [] : limitDenyFixes(facts, s);
    findings.push({
      facts: { code: 'create-grant-denied', region: facts.region, statement: { index, sid: s.value.Sid }, principals },
      node: s.node,
      fixes,
    });
  }
  return { findings, denied };
}

/** Principals allowed to encrypt with the key but not to have EC2 create the grant. */
export function missingCreateGrantForUsers(facts: PolicyFacts): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const reported = new Set<string>();
  for (const s of facts.statements) {
    if (s.value.Effect !== 'Allow' || !('Principal' in s.value)) continue;
    if (!CRYPTO_ACTIONS.some((a) => grantsAction(s, a))) continue;
    const affected: string[] = [];
    for (const entry of awsPrincipalEntries(s.value.Principal)) {
      if (!facts.namesPrincipal(entry) || reported.has(entry)) continue;
      if (facts.evaluate(arnPrincipal(entry), 'through-ec2').decision === 'implicit-deny') affected.push(entry);
    }
    if (affected.length === 0) continue;
    affected.forEach((p) => reported.add(p));
    const verdicts: PrincipalVerdict[] = affected.map((principal) => ({
      principal,
      ...facts.createGrant(arnPrincipal(principal)),
    }));
    findings.push({
      facts: { code: 'missing-create-grant', cause: 'key-users-without-grant', verdicts },
      node: s.node,
      fixes: grantStatementFixes(facts, affected, true),
    });
  }
  return findings;
}

/** Nobody at all can have EC2 create the grant (and the policy does not delegate to IAM). */
export function nobodyCanCreateGrant(facts: PolicyFacts, deniedExplicitly: Set<string>): RuleFinding[] {
  const candidates = uniqueCandidates([...facts.namedPrincipals.map(arnPrincipal), ...facts.accountMembers()]);
  let implicitlyDenied = false;
  for (const candidate of candidates) {
    const ev = facts.evaluate(candidate, 'through-ec2');
    if (ev.decision === 'allow' || ev.iamDelegation) return [];
    if (!deniedExplicitly.has(candidateKey(candidate))) implicitlyDenied = true;
  }
  if (!implicitlyDenied) return [];
  return [
    {
      facts: { code: 'missing-create-grant', cause: 'nobody-can-get-grant' },
      node: facts.anchor,
      fixes: delegationFixes(facts),
    },
  ];
}

/** Allow statements letting principals call kms:CreateGrant directly. */
export function unscopedCreateGrant(facts: PolicyFacts): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const s of facts.statements) {
    if (s.value.Effect !== 'Allow' || !grantsAction(s, 'kms:CreateGrant')) continue;
    let candidates: PrincipalCandidate[];
    if ('NotPrincipal' in s.value) candidates = facts.accountMembers();
    else {
      const entries = awsPrincipalEntries(s.value.Principal);
      candidates = entries.includes('*')
        ? facts.accountMembers()
        : entries.filter((e) => facts.namesPrincipal(e)).map(arnPrincipal);
    }
    const flagged = candidates.filter((candidate) =>
      DIRECT_GRANT_VARIANTS.some((variant) => {
        // Most statements scope CreateGrant with a condition: when this one does not let the
        // principal call it directly, the whole-policy evaluation cannot flag it.
        if (facts.statementApplies(s.index, candidate, variant)?.principalMatch !== 'direct') return false;
        const ev = facts.evaluate(candidate, variant);
        return ev.decision === 'allow' && ev.matched.some((m) => m.index === s.index && m.principalMatch === 'direct');
      }),
    );
    if (flagged.length === 0) continue;
    const flaggedArns = flagged.flatMap((c) => (c.kind === 'arn' ? [c.arn] : []));
    const fixes = unscopedFixes(facts, s, flaggedArns);
    if (isConsoleAdminStatement(s)) {
      // AWS's default, reported for information: its fix is offered, never preferred.
      for (const fix of fixes) fix.isPreferred = false;
      findings.push({
        facts: { code: 'console-default-admin-create-grant', principals: flagged },
        node: s.node,
        fixes,
      });
      continue;
    }
    findings.push({ facts: { code: 'unscoped-create-grant', principals: flagged }, node: s.node, fixes });
  }
  return findings;
}

/** The key policy leaves IAM policies no say on kms:CreateGrant. */
export function noIamDelegation(facts: PolicyFacts): RuleFinding[] {
  // Principal "*" lets every principal in (its conditions aside): nothing is left for IAM to open.
  const opensCreateGrant = facts.statements.some(
    (s) =>
      createGrantDelegations(s).length > 0 ||
      (s.value.Effect === 'Allow' &&
        grantsAction(s, 'kms:CreateGrant') &&
        awsPrincipalEntries(s.value.Principal).includes('*')),
  );
  if (opensCreateGrant) return [];
  return [{ facts: { code: 'no-iam-delegation' }, node: facts.anchor, fixes: delegationFixes(facts) }];
}

/** The verdict for each principal the person named, when it is not a plain "allowed". */
export function principalVerdicts(facts: PolicyFacts): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const principal of facts.ctx.principals) {
    const parsed = parsePrincipalArn(principal);
    if (!parsed) continue;
    const result = facts.createGrant(arnPrincipal(principal));
    const verdict: PrincipalVerdict = { principal, verdict: result.verdict, reason: result.reason };
    const crossAccount = facts.keyAccount !== undefined && parsed.account !== facts.keyAccount;
    const keyAccount = facts.keyAccountSource
      ? { source: facts.keyAccountSource, principalOutside: crossAccount }
      : undefined;
    if (result.verdict === 'denied') {
      const deny = result.matched.find((m) => m.effect === 'Deny');
      const node = deny ? (facts.statements[deny.index]?.node ?? facts.anchor) : facts.anchor;
      findings.push({
        facts: { code: 'principal-cannot-create-grant', verdict, keyAccount },
        node,
        fixes: deny ? [] : grantStatementFixes(facts, [principal], true),
      });
    } else if (result.verdict === 'relies-on-iam') {
      const via = result.matched.find((m) => m.effect === 'Allow');
      const node = via ? (facts.statements[via.index]?.node ?? facts.anchor) : facts.anchor;
      findings.push({
        facts: { code: 'principal-relies-on-iam', verdict, keyAccount },
        node,
        fixes: crossAccount ? [] : grantStatementFixes(facts, [principal], false),
      });
    }
  }
  return findings;
}

/** A key policy over the KMS size limit. */
export function tooLarge(facts: PolicyFacts): RuleFinding[] {
  // KMS measures the document it receives: the text as written for a file, the
  // serialized JSON for a template (CloudFormation sends the policy as compact JSON).
  const { node } = facts.view;
  const written = facts.view.cloudFormation
    ? (JSON.stringify(facts.view.value) ?? '')
    : facts.ctx.text.slice(node.offset, node.offset + node.length);
  const bytes = utf8ByteLength(written);
  if (bytes <= KEY_POLICY_SIZE_LIMIT) return [];
  return [{ facts: { code: 'policy-too-large', bytes }, node: facts.anchor, fixes: [] }];
}
