/**
 * Seeded generators of key policies and JSON texts for the differential and fuzz tests.
 * A fixed seed keeps every run identical, so a failure is reproducible.
 */

import { seededRandom } from '../../support/random';

export { seededRandom };

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'eu-west-1';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
export const ROLE_WITH_PATH = `arn:aws:iam::${ACCOUNT}:role/team/PathRole`;
export const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/AppRole/session-1`;
export const PATH_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/PathRole/session-2`;
export const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const OTHER_USER = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const FOREIGN_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`;

/** Callers the differential test asks about. */
export const CALLERS = [ROLE, SESSION, PATH_SESSION, USER, OTHER_USER, FOREIGN_ROLE] as const;

const PRINCIPALS: unknown[] = [
  '*',
  { AWS: '*' },
  { AWS: ACCOUNT },
  { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  { AWS: ROLE },
  { AWS: ROLE_WITH_PATH },
  { AWS: USER },
  { AWS: [USER, ROLE] },
  { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
  { AWS: FOREIGN_ROLE },
  { AWS: [FOREIGN_ROLE, `arn:aws:iam::${ACCOUNT}:root`] },
  { AWS: SESSION },
  { Service: 'ec2.amazonaws.com' },
];

const ACTIONS: [string, unknown][] = [
  ['Action', 'kms:CreateGrant'],
  ['Action', 'kms:*'],
  ['Action', '*'],
  ['Action', 'kms:Create*'],
  ['Action', 'KMS:creategrant'],
  ['Action', 'kms:Creat?Grant'],
  ['Action', ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']],
  ['Action', ['kms:Decrypt', 'kms:CreateGrant', 'kms:ListGrants']],
  ['Action', 'kms:*Grant'],
  ['NotAction', 'kms:Decrypt'],
  ['NotAction', ['kms:CreateGrant', 'kms:RevokeGrant']],
  ['NotAction', 'kms:Create*'],
];

const RESOURCES: [string, unknown][] = [
  ['Resource', '*'],
  ['Resource', KEY_ARN],
  ['Resource', `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`],
  ['Resource', `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`],
  ['Resource', [`arn:aws:kms:*:${ACCOUNT}:key/other`, '*']],
  ['NotResource', `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`],
  ['NotResource', KEY_ARN],
];

const CONDITIONS: unknown[] = [
  undefined,
  { Bool: { 'kms:GrantIsForAWSResource': true } },
  { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  { Bool: { 'kms:GrantIsForAWSResource': false } },
  { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } },
  { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
  { StringEquals: { 'kms:ViaService': ['rds.eu-west-1.amazonaws.com', `ec2.${REGION}.amazonaws.com`] } },
  { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } },
  { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } },
  { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } },
  { StringEqualsIgnoreCase: { 'KMS:VIASERVICE': `EC2.${REGION.toUpperCase()}.AMAZONAWS.COM` } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } },
  { ArnEquals: { 'aws:PrincipalArn': ROLE } },
  { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/App*` } },
  { StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/*` } },
  { Null: { 'kms:ViaService': 'false' } },
  { Null: { 'kms:EncryptionContext:aws:ebs:id': 'true' } },
  { StringEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-0123' } },
  { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ebs:id': 'vol-0123' } },
  { StringNotEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-0123' } },
  { 'ForAnyValue:StringLike': { 'kms:ViaService': ['ec2.*'] } },
  { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['aws:ebs:id'] } },
  { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['aws:ebs:id'] } },
  { StringEquals: { 'aws:PrincipalAccount': OTHER_ACCOUNT } },
  { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } },
];

/** A statement from the grammar's building blocks. */
export function randomStatement(random: () => number, index: number): Record<string, unknown> {
  const statement: Record<string, unknown> = { Sid: `S${index}`, Effect: random() < 0.75 ? 'Allow' : 'Deny' };
  statement[random() < 0.06 ? 'NotPrincipal' : 'Principal'] = pick(random, PRINCIPALS);
  const [actionKey, action] = pick(random, ACTIONS);
  statement[actionKey] = action;
  const [resourceKey, resource] = pick(random, RESOURCES);
  statement[resourceKey] = resource;
  const condition = pick(random, CONDITIONS);
  if (condition !== undefined) statement.Condition = condition;
  return statement;
}

export function randomKeyPolicy(random: () => number): { Version: string; Statement: Record<string, unknown>[] } {
  const count = 1 + Math.floor(random() * 4);
  const statements = Array.from({ length: count }, (_, i) => randomStatement(random, i));
  return { Version: '2012-10-17', Statement: statements };
}

export type KeyPolicy = ReturnType<typeof randomKeyPolicy>;

/** AWS entries of a generated Principal/NotPrincipal value (`"*"` stands for everyone). */
function awsEntries(value: unknown): string[] {
  if (value === '*') return ['*'];
  const aws = (value as { AWS?: string | string[] } | undefined)?.AWS;
  return aws === undefined ? [] : Array.isArray(aws) ? aws : [aws];
}

/** Whether a NotPrincipal list names the caller (its ARN or, for a session, its role) and whether it names its account. */
function notPrincipalNames(value: unknown, caller: string): { principal: boolean; account: boolean } {
  const account = caller.split(':')[4];
  const sessionRole = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(caller)?.[1];
  const entries = awsEntries(value);
  const principal = entries.some((e) => {
    if (e === '*' || e === caller) return true;
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(e);
    return sessionRole !== undefined && role !== null && role[1] === account && role[2] === sessionRole;
  });
  const accountNamed = entries.some((e) => e === '*' || e === account || e === `arn:aws:iam::${account}:root`);
  return { principal, account: accountNamed };
}

/**
 * The policy as AWS documents it for this caller, for comparisons with iam-simulate, which
 * leaves the caller out of a Deny whose NotPrincipal names either the caller or its
 * account: AWS needs both (IAM User Guide, "AWS JSON policy elements: NotPrincipal"), so
 * such a Deny applies to the caller and becomes `Principal: "*"`. Undefined when no
 * statement needs it.
 */
export function documentedNotPrincipal(policy: KeyPolicy, caller: string): KeyPolicy | undefined {
  let changed = false;
  const statements = policy.Statement.map((statement) => {
    if (statement.Effect !== 'Deny' || statement.NotPrincipal === undefined) return statement;
    const names = notPrincipalNames(statement.NotPrincipal, caller);
    if (names.principal === names.account) return statement;
    changed = true;
    const { NotPrincipal: _excluded, ...rest } = statement;
    return { ...rest, Principal: '*' };
  });
  return changed ? { ...policy, Statement: statements } : undefined;
}
