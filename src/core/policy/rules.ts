/**
 * The KMS rules of the analyzer, put together: for one key policy or IAM policy, which
 * principals can (or cannot) have EC2 create the grant for their encrypted volumes, and how
 * to fix it. The rules decide (keyPolicyRules.ts, identityPolicyRules.ts), messages.ts
 * words what they found.
 */
import type { PolicyView } from './document';
import { PolicyFacts, type RuleContext } from './facts';
import { FINDING_SEVERITY, type Finding } from './findings';
import { missingCreateGrantIdentity, unscopedCreateGrantIdentity } from './identityPolicyRules';
import {
  createGrantDenied,
  missingCreateGrantForUsers,
  noIamDelegation,
  nobodyCanCreateGrant,
  principalVerdicts,
  tooLarge,
  unscopedCreateGrant,
  type RuleFinding,
} from './keyPolicyRules';
import { wordFinding } from './messages';
import { orphanedPrincipals } from './orphanedPrincipalRules';

export type { RuleContext } from './facts';

function toFinding(result: RuleFinding): Finding {
  const { code } = result.facts;
  const { message, details } = wordFinding(result.facts);
  const finding: Finding = {
    code,
    severity: FINDING_SEVERITY[code],
    message,
    range: { offset: result.node.offset, length: result.node.length },
    fixes: result.fixes,
  };
  if (details && details.length > 0) finding.details = details;
  return finding;
}

function ruleFindings(facts: PolicyFacts): RuleFinding[] {
  if (facts.view.kind === 'identity') {
    const { findings, denied } = createGrantDenied(facts, 'identity');
    return [...findings, ...missingCreateGrantIdentity(facts, denied), ...unscopedCreateGrantIdentity(facts)];
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
    ...orphanedPrincipals(facts),
  ];
}

/** All KMS findings for one policy with a valid enough structure. */
export function kmsFindings(view: PolicyView, ctx: RuleContext): Finding[] {
  return ruleFindings(new PolicyFacts(view, ctx)).map(toFinding);
}
