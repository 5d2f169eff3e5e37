/**
 * Inputs of the policy benchmarks, generated deterministically so every run measures the
 * same texts: a key policy at the 32 KB limit of KMS, a 1 MB CloudFormation template, and
 * the CreateGrant questions put to both evaluators.
 */
import { KEY_POLICY_SIZE_LIMIT } from '../../src/core/policy';
import { CALLERS, pick, randomKeyPolicy, seededRandom } from '../unit/policy/generators';

/** Size the template generator stops below. */
export const TEMPLATE_TARGET_BYTES = 1_048_576;

const ACCOUNT = '111122223333';
const PARTNER_ACCOUNTS = ['444455556666', '777788889999', '123456789012'];
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1', 'ap-southeast-2'];

const USAGE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
const GRANT_ACTIONS = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];
const ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

function teamRoles(account: string, team: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `arn:aws:iam::${account}:role/team-${team}/app-${team}-${i}-service-role`,
  );
}

/**
 * The statements a large shared key accumulates: the console's default statements, then per
 * team a usage statement, a grant statement limited to AWS resources and, for partner
 * accounts, a cross-account statement with a ViaService condition.
 */
function keyPolicyStatement(index: number): Record<string, unknown> {
  const team = index + 1;
  const account = index % 4 === 3 ? PARTNER_ACCOUNTS[index % PARTNER_ACCOUNTS.length] : ACCOUNT;
  const region = REGIONS[index % REGIONS.length];
  const roles = teamRoles(account, team, 3 + (index % 4));
  switch (index % 3) {
    case 0:
      return {
        Sid: `Team${team}KeyUsage`,
        Effect: 'Allow',
        Principal: { AWS: roles },
        Action: USAGE_ACTIONS,
        Resource: '*',
      };
    case 1:
      return {
        Sid: `Team${team}AttachPersistentResources`,
        Effect: 'Allow',
        Principal: { AWS: roles },
        Action: GRANT_ACTIONS,
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      };
    default:
      return {
        Sid: `Team${team}ViaEc2In${region.replace(/-/g, '')}`,
        Effect: 'Allow',
        Principal: { AWS: roles },
        Action: [...USAGE_ACTIONS, 'kms:CreateGrant'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${region}.amazonaws.com`, 'kms:CallerAccount': account } },
      };
  }
}

/**
 * A key policy of many statements and principals, pretty-printed as the console shows it,
 * grown statement by statement to just under the 32,768-byte limit.
 */
export function largeKeyPolicyText(limit = KEY_POLICY_SIZE_LIMIT): string {
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, `arn:aws:iam::${ACCOUNT}:role/SecurityAudit`] },
      Action: ADMIN_ACTIONS,
      Resource: '*',
    },
    {
      Sid: 'DenyDeletionOutsideBreakGlass',
      Effect: 'Deny',
      Principal: '*',
      Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey'],
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/BreakGlass*` } },
    },
  ];
  const render = (list: Record<string, unknown>[]): string =>
    JSON.stringify({ Version: '2012-10-17', Id: 'key-consolepolicy-3', Statement: list }, null, 2);
  let text = render(statements);
  for (let i = 0; i < 10_000; i++) {
    const next = render([...statements, keyPolicyStatement(i)]);
    if (Buffer.byteLength(next) > limit) break;
    statements.push(keyPolicyStatement(i));
    text = next;
  }
  return text;
}

/**
 * A key policy of the same statements on one line (minified, as tools and scripts write it),
 * grown to just under `bytes`: every statement names principals of its own, so the number of
 * distinct principals grows with the size. Sized as it grows (no re-rendering), so a 3 MB
 * policy is generated in linear time too.
 */
export function minifiedKeyPolicyText(bytes: number): string {
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ];
  const render = (list: Record<string, unknown>[]): string =>
    JSON.stringify({ Version: '2012-10-17', Id: 'key-minified', Statement: list });
  let size = Buffer.byteLength(render(statements));
  for (let i = 0; ; i++) {
    const statement = keyPolicyStatement(i);
    const added = Buffer.byteLength(JSON.stringify(statement)) + 1;
    if (size + added > bytes) break;
    statements.push(statement);
    size += added;
  }
  return render(statements);
}

