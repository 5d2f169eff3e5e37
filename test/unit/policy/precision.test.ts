import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePolicyText, FINDING_SEVERITY, type Finding } from '../../../src/core/policy';
import { FINDING_HELP } from '../../../src/core/findingHelp';
import { applyEdits } from '../../../src/core/policy/fixes';

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'policies', name), 'utf8');
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);
const textAt = (text: string, f: Finding): string => text.slice(f.range.offset, f.range.offset + f.range.length);
const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const ADMINS = 'arn:aws:iam::111122223333:role/KMSKeyAdmins';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The console's key administrators statement, as the fixture (AWS's documentation) has it. */
function consoleAdminStatement(): Record<string, unknown> {
  const parsed = JSON.parse(fixture('console-default-key-policy.json')) as { Statement: Record<string, unknown>[] };
  const admin = parsed.Statement.find((s) => s.Sid === 'Allow access for Key Administrators');
  assert.ok(admin, 'the fixture has the key administrators statement');
  return admin;
}

describe("precision: AWS's console default key policy", () => {
  it('gives no warning or error, and one information finding on the administrators statement', () => {
    const text = fixture('console-default-key-policy.json');
    const { findings } = analyzePolicyText(text);
    assert.deepEqual(
      findings.filter((f) => f.severity !== 'information'),
      [],
    );
    assert.deepEqual(codes(findings), ['console-default-admin-create-grant']);
    assert.equal(FINDING_SEVERITY['console-default-admin-create-grant'], 'information');
    assert.match(textAt(text, findings[0]), /^\{\s*"Sid": "Allow access for Key Administrators"/);
    assert.match(
      findings[0].message,
      /kms:Create\* lets arn:aws:iam::111122223333:role\/KMSKeyAdmins call kms:CreateGrant/,
    );
  });

  it('has its own explanation, which says it is the default and still a path to the key', () => {
    const help = FINDING_HELP['console-default-admin-create-grant'].markdown;
    assert.match(help, /console writes/);
    assert.match(help, /real\s+path to the key/);
    assert.notEqual(help, FINDING_HELP['unscoped-create-grant'].markdown);
  });

  it('offers the Deny guard, not as the preferred fix, and the guarded policy has no finding left', () => {
    const text = fixture('console-default-key-policy.json');
    const [finding] = analyzePolicyText(text).findings;
    assert.equal(finding.fixes.length, 1);
    assert.equal(finding.fixes[0].isPreferred, false);
    const fixed = applyEdits(text, finding.fixes[0].edits);
    assert.deepEqual(analyzePolicyText(fixed).findings, []);
    assert.match(fixed, /"Sid": "DenyCreateGrantNotForAWSResource"/);
  });

  it('an administrators statement someone widened is unscoped-create-grant again', () => {
    const admin = consoleAdminStatement();
    const widened: Record<string, unknown>[] = [
      { ...admin, Action: [...(admin.Action as string[]), 'kms:CreateGrant'] },
      { ...admin, Action: [...(admin.Action as string[]), 'kms:Decrypt'] },
      { ...admin, Principal: { AWS: '*' } },
      { ...admin, Action: (admin.Action as string[]).filter((a) => a !== 'kms:Delete*') },
    ];
    for (const statement of widened) {
      const found = codes(analyzePolicyText(policy([statement])).findings);
      assert.ok(found.includes('unscoped-create-grant'), JSON.stringify(statement.Action));
      assert.ok(!found.includes('console-default-admin-create-grant'), JSON.stringify(statement.Action));
    }
    // Older consoles wrote fewer explicit actions: still AWS's statement.
    const older = { ...admin, Action: (admin.Action as string[]).filter((a) => a !== 'kms:RotateKeyOnDemand') };
    assert.deepEqual(
      codes(analyzePolicyText(policy([older])).findings).includes('console-default-admin-create-grant'),
      true,
    );
    assert.equal(JSON.stringify(admin.Principal), JSON.stringify({ AWS: ADMINS }));
  });
});

describe('precision: an identity policy allowing kms:CreateGrant directly', () => {
  it('a grant-only statement gets unscoped-create-grant and the condition, text exact', () => {
    const text = policy([
      { Sid: 'Grants', Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:ListGrants'], Resource: KEY_ARN },
    ]);
    const result = analyzePolicyText(text);
    assert.equal(result.kind, 'identity-policy');
    assert.deepEqual(codes(result.findings), ['unscoped-create-grant']);
    const [finding] = result.findings;
    assert.equal(finding.severity, 'warning');
    assert.match(finding.message, /whoever holds this policy call kms:CreateGrant directly/);
    assert.match(textAt(text, finding), /^\{\s*"Sid": "Grants"/);
    assert.deepEqual(
      finding.fixes.map((f) => [f.title, f.isPreferred]),
      [['Allow these grants only for AWS resources (Bool kms:GrantIsForAWSResource true)', true]],
    );
    assert.equal(
      applyEdits(text, finding.fixes[0].edits),
      `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Grants",
      "Effect": "Allow",
      "Action": [
        "kms:CreateGrant",
        "kms:ListGrants"
      ],
      "Resource": "${KEY_ARN}",
      "Condition": {
        "Bool": {
          "kms:GrantIsForAWSResource": true
        }
      }
    }
  ]
}`,
    );
  });

  it('a mixed action list: kms:CreateGrant moves to its own scoped statement, with no Principal, text exact', () => {
    const text = policy([
      {
        Sid: 'UseKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: KEY_ARN,
      },
    ]);
    const [finding] = analyzePolicyText(text).findings;
    assert.equal(finding.code, 'unscoped-create-grant');
    const fixed = applyEdits(text, finding.fixes[0].edits);
    assert.equal(
      fixed,
      `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "UseKey",
      "Effect": "Allow",
      "Action": [
        "kms:Decrypt",
        "kms:DescribeKey"
      ],
      "Resource": "${KEY_ARN}"
    },
    {
      "Sid": "AllowCreateGrantForAWSResources",
      "Effect": "Allow",
      "Action": "kms:CreateGrant",
      "Resource": "${KEY_ARN}",
      "Condition": {
        "Bool": {
          "kms:GrantIsForAWSResource": true
        }
      }
    }
  ]
}`,
    );
    assert.deepEqual(analyzePolicyText(fixed).findings, []);
  });

  it('kms:* is guarded by a Deny that names no principal, and the guarded policy is clean', () => {
    const text = policy([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]);
    const [finding] = analyzePolicyText(text).findings;
    assert.equal(finding.code, 'unscoped-create-grant');
    const fixed = applyEdits(text, finding.fixes[0].edits);
    const added = (JSON.parse(fixed) as { Statement: Record<string, unknown>[] }).Statement[1];
    assert.deepEqual(added, {
      Sid: 'DenyCreateGrantNotForAWSResource',
      Effect: 'Deny',
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': false } },
    });
    assert.deepEqual(analyzePolicyText(fixed).findings, []);
  });

  it('scoped by kms:GrantIsForAWSResource or by kms:ViaService: no finding', () => {
    for (const condition of [
      { Bool: { 'kms:GrantIsForAWSResource': true } },
      { StringEquals: { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' } },
    ]) {
      const text = policy([{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY_ARN, Condition: condition }]);
      assert.deepEqual(analyzePolicyText(text).findings, [], JSON.stringify(condition));
    }
  });

  it('a Deny of direct grants in the same policy leaves nothing to report', () => {
    const text = policy([
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY_ARN },
      {
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': false } },
      },
    ]);
    assert.deepEqual(codes(analyzePolicyText(text).findings), []);
  });

  it('names the holder when the person named a principal', () => {
    const role = 'arn:aws:iam::111122223333:role/App';
    const text = policy([{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY_ARN }]);
    const [finding] = analyzePolicyText(text, { principals: [role] }).findings;
    assert.deepEqual(finding.details, [`${role}: may create grants directly`]);
  });
});
