import * as assert from 'node:assert/strict';
import { authorizeKmsRequest, ec2GrantRequest, evaluateCreateGrant, evaluatePolicy, type RequestContext } from '../../../src/core/policy';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
const PATH_ROLE = `arn:aws:iam::${ACCOUNT}:role/team/ops/AppRole`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/AppRole/i-0abc`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const FOREIGN = 'arn:aws:iam::444455556666:role/Partner';
const REGION = 'eu-west-1';
const VIA_EC2 = `ec2.${REGION}.amazonaws.com`;

type Verdict = 'allowed' | 'relies-on-iam' | 'denied';
interface Case {
  name: string;
  statements: unknown;
  principal?: string;
  verdict: Verdict;
  keyAccount?: string;
}

const allow = (extra: Record<string, unknown>): Record<string, unknown> => ({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:CreateGrant', Resource: '*', ...extra });
const deny = (extra: Record<string, unknown>): Record<string, unknown> => ({ Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*', ...extra });
const delegation = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };

const CASES: Case[] = [
  // Action / NotAction
  { name: 'exact action', statements: [allow({})], verdict: 'allowed' },
  { name: 'action in other case', statements: [allow({ Action: 'KMS:createGRANT' })], verdict: 'allowed' },
  { name: 'kms:* wildcard', statements: [allow({ Action: 'kms:*' })], verdict: 'allowed' },
  { name: '* wildcard', statements: [allow({ Action: '*' })], verdict: 'allowed' },
  { name: 'kms:Create* prefix', statements: [allow({ Action: 'kms:Create*' })], verdict: 'allowed' },
  { name: '? wildcard', statements: [allow({ Action: 'kms:Creat?Grant' })], verdict: 'allowed' },
  { name: 'action list containing it', statements: [allow({ Action: ['kms:Decrypt', 'kms:CreateGrant'] })], verdict: 'allowed' },
  { name: 'crypto-only action list', statements: [allow({ Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] })], verdict: 'denied' },
  { name: 'other service wildcard', statements: [allow({ Action: 'ec2:*' })], verdict: 'denied' },
  { name: 'NotAction Decrypt allows CreateGrant', statements: [allow({ Action: undefined, NotAction: ['kms:Decrypt'] })], verdict: 'allowed' },
  { name: 'NotAction CreateGrant excludes it', statements: [allow({ Action: undefined, NotAction: 'kms:CreateGrant' })], verdict: 'denied' },
  { name: 'NotAction wildcard excludes it', statements: [allow({ Action: undefined, NotAction: 'kms:*Grant' })], verdict: 'denied' },
  { name: 'both Action and NotAction: statement ignored', statements: [allow({ NotAction: 'kms:Decrypt' })], verdict: 'denied' },
  { name: 'Action of wrong type: statement ignored', statements: [allow({ Action: 42 })], verdict: 'denied' },
  // Principal forms
  { name: 'Principal "*"', statements: [allow({ Principal: '*' })], verdict: 'allowed' },
  { name: 'Principal {AWS: "*"}', statements: [allow({ Principal: { AWS: '*' } })], verdict: 'allowed' },
  { name: 'account id delegates to IAM', statements: [allow({ Principal: { AWS: ACCOUNT } })], verdict: 'relies-on-iam' },
  { name: 'account root ARN delegates to IAM', statements: [delegation], verdict: 'relies-on-iam' },
  { name: 'user principal', statements: [allow({ Principal: { AWS: USER } })], principal: USER, verdict: 'allowed' },
  { name: 'another user does not match', statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` } })], principal: USER, verdict: 'denied' },
  { name: 'session matched by its role', statements: [allow({})], principal: SESSION, verdict: 'allowed' },
  { name: 'session matched by its role with a path', statements: [allow({ Principal: { AWS: PATH_ROLE } })], principal: SESSION, verdict: 'allowed' },
  { name: 'session of another role', statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Other` } })], principal: SESSION, verdict: 'denied' },
  { name: 'principal list', statements: [allow({ Principal: { AWS: [USER, ROLE] } })], verdict: 'allowed' },
  { name: 'partial wildcard in principal never matches', statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/*` } })], verdict: 'denied' },
  { name: 'service principal does not match a role', statements: [allow({ Principal: { Service: 'ec2.amazonaws.com' } })], verdict: 'denied' },
  { name: 'other account root', statements: [allow({ Principal: { AWS: 'arn:aws:iam::444455556666:root' } })], verdict: 'denied' },
  { name: 'NotPrincipal naming someone else', statements: [allow({ Principal: undefined, NotPrincipal: { AWS: USER } })], verdict: 'allowed' },
  { name: 'NotPrincipal naming the account excludes the caller', statements: [allow({ Principal: undefined, NotPrincipal: { AWS: ROOT } })], verdict: 'denied' },
  { name: 'cross-account principal named directly relies on its IAM', statements: [allow({ Principal: { AWS: FOREIGN } })], principal: FOREIGN, keyAccount: ACCOUNT, verdict: 'relies-on-iam' },
  // Resource
  { name: 'Resource "*"', statements: [allow({ Resource: '*' })], verdict: 'allowed' },
  { name: 'Resource key ARN wildcard', statements: [allow({ Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` })], verdict: 'allowed' },
  // Conditions
  { name: 'Bool true', statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } })], verdict: 'allowed' },
  { name: 'Bool "true"', statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })], verdict: 'allowed' },
  { name: 'Bool false does not match EC2', statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': false } } })], verdict: 'denied' },
  { name: 'condition key any case', statements: [allow({ Condition: { bool: { 'KMS:GRANTISFORAWSRESOURCE': 'TRUE' } } })], verdict: 'allowed' },
  { name: 'StringEquals kms:ViaService this region', statements: [allow({ Condition: { StringEquals: { 'kms:ViaService': VIA_EC2 } } })], verdict: 'allowed' },
  { name: 'StringEquals kms:ViaService other region', statements: [allow({ Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } })], verdict: 'denied' },
  { name: 'values are OR-ed', statements: [allow({ Condition: { StringEquals: { 'kms:ViaService': ['rds.eu-west-1.amazonaws.com', VIA_EC2] } } })], verdict: 'allowed' },
  { name: 'operators are AND-ed', statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: { 'kms:CallerAccount': '444455556666' } } })], verdict: 'denied' },
  { name: 'StringLike wildcard', statements: [allow({ Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } } })], verdict: 'allowed' },
  { name: 'StringNotEquals on the caller account', statements: [allow({ Condition: { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } } })], verdict: 'denied' },
  { name: 'StringEqualsIgnoreCase', statements: [allow({ Condition: { StringEqualsIgnoreCase: { 'kms:ViaService': VIA_EC2.toUpperCase() } } })], verdict: 'allowed' },
  { name: 'ArnLike aws:PrincipalArn', statements: [allow({ Principal: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/App*` } } })], verdict: 'allowed' },
  { name: 'ArnEquals aws:PrincipalArn of a session is its role', statements: [allow({ Principal: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } } })], principal: SESSION, verdict: 'allowed' },
  { name: 'ArnNotLike excludes the caller', statements: [allow({ Principal: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } } })], verdict: 'denied' },
  { name: 'key absent from the context does not match', statements: [allow({ Condition: { StringEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })], verdict: 'denied' },
  { name: 'IfExists with an absent key matches', statements: [allow({ Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })], verdict: 'allowed' },
  { name: 'negated operator with an absent key matches', statements: [allow({ Condition: { StringNotEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })], verdict: 'allowed' },
  { name: 'Null true on an absent key', statements: [allow({ Condition: { Null: { 'kms:EncryptionContext:aws:ebs:id': 'true' } } })], verdict: 'allowed' },
  { name: 'Null false on a present key', statements: [allow({ Condition: { Null: { 'kms:ViaService': 'false' } } })], verdict: 'allowed' },
  { name: 'ForAnyValue with an absent key', statements: [allow({ Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } } })], verdict: 'denied' },
  { name: 'ForAllValues with an absent key', statements: [allow({ Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } } })], verdict: 'allowed' },
  { name: 'unknown operator: statement ignored', statements: [allow({ Condition: { StringSortOf: { 'kms:ViaService': VIA_EC2 } } })], verdict: 'denied' },
  // Deny
  { name: 'explicit Deny wins over Allow', statements: [allow({}), deny({})], verdict: 'denied' },
  { name: 'Control Tower Deny does not block EC2 grants', statements: [allow({}), deny({ Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } } })], verdict: 'allowed' },
  { name: 'Deny naming the account covers its principals', statements: [allow({}), deny({ Principal: { AWS: ACCOUNT } })], verdict: 'denied' },
  { name: 'Deny on another action', statements: [allow({}), deny({ Action: 'kms:Decrypt' })], verdict: 'allowed' },
  // Document shapes
  { name: 'Statement as a single object', statements: allow({}), verdict: 'allowed' },
  { name: 'Effect in wrong case: ignored', statements: [allow({ Effect: 'allow' })], verdict: 'denied' },
  { name: 'no statements', statements: [], verdict: 'denied' },
];