function cfnKey(index: number): [string, unknown] {
  const admin = `KeyAdminRole${index}`;
  return [
    `VolumeKey${index}`,
    {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `EBS key of workload ${index}`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Enable IAM User Permissions',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'Allow administration',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::GetAtt': [admin, 'Arn'] } },
              Action: ADMIN_ACTIONS,
              Resource: '*',
            },
            {
              Sid: 'Allow use through EC2',
              Effect: 'Allow',
              Principal: {
                AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/workload-${index}-launcher` },
              },
              Action: index % 5 === 0 ? USAGE_ACTIONS : [...USAGE_ACTIONS, 'kms:CreateGrant'],
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ec2.${AWS::Region}.amazonaws.com' } } },
            },
          ],
        },
        Tags: [
          { Key: 'workload', Value: `workload-${index}` },
          { Key: 'cost-center', Value: `cc-${1000 + (index % 37)}` },
        ],
      },
    },
  ];
}

function cfnRole(index: number): [string, unknown] {
  return [
    `KeyAdminRole${index}`,
    {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: `workload-${index}-key-admin`,
        Path: '/',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'launch-encrypted-instances',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['ec2:RunInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:Describe*'],
                  Resource: '*',
                },
                {
                  Effect: 'Allow',
                  Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'],
                  Resource: { 'Fn::GetAtt': [`VolumeKey${index}`, 'Arn'] },
                  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

function cfnInstance(index: number): [string, unknown] {
  return [
    `Instance${index}`,
    {
      Type: 'AWS::EC2::Instance',
      Properties: {
        ImageId: { Ref: 'LatestAmiId' },
        InstanceType: index % 2 === 0 ? 't3.micro' : 'm6i.large',
        SubnetId: { 'Fn::ImportValue': `network-private-subnet-${index % 3}` },
        IamInstanceProfile: { Ref: `InstanceProfile${index}` },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              VolumeSize: 30,
              VolumeType: 'gp3',
              Encrypted: true,
              KmsKeyId: { Ref: `VolumeKey${index}` },
              DeleteOnTermination: true,
            },
          },
        ],
        Tags: [
          { Key: 'Name', Value: `workload-${index}-node` },
          { Key: 'workload', Value: `workload-${index}` },
        ],
      },
    },
  ];
}

/**
 * A CloudFormation template of many workloads, each a KMS key (with its key policy), an IAM
 * role with an inline policy and an instance using the key, up to about 1 MB.
 */
export function largeTemplateText(target = TEMPLATE_TARGET_BYTES, options: { minified?: boolean } = {}): string {
  const render = (value: unknown): string =>
    options.minified ? JSON.stringify(value) : JSON.stringify(value, null, 2);
  const resources: Record<string, unknown> = {};
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Workloads with customer managed EBS keys',
    Parameters: {
      LatestAmiId: {
        Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
        Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
    },
    Resources: resources,
  };
  // Each workload adds about the same amount, so one measured workload sizes the loop.
  const empty = Buffer.byteLength(render(template));
  for (const [id, body] of [cfnKey(0), cfnRole(0), cfnInstance(0)]) resources[id] = body;
  const perWorkload = Buffer.byteLength(render(template)) - empty;
  const workloads = Math.max(1, Math.floor((target - empty) / perWorkload));
  for (let i = 1; i < workloads; i++) {
    for (const [id, body] of [cfnKey(i), cfnRole(i), cfnInstance(i)]) resources[id] = body;
  }
  // Longer ids make later workloads a little bigger: drop workloads until it fits.
  let text = render(template);
  for (let last = workloads - 1; Buffer.byteLength(text) > target && last > 0; last--) {
    for (const id of [`VolumeKey${last}`, `KeyAdminRole${last}`, `Instance${last}`]) delete resources[id];
    text = render(template);
  }
  return text;
}

/** One CreateGrant question: may `caller` obtain EC2's grant under `keyPolicy`? */
export interface GrantQuestion {
  keyPolicy: unknown;
  caller: string;
}

/** `count` questions over the differential test's generated key policies and callers. */
export function grantQuestions(count: number, seed = 20240611): GrantQuestion[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({ keyPolicy: randomKeyPolicy(random), caller: pick(random, CALLERS) }));
}
