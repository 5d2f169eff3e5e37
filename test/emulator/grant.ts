/**
 * May the caller obtain the grant EC2 creates on its behalf when an instance starts? EC2 calls
 * kms:CreateGrant with the caller's identity and its own request context (src/aws-records.md Q1;
 * KMS Developer Guide, "How Amazon EBS uses AWS KMS"), so the key policy, the caller's IAM
 * policies, SCPs, RCPs, boundary and session policy all apply, decided by the same engine as
 * every other call.
 */
import { notAuthorizedMessage, type DenialReason } from './authz/denials';
import { ec2GrantContext, type Ec2GrantInput } from './authz/requestContext';
import type { Caller, KeyRecord, World } from './state';

export type GrantDecision = { allowed: true } | { allowed: false; reason: DenialReason; errorMessage: string };

const ACTION = 'kms:CreateGrant';

/** The decision for one key; the key's state is checked separately (KMS authorizes first). */
export async function decideCreateGrant(
  world: World,
  caller: Caller,
  key: KeyRecord,
  input: Ec2GrantInput,
): Promise<GrantDecision> {
  const decision = await world.authorizer.decide({
    caller,
    action: ACTION,
    resource: key.arn,
    resourceAccount: key.account,
    region: input.region,
    resourcePolicy: world.keyPolicyOf(key),
    context: ec2GrantContext(caller, input),
  });
  if (decision.allowed) return decision;
  return {
    allowed: false,
    reason: decision.reason,
    errorMessage: notAuthorizedMessage(caller.arn, ACTION, key.arn, decision.reason),
  };
}