describe('evaluateCreateGrant: the grammar of domain.md section 5', () => {
  assert.ok(CASES.length >= 40);
  for (const c of CASES) {
    it(c.name, () => {
      const policy = { Version: '2012-10-17', Statement: c.statements };
      const result = evaluateCreateGrant(policy, c.principal ?? ROLE, { region: REGION, keyAccount: c.keyAccount });
      assert.equal(result.verdict, c.verdict, result.reason);
    });
  }

  it('accepts the policy as JSON text and never throws on garbage', () => {
    assert.equal(evaluateCreateGrant(JSON.stringify({ Statement: [allow({})] }), ROLE, { region: REGION }).verdict, 'allowed');
    for (const garbage of [null, undefined, 42, 'not json', [], { Statement: 'x' }, { Statement: [null, 1, 'a'] }]) {
      assert.equal(evaluateCreateGrant(garbage, ROLE, { region: REGION }).verdict, 'denied');
    }
  });

  it('names the statements that decided', () => {
    const result = evaluateCreateGrant({ Statement: [delegation, { ...deny({}), Sid: 'NoGrants' }] }, ROLE, { region: REGION });
    assert.equal(result.verdict, 'denied');
    assert.deepEqual(result.matched.map((m) => [m.index, m.sid, m.effect]), [
      [0, 'Enable IAM User Permissions', 'Allow'],
      [1, 'NoGrants', 'Deny'],
    ]);
    assert.match(result.reason, /"NoGrants"/);
  });
});

