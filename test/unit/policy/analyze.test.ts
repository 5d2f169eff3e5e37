import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePolicyText, FINDING_CODES, type Finding } from '../../../src/core/policy';

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'policies', name), 'utf8');
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);
const textAt = (text: string, f: Finding): string => text.slice(f.range.offset, f.range.offset + f.range.length);
const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const ROOT = 'arn:aws:iam::111122223333:root';
const DELEGATION = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: ROOT },
  Action: 'kms:*',
  Resource: '*',
};

describe('analyzePolicyText: AWS policies from the documentation', () => {
  it("console default key policy: no warning; the key administrators' kms:Create* is information of its own code", () => {
    const text = fixture('console-default-key-policy.json');
    const result = analyzePolicyText(text);
    assert.equal(result.kind, 'key-policy');
    assert.deepEqual(codes(result.findings), ['console-default-admin-create-grant']);
    assert.equal(result.findings[0].severity, 'information');
    assert.match(textAt(text, result.findings[0]), /"Sid": "Allow access for Key Administrators"/);
    assert.deepEqual(result.findings[0].details, [
      "arn:aws:iam::111122223333:role/KMSKeyAdmins: may create grants directly (kms:Create*, AWS's default)",
    ]);
  });

  it('console default key policy: key users are allowed, other principals rely on IAM', () => {
    const text = fixture('console-default-key-policy.json');
    assert.deepEqual(
      codes(analyzePolicyText(text, { principals: ['arn:aws:sts::111122223333:assumed-role/KMSKeyUsers/s'] }).findings),
      ['console-default-admin-create-grant'],
    );
    const other = analyzePolicyText(text, { principals: ['arn:aws:iam::111122223333:user/bob'] }).findings;
    assert.deepEqual(codes(other), ['principal-relies-on-iam', 'console-default-admin-create-grant']);
    assert.equal(other[0].severity, 'information');
  });

  it('aws/ebs managed key policy: no findings', () => {
    const text = fixture('aws-ebs-managed-key-policy.json');
    assert.deepEqual(analyzePolicyText(text), { kind: 'key-policy', findings: [] });
    assert.deepEqual(analyzePolicyText(text, { principals: ['arn:aws:iam::111122223333:role/Any'] }).findings, []);
    // The policy grants through EC2 in its own Region only; its account statement has no CreateGrant.
    assert.deepEqual(
      codes(
        analyzePolicyText(text, { principals: ['arn:aws:iam::111122223333:role/Any'], region: 'us-east-1' }).findings,
      ),
      ['missing-create-grant', 'principal-cannot-create-grant'],
    );
  });

  it('Auto Scaling service-linked role key policy: no findings, and the role is allowed', () => {
    const text = fixture('autoscaling-service-linked-role-key-policy.json');
    const slr =
      'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
    assert.deepEqual(analyzePolicyText(text, { principals: [slr] }), { kind: 'key-policy', findings: [] });
  });

  it('Auto Scaling service-linked role without the attachment statement: missing-create-grant', () => {
    const parsed = JSON.parse(fixture('autoscaling-service-linked-role-key-policy.json'));
    parsed.Statement.pop();
    const text = JSON.stringify(parsed, null, 2);
    const findings = analyzePolicyText(text).findings;
    assert.deepEqual(codes(findings), ['missing-create-grant']);
    assert.match(findings[0].message, /AWSServiceRoleForAutoScaling may use this key/);
  });

  it('Control Tower CT.KMS.PV.1 Deny is not create-grant-denied, and it scopes the wildcard grant', () => {
    const text = fixture('control-tower-kms-pv1-key-policy.json');
    const result = analyzePolicyText(text, { principals: ['arn:aws:iam::111122223333:role/AppRole'] });
    assert.deepEqual(result.findings, []);
  });
});

