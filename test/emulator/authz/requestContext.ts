/**
 * The request context AWS builds for a call: global condition keys
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
 * plus the KMS keys of the action (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
 * aws:CurrentTime and aws:EpochTime are left out so decisions can be cached.
 */
import type { Caller } from '../state';

export type ContextValues = Record<string, string | string[]>;

/** Keys every authenticated request carries. */
export function globalContext(caller: Caller, region: string, organizationId?: string): ContextValues {
  const session = caller.principal.sessionName !== undefined;
  const context: ContextValues = {
    // For a role session aws:PrincipalArn is the role's ARN (with its path), not the session's.
    'aws:PrincipalArn': caller.principal.arn,
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': session ? 'AssumedRole' : 'User',
    'aws:userid': caller.userId,
    'aws:RequestedRegion': region,
    'aws:SecureTransport': 'true',
    'aws:ViaAWSService': 'false',
    'aws:PrincipalIsAWSService': 'false',
  };
  if (!session) context['aws:username'] = caller.principal.arn.split('/').pop() ?? '';
  if (organizationId) context['aws:PrincipalOrgID'] = organizationId;
  return context;
}

/** Keys KMS adds to every call on a key. */
export function kmsContext(caller: Caller): ContextValues {
  return { 'kms:CallerAccount': caller.account };
}

/** What EC2 asks KMS for when it starts an instance with an encrypted volume. */
export interface Ec2GrantInput {
  region: string;
  instanceId: string;
  instanceAccount: string;
  volumeId: string;
}

/** The grantee EC2 names today (src/aws-records.md Q1, F5): the instance's infrastructure session. */
export function ec2Grantee(input: Pick<Ec2GrantInput, 'instanceAccount' | 'instanceId'>): string {
  return `arn:aws:sts::${input.instanceAccount}:assumed-role/aws:ec2-infrastructure/${input.instanceId}`;
}

/**
 * The context of the CreateGrant EC2 makes on the caller's behalf: EC2 forwards the caller's
 * identity (forward access session), so kms:ViaService names EC2 and kms:GrantIsForAWSResource
 * is true (KMS Developer Guide, conditions-kms.html#conditions-kms-grant-is-for-aws-resource).
 */
export function ec2GrantContext(caller: Caller, input: Ec2GrantInput): ContextValues {
  return {
    ...kmsContext(caller),
    'aws:ViaAWSService': 'true',
    'kms:ViaService': `ec2.${input.region}.amazonaws.com`,
    'kms:GrantIsForAWSResource': 'true',
    'kms:GrantOperations': ['Decrypt'],
    'kms:GranteePrincipal': ec2Grantee(input),
    'kms:RetiringPrincipal': `ec2.${input.region}.amazonaws.com`,
    'kms:EncryptionContextKeys': ['aws:ebs:id'],
    'kms:EncryptionContext:aws:ebs:id': input.volumeId,
  };
}