describe('ec2GrantRequest', () => {
  it('builds the context EC2 uses for the grant', () => {
    const request = ec2GrantRequest(SESSION, { region: REGION, keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` });
    assert.equal(request.action, 'kms:CreateGrant');
    assert.equal(request.resource, `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`);
    assert.equal(request.principalAccount, ACCOUNT);
    assert.equal(request.conditionKeys['kms:GrantIsForAWSResource'], true);
    assert.equal(request.conditionKeys['kms:ViaService'], VIA_EC2);
    assert.equal(request.conditionKeys['kms:CallerAccount'], ACCOUNT);
    assert.equal(request.conditionKeys['aws:PrincipalArn'], ROLE);
    assert.equal(ec2GrantRequest(USER, { region: REGION }).resource, '*');
  });
});

describe('evaluatePolicy and authorizeKmsRequest', () => {
  const request: RequestContext = ec2GrantRequest(ROLE, { region: REGION });
  const identityAllow = { Statement: [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*' }] };

  it('identity policies ignore Principal and need a Resource', () => {
    assert.equal(evaluatePolicy(identityAllow, request, 'identity').decision, 'allow');
    assert.equal(evaluatePolicy({ Statement: [{ Effect: 'Allow', Action: 'kms:*' }] }, request, 'identity').decision, 'implicit-deny');
  });

  it('matches Resource against the key ARN when it is known', () => {
    const keyed = { ...request, resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` };
    const only = (resource: string): unknown => ({ Statement: [{ Effect: 'Allow', Action: '*', Resource: resource }] });
    assert.equal(evaluatePolicy(only(`arn:aws:kms:${REGION}:${ACCOUNT}:key/abc`), keyed, 'identity').decision, 'allow');
    assert.equal(evaluatePolicy(only(`arn:aws:kms:${REGION}:${ACCOUNT}:key/other`), keyed, 'identity').decision, 'implicit-deny');
    assert.equal(evaluatePolicy({ Statement: [{ Effect: 'Allow', Action: '*', NotResource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` }] }, keyed, 'identity').decision, 'implicit-deny');
  });

  it('a delegation alone is not an allow: IAM must also allow', () => {
    const key = { Statement: [delegation] };
    const alone = evaluatePolicy(key, request, 'resource');
    assert.equal(alone.decision, 'implicit-deny');
    assert.equal(alone.iamDelegation, true);
    assert.equal(authorizeKmsRequest(key, [], request).decision, 'implicit-deny');
    assert.equal(authorizeKmsRequest(key, [identityAllow], request).decision, 'allow');
    assert.equal(authorizeKmsRequest(key, [identityAllow, { Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }] }], request).decision, 'explicit-deny');
  });

  it('cross-account callers need both the key policy and their IAM policy', () => {
    const foreign = ec2GrantRequest(FOREIGN, { region: REGION });
    const key = { Statement: [allow({ Principal: { AWS: FOREIGN } })] };
    assert.equal(authorizeKmsRequest(key, [], foreign, ACCOUNT).decision, 'implicit-deny');
    assert.equal(authorizeKmsRequest(key, [identityAllow], foreign, ACCOUNT).decision, 'allow');
  });

  it('policy variables resolve from the context (2012-10-17 only)', () => {
    const withVariable = (version: string): unknown => ({ Version: version, Statement: [allow({ Principal: '*', Condition: { StringEquals: { 'kms:CallerAccount': '${aws:PrincipalAccount}' } } })] });
    assert.equal(evaluatePolicy(withVariable('2012-10-17'), request, 'resource').decision, 'allow');
    assert.equal(evaluatePolicy(withVariable('2008-10-17'), request, 'resource').decision, 'implicit-deny');
  });
});