describe('analyzePolicyText: classification', () => {
  it('identity policy, key policy, not-a-policy', () => {
    assert.equal(
      analyzePolicyText(policy([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }])).kind,
      'identity-policy',
    );
    assert.equal(analyzePolicyText(policy([DELEGATION])).kind, 'key-policy');
    for (const text of ['', '   ', 'null', '[1,2]', '{"name":"x","version":"1.0.0"}', '{ not json', '"Statement"']) {
      assert.deepEqual(analyzePolicyText(text), { kind: 'not-a-policy', findings: [] }, text);
    }
  });

  it('a role trust policy or an S3 bucket policy is not a key policy', () => {
    const trust = policy([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const bucket = policy([
      { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
    ]);
    assert.deepEqual(analyzePolicyText(trust), { kind: 'not-a-policy', findings: [] });
    assert.deepEqual(analyzePolicyText(bucket), { kind: 'not-a-policy', findings: [] });
  });

  it('tolerates comments and trailing commas', () => {
    const text =
      '{\n  // comment\n  "Statement": [\n    /* the delegation */\n    { "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*", },\n  ],\n}';
    assert.deepEqual(analyzePolicyText(text), { kind: 'key-policy', findings: [] });
  });

  it('never flags spaces in a key policy Sid', () => {
    assert.deepEqual(
      analyzePolicyText(policy([{ ...DELEGATION, Sid: 'Allow   spaces and: punctuation!' }])).findings,
      [],
    );
  });
});

describe('analyzePolicyText: each finding code', () => {
  it('covers every code of the table', () => {
    assert.deepEqual([...FINDING_CODES].sort(), [
      'analysis-failed',
      'console-default-admin-create-grant',
      'create-grant-denied',
      'invalid-policy',
      'missing-create-grant',
      'no-iam-delegation',
      'orphaned-principal',
      'policy-too-large',
      'principal-cannot-create-grant',
      'principal-relies-on-iam',
      'unscoped-create-grant',
    ]);
  });

  it('create-grant-denied is an error on the Deny statement', () => {
    const text = policy([
      DELEGATION,
      { Sid: 'NoGrants', Effect: 'Deny', Principal: '*', Action: 'kms:*Grant', Resource: '*' },
    ]);
    const [finding] = analyzePolicyText(text).findings;
    assert.equal(finding.code, 'create-grant-denied');
    assert.equal(finding.severity, 'error');
    assert.match(textAt(text, finding), /^\{\s+"Sid": "NoGrants"[\s\S]*\}$/);
  });

  it('a Deny of direct grants only is fine', () => {
    const text = policy([
      DELEGATION,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } },
      },
    ]);
    assert.deepEqual(analyzePolicyText(text).findings, []);
  });

  it('principal-cannot-create-grant for an explicit Deny points at the Deny and offers no insert', () => {
    const text = policy([
      DELEGATION,
      {
        Effect: 'Deny',
        Principal: { AWS: 'arn:aws:iam::111122223333:user/eve' },
        Action: 'kms:CreateGrant',
        Resource: '*',
      },
    ]);
    const findings = analyzePolicyText(text, { principals: ['arn:aws:iam::111122223333:user/eve'] }).findings;
    const named = findings.find((f) => f.code === 'principal-cannot-create-grant');
    assert.ok(named);
    assert.match(textAt(text, named), /"Effect": "Deny"/);
    assert.deepEqual(named.fixes, []);
  });

  it('principal-relies-on-iam for a cross-account principal offers no key policy fix', () => {
    const text = policy([
      DELEGATION,
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:*', Resource: '*' },
    ]);
    const findings = analyzePolicyText(text, { principals: ['arn:aws:iam::444455556666:role/Partner'] }).findings;
    assert.deepEqual(codes(findings), ['principal-relies-on-iam']);
    assert.deepEqual(findings[0].fixes, []);
  });

  it('policy-too-large above 32,768 bytes', () => {
    const statements: unknown[] = [DELEGATION];
    for (let i = 0; statements.length < 400; i++)
      statements.push({
        Sid: `S${i}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::111122223333:role/R${i}` },
        Action: 'kms:DescribeKey',
        Resource: '*',
      });
    const big = policy(statements);
    assert.ok(big.length > 32_768);
    const finding = analyzePolicyText(big).findings.find((f) => f.code === 'policy-too-large');
    assert.ok(finding);
    assert.equal(finding.severity, 'error');
    assert.deepEqual(
      analyzePolicyText(policy(statements.slice(0, 100))).findings.filter((f) => f.code === 'policy-too-large'),
      [],
    );
  });

  const invalid: [string, unknown][] = [
    ['no Statement', { Version: '2012-10-17' }],
    ['Statement of the wrong type', { Version: '2012-10-17', Statement: 'x' }],
    ['Effect not Allow/Deny', { Statement: [{ ...DELEGATION, Effect: 'Permit' }] }],
    ['neither Action nor NotAction', { Statement: [{ Effect: 'Allow', Principal: '*', Resource: '*' }] }],
    ['both Action and NotAction', { Statement: [{ ...DELEGATION, NotAction: 'kms:Decrypt' }] }],
    ['Action of the wrong type', { Statement: [{ ...DELEGATION, Action: { kms: true } }] }],
    ['Principal of the wrong shape', { Statement: [{ ...DELEGATION, Principal: 'arn:aws:iam::111122223333:root' }] }],
    [
      'unknown condition operator',
      { Statement: [{ ...DELEGATION, Condition: { StringIsh: { 'kms:ViaService': 'x' } } }] },
    ],
    ['a statement that is not an object', { Statement: [DELEGATION, 'x'] }],
    ['wrong Version', { Version: '2012-10-18', Statement: [DELEGATION] }],
    ['misspelt element', { Statement: [{ ...DELEGATION, Conditon: {} }] }],
  ];
  for (const [name, document] of invalid) {
    it(`invalid-policy: ${name}`, () => {
      const findings = analyzePolicyText(JSON.stringify(document, null, 2)).findings;
      assert.ok(
        findings.some((f) => f.code === 'invalid-policy' && f.severity === 'error'),
        JSON.stringify(findings),
      );
    });
  }
});

