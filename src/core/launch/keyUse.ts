/**
 * Whether a key policy lets a launching service-linked role use the key, not only create
 * the grant: a launch that creates volumes calls GenerateDataKeyWithoutPlaintext (and
 * Decrypt or ReEncrypt for an encrypted snapshot) as the role before any grant
 * (src/aws-records.md Q3, F3). The role's IAM policies cannot be edited and grant no KMS use, so only
 * the key policy naming the role counts; an Allow through the account does not.
 */
import { ec2GrantRequest, evaluatePolicy, type GrantRequestOptions } from '../policy';

/** The KMS actions a launch needs on its volumes' key besides CreateGrant. */
export const LAUNCH_USE_ACTIONS: readonly string[] = [
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:DescribeKey',
];

/** The use actions the key policy does not allow the role on its own, in `LAUNCH_USE_ACTIONS` order. */
export function missingKeyUse(keyPolicy: unknown, principalArn: string, options: GrantRequestOptions): string[] {
  const grant = ec2GrantRequest(principalArn, options);
  return LAUNCH_USE_ACTIONS.filter((action) => {
    // The same caller and context as EC2's grant, for another action; the grant-only key does not apply.
    const { 'kms:GrantIsForAWSResource': _grantOnly, ...conditionKeys } = grant.conditionKeys;
    return evaluatePolicy(keyPolicy, { ...grant, action, conditionKeys }, 'resource').decision !== 'allow';
  });
}
