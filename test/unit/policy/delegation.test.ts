import * as assert from 'node:assert/strict';
import {
  analyzePolicyText,
  ec2GrantRequest,
  evaluateCreateGrant,
  evaluatePolicy,
  type Finding,
} from '../../../src/core/policy';
import { compilePolicy, createGrantVerdict } from '../../../src/core/policy/evaluate';

const OWNER = '111122223333';
const EXTERNAL = '444455556666';
const OWNER_ROOT = `arn:aws:iam::${OWNER}:root`;
const EXTERNAL_ROOT = `arn:aws:iam::${EXTERNAL}:root`;
const APP = `arn:aws:iam::${OWNER}:role/AppRole`;
const OWNER_DELEGATION = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: OWNER_ROOT },
  Action: 'kms:*',
  Resource: '*',
};
const APP_GRANTS = {
  Sid: 'AllowEC2Grants',
  Effect: 'Allow',
  Principal: { AWS: APP },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
};
const APP_USE = {
  Sid: 'Use',
  Effect: 'Allow',
  Principal: { AWS: APP },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};
const EXTERNAL_USE = {
  Sid: 'External use',
  Effect: 'Allow',
  Principal: { AWS: EXTERNAL_ROOT },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};
const EXTERNAL_ATTACH = {
  Sid: 'External attachment',
  Effect: 'Allow',
  Principal: { AWS: EXTERNAL_ROOT },
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
};

const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);

describe('no-iam-delegation: the account must be allowed kms:CreateGrant', () => {
  it('an account root allowed only kms:Describe* does not open the key to IAM policies', () => {
    const describeOnly = {
      Sid: 'Metadata for the account',
      Effect: 'Allow',
      Principal: { AWS: OWNER_ROOT },
      Action: ['kms:Describe*', 'kms:List*'],
      Resource: '*',
    };
    const findings = analyzePolicyText(policy([describeOnly, APP_USE])).findings;
    assert.ok(codes(findings).includes('no-iam-delegation'), codes(findings).join(', '));
    const finding = findings.find((f) => f.code === 'no-iam-delegation');
    assert.match(finding?.message ?? '', /does not delegate kms:CreateGrant to the account/);
  });

  it('the usual kms:* delegation, and Principal "*" allowing CreateGrant (the aws/ebs policy), are enough', () => {
    assert.ok(!codes(analyzePolicyText(policy([OWNER_DELEGATION, APP_USE])).findings).includes('no-iam-delegation'));
    const everyone = {
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': OWNER } },
    };
    assert.ok(!codes(analyzePolicyText(policy([everyone, APP_USE])).findings).includes('no-iam-delegation'));
  });
});

describe("the key's account, read from the delegation", () => {
  it("an external account allowed only to use the key, listed first, does not make the owner's principals cross-account", () => {
    const text = policy([EXTERNAL_USE, OWNER_DELEGATION, APP_GRANTS]);
    const findings = analyzePolicyText(text, { principals: [APP] }).findings;
    assert.deepEqual(
      findings.filter((f) => f.code.startsWith('principal-')).map((f) => f.code),
      [],
      'AppRole is in the key account and named for CreateGrant: allowed',
    );
  });

  it("an external account's attachment statement listed first loses to the owner's delegation, which administers the key", () => {
    const text = policy([EXTERNAL_USE, EXTERNAL_ATTACH, OWNER_DELEGATION, APP_GRANTS]);
    const findings = analyzePolicyText(text, { principals: [APP, `arn:aws:iam::${OWNER}:user/bob`] }).findings;
    assert.deepEqual(
      findings.filter((f) => f.code.startsWith('principal-')).map((f) => [f.code, f.fixes.length]),
      [['principal-relies-on-iam', 1]],
    );
    assert.match(findings.find((f) => f.code === 'principal-relies-on-iam')?.message ?? '', /user\/bob/);
  });
});

describe('createGrantVerdict', () => {
  it("gives evaluateCreateGrant's answer from an evaluation already made", () => {
    const documents = [
      { Statement: [OWNER_DELEGATION] },
      { Statement: [OWNER_DELEGATION, APP_GRANTS] },
      { Statement: [APP_GRANTS, { Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' }] },
      { Statement: [APP_USE] },
    ];
    for (const document of documents) {
      for (const principal of [
        APP,
        `arn:aws:sts::${OWNER}:assumed-role/AppRole/s`,
        `arn:aws:iam::${EXTERNAL}:role/Partner`,
      ]) {
        const request = ec2GrantRequest(principal, { region: 'eu-west-1' });
        const reused = createGrantVerdict(evaluatePolicy(compilePolicy(document), request, 'resource'), request, OWNER);
        assert.deepEqual(reused, evaluateCreateGrant(document, principal, { region: 'eu-west-1', keyAccount: OWNER }));
      }
    }
  });
});
