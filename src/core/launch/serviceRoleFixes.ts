/**
 * The fixes AWS documents for a service-linked role that may not use a customer managed key
 * (EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with encrypted volumes";
 * src/domain.md section 3.5, src/aws-records.md Q3). The role's own permissions cannot be
 * edited, so the key policy names it in two statements, or, for a key of another account,
 * the key policy opens the key to the launching account and a grant created from that
 * account lets the role use it.
 */
import { accountRootArn, parseArn } from '../arn';
import type { CreateGrantArgs } from '../diagnosis/commandArgs';
import type { GrantFix, KeyPolicyFix } from '../diagnosis/types';

/** The Sids AWS gives the two statements. */
export const SLR_USE_SID = 'Allow service-linked role use of the customer managed key';
export const SLR_ATTACH_SID = 'Allow attachment of persistent resources';
export const EXTERNAL_USE_SID = 'Allow external account use of the customer managed key';
export const EXTERNAL_ATTACH_SID = 'Allow attachment of persistent resources in external account';

/** The Sids of the key users' statements AWS's default key policy gives (AWS KMS Developer Guide, "Default key policy"). */
export const KEY_USER_USE_SID = 'Allow use of the key';
export const KEY_USER_ATTACH_SID = 'Allow attachment of persistent resources';

/**
 * The IAM statements a principal that launches new encrypted volumes needs on the key: the
 * use of the key (EBS creates the volume's data key as the caller) and EC2's grant (Amazon
 * EBS User Guide, "Permissions for IAM users": kms:CreateGrant, kms:Decrypt, kms:DescribeKey,
 * kms:GenerateDataKeyWithoutPlainText, kms:ReEncrypt*).
 */
export function launchIdentityStatements(keyArn: string): Record<string, unknown>[] {
  return [
    {
      Sid: 'LaunchUseOfVolumeKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey'],
      Resource: [keyArn],
    },
    {
      Sid: 'LaunchAttachVolumeKey',
      Effect: 'Allow',
      Action: ['kms:CreateGrant'],
      Resource: [keyArn],
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    },
  ];
}

/** The cryptographic operations a launch needs on its volumes' key. */
export const KEY_USE_ACTIONS: readonly string[] = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
];

/** The operations of the cross-account grant, as the guide's `aws kms create-grant` names them. */
export const GRANT_OPERATIONS: readonly string[] = [
  'Decrypt',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'DescribeKey',
];

/** The two key policy statements for `principalArn` (the role, or for a key of another account, that account's root). */
export function keyUseStatements(
  principalArn: string,
  sids: { use: string; attach: string } = { use: SLR_USE_SID, attach: SLR_ATTACH_SID },
  options: { onlyForAwsResources: boolean } = { onlyForAwsResources: true },
): Record<string, unknown>[] {
  return [
    { Sid: sids.use, Effect: 'Allow', Principal: { AWS: principalArn }, Action: [...KEY_USE_ACTIONS], Resource: '*' },
    {
      Sid: sids.attach,
      Effect: 'Allow',
      Principal: { AWS: principalArn },
      Action: 'kms:CreateGrant',
      Resource: '*',
      // Only grants for AWS resources: the least the attachment needs. Not for another
      // account's root: a person there creates the role's grant directly (with the CLI), which
      // that condition would refuse (the guide's cross-account example leaves it out for this).
      ...(options.onlyForAwsResources ? { Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } } : {}),
    },
  ];
}

/**
 * The fixes for a service-linked role on a key of its own account: both statements in the
 * key policy, both required (without the first, the next launch fails on
 * GenerateDataKeyWithoutPlaintext; without the second, on CreateGrant).
 */
export function sameAccountServiceRoleFixes(keyArn: string, roleArn: string): KeyPolicyFix[] {
  const note = `${roleArn} is a service-linked role: its permissions cannot be edited, so the key policy must name it.`;
  return keyUseStatements(roleArn).map((statement) => ({
    target: 'key-policy',
    keyArn,
    principalArn: roleArn,
    statement,
    role: 'required',
    note,
  }));
}

/** The `aws kms create-grant` call, as an argument list, and the editor command's arguments. */
export function createGrantCall(
  keyArn: string,
  roleArn: string,
  where: { profile: string; region: string },
): { command: string[]; args: CreateGrantArgs } {
  const operations = [...GRANT_OPERATIONS];
  return {
    command: [
      'aws',
      'kms',
      'create-grant',
      '--key-id',
      keyArn,
      '--grantee-principal',
      roleArn,
      '--operations',
      ...operations,
      '--region',
      where.region,
      '--profile',
      where.profile,
    ],
    args: { profile: where.profile, region: where.region, keyArn, granteePrincipal: roleArn, operations },
  };
}

/**
 * The fixes for a service-linked role on a key of another account: in the key's account,
 * the key policy opens the key to the launching account (both statements naming its root);
 * then, from the launching account, a grant for the role. Both are required.
 */
export function crossAccountServiceRoleFixes(
  keyArn: string,
  roleArn: string,
  where: { profile: string; region: string },
): (KeyPolicyFix | GrantFix)[] {
  const roleArnParts = parseArn(roleArn);
  const keyParts = parseArn(keyArn);
  const launchingAccount = roleArnParts?.account ?? '';
  const root = accountRootArn(launchingAccount, roleArnParts?.partition ?? 'aws');
  const keyPolicy: KeyPolicyFix[] = keyUseStatements(
    root,
    { use: EXTERNAL_USE_SID, attach: EXTERNAL_ATTACH_SID },
    { onlyForAwsResources: false },
  ).map((statement) => ({
    target: 'key-policy',
    keyArn,
    principalArn: root,
    statement,
    role: 'required',
    note: `In account ${keyParts?.account ?? 'of the key'}, the key's owner adds this to the key policy: it lets account ${launchingAccount} use the key and create grants on it.`,
  }));
  const { command, args } = createGrantCall(keyArn, roleArn, where);
  const grant: GrantFix = {
    target: 'grant',
    keyArn,
    principalArn: roleArn,
    operations: [...GRANT_OPERATIONS],
    account: launchingAccount,
    command,
    args,
    role: 'required',
    note: `Run from account ${launchingAccount} (the launching account), by a principal allowed kms:CreateGrant on the key, after the key policy above is in place. ${roleArn} is a service-linked role: its own permissions cannot be edited.`,
  };
  return [...keyPolicy, grant];
}