describe('analyzePolicyText: CloudFormation templates', () => {
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Root',
                Effect: 'Allow',
                Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } },
                Action: 'kms:*',
                Resource: '*',
              },
              {
                Sid: 'Use',
                Effect: 'Allow',
                Principal: { AWS: { 'Fn::GetAtt': ['AppRole', 'Arn'] } },
                Action: ['kms:Decrypt', 'kms:Encrypt'],
                Resource: '*',
              },
            ],
          },
        },
      },
      AppRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {},
          Policies: [
            {
              PolicyName: 'p',
              PolicyDocument: {
                Statement: [
                  { Effect: 'Allow', Action: 'ec2:StartInstances', Resource: '*' },
                  { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
                ],
              },
            },
          ],
        },
      },
      Managed: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: { Ref: 'Nothing' } }],
          },
        },
      },
    },
  };

  it('analyzes each embedded policy with ranges in the template', () => {
    const text = JSON.stringify(template, null, 2);
    const result = analyzePolicyText(text);
    assert.equal(result.kind, 'cloudformation');
    // AppRole's kms:CreateGrant has no kms:GrantIsForAWSResource: the role may grant the key to anyone.
    assert.deepEqual(codes(result.findings), ['missing-create-grant', 'unscoped-create-grant', 'missing-create-grant']);
    assert.match(textAt(text, result.findings[0]), /"Sid": "Use"/);
    assert.match(result.findings[0].message, /arn:aws:iam::\d{12}:role\/AppRole may use this key/);
    assert.match(textAt(text, result.findings[1]), /"Action": "kms:CreateGrant"/);
    assert.match(textAt(text, result.findings[2]), /"ec2:RunInstances"/);
  });

  it('a template without policies is not a policy', () => {
    assert.deepEqual(analyzePolicyText(JSON.stringify({ Resources: { B: { Type: 'AWS::S3::Bucket' } } })), {
      kind: 'not-a-policy',
      findings: [],
    });
  });
});
