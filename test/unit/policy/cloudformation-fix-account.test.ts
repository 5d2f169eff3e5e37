import * as assert from 'node:assert/strict';
import { analyzePolicyText } from '../../../src/core/policy';
import { applyEdits } from '../../../src/core/policy/fixes';

const BEFORE = `{
  "Resources": {
    "VolumeKey": {
      "Type": "AWS::KMS::Key",
      "Properties": {
        "KeyPolicy": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "Enable IAM User Permissions",
              "Effect": "Allow",
              "Principal": { "AWS": { "Fn::Sub": "arn:aws:iam::\${AWS::AccountId}:root" } },
              "Action": "kms:*",
              "Resource": "*"
            },
            {
              "Sid": "Allow use of the key",
              "Effect": "Allow",
              "Principal": { "AWS": { "Fn::Sub": "arn:aws:iam::\${AWS::AccountId}:role/AppDeployer" } },
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
              "Resource": "*"
            }
          ]
        }
      }
    }
  }
}
`;

const AFTER = `{
  "Resources": {
    "VolumeKey": {
      "Type": "AWS::KMS::Key",
      "Properties": {
        "KeyPolicy": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "Enable IAM User Permissions",
              "Effect": "Allow",
              "Principal": { "AWS": { "Fn::Sub": "arn:aws:iam::\${AWS::AccountId}:root" } },
              "Action": "kms:*",
              "Resource": "*"
            },
            {
              "Sid": "Allow use of the key",
              "Effect": "Allow",
              "Principal": { "AWS": { "Fn::Sub": "arn:aws:iam::\${AWS::AccountId}:role/AppDeployer" } },
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
              "Resource": "*"
            },
            {
              "Sid": "AllowEC2GrantsForEncryptedVolumes",
              "Effect": "Allow",
              "Principal": {
                "AWS": {
                  "Fn::Sub": "arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/AppDeployer"
                }
              },
              "Action": "kms:CreateGrant",
              "Resource": "*",
              "Condition": {
                "Bool": {
                  "kms:GrantIsForAWSResource": true
                }
              }
            }
          ]
        }
      }
    }
  }
}
`;

function grantFix(text: string, principals?: string[]) {
  const finding = analyzePolicyText(text, { principals }).findings.find((f) => f.code === 'missing-create-grant');
  assert.ok(finding, 'missing-create-grant is reported');
  const fix = finding.fixes.find((f) => f.title.startsWith('Add statement "AllowEC2GrantsForEncryptedVolumes"'));
  assert.ok(fix, finding.fixes.map((f) => f.title).join(' | '));
  return fix;
}

describe('CloudFormation quick fix: the template names its own account', () => {
  it('writes the principal with Fn::Sub over AWS::Partition and AWS::AccountId, never a stand-in account', () => {
    const fix = grantFix(BEFORE);
    const after = applyEdits(BEFORE, fix.edits);
    assert.equal(after, AFTER);
    assert.doesNotMatch(after, /111122223333|123456789012/);
    assert.doesNotMatch(fix.title, /111122223333|123456789012/);
    // The fixed template no longer has the finding.
    assert.ok(!analyzePolicyText(after).findings.some((f) => f.code === 'missing-create-grant'));
  });

  it('keeps the template form when the principals setting names the account', () => {
    const fix = grantFix(BEFORE, ['arn:aws:iam::111111111111:role/AppDeployer']);
    assert.equal(applyEdits(BEFORE, fix.edits), AFTER);
  });
});
