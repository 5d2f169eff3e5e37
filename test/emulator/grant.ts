/**
 * May the caller obtain the grant EC2 creates on its behalf when an instance starts?
 * Decided with the project's own policy evaluator, combined as KMS does: key policy plus
 * the caller's identity policies, explicit Deny first (src/domain.md section 3).
 */
import { ec2GrantRequest, evaluatePolicy } from '../../src/core/policy';
import { deniedByScenario } from './context';
import { notAuthorizedMessage, type DenialReason } from './errors';
import type { Caller, KeyRecord } from './state';

export type GrantDecision = { allowed: true } | { allowed: false; reason: DenialReason; errorMessage: string };

const ACTION = 'kms:CreateGrant';

/** The decision for one key; the key's state is checked separately (KMS authorizes first). */
export function decideCreateGrant(caller: Caller, key: KeyRecord, region: string): GrantDecision {
  const request = ec2GrantRequest(caller.arn, { region, keyArn: key.arn });
  const identity = (caller.principal.policies ?? []).map((p) => evaluatePolicy(p.document, request, 'identity'));
  const identityDenies = identity.some((e) => e.decision === 'explicit-deny') || deniedByScenario({ caller, region }, ACTION);
  const identityAllows = identity.some((e) => e.decision === 'allow');
  const deny = (reason: DenialReason): GrantDecision => ({
    allowed: false,
    reason,
    errorMessage: notAuthorizedMessage(caller.arn, ACTION, key.arn, reason),
  });
  const sameAccount = caller.account === key.account;

  if (key.manager === 'AWS') {
    // An AWS managed key serves only its own account, and only an explicit Deny can block it there.
    if (!sameAccount) return deny('no-resource-allow');
    return identityDenies ? deny('explicit-identity-deny') : { allowed: true };
  }

  const keyPolicy = evaluatePolicy(key.policyText, request, 'resource');
  if (keyPolicy.decision === 'explicit-deny') return deny('explicit-resource-deny');
  if (identityDenies) return deny('explicit-identity-deny');
  const keyAllowsDirectly = keyPolicy.decision === 'allow';
  const keyOpens = keyAllowsDirectly || keyPolicy.iamDelegation;
  if (!keyOpens) return deny('no-resource-allow');
  if (sameAccount && keyAllowsDirectly) return { allowed: true };
  // Same account through delegation, or any cross-account use: an identity policy must allow too.
  return identityAllows ? { allowed: true } : deny('no-identity-allow');
}
