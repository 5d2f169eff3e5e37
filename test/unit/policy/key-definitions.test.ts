import * as assert from 'node:assert/strict';
import { findKeyDefinitions, type KeyIdentity, type SourceFile } from '../../../src/core/policy/keyDefinitions';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY: KeyIdentity = {
  keyId: KEY_ID,
  arn: `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`,
  aliases: ['alias/ebs-volumes'],
  description: 'EBS volumes of the web tier',
  tags: { team: 'web', env: 'prod', 'aws:cloudformation:stack-name': 'web' },
};

/** The text a definition's range covers. */
const covered = (file: SourceFile, offset: number, length: number): string => file.text.slice(offset, offset + length);

const YAML_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  VolumeKey:
    Type: AWS::KMS::Key
    Properties:
      Description: something else
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Enable IAM User Permissions
            Effect: Allow
            Principal: { AWS: !Sub 'arn:aws:iam::\${AWS::AccountId}:root' }
            Action: 'kms:*'
            Resource: '*'
  VolumeKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/ebs-volumes
      TargetKeyId: !Ref VolumeKey
  OtherKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: { Version: '2012-10-17', Statement: [] }
`;

const JSON_TEMPLATE = JSON.stringify(
  {
    Resources: {
      DataKey: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: 'EBS volumes of the web tier',
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
          },
        },
      },
      Alias: {
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: 'alias/other', TargetKeyId: { 'Fn::GetAtt': ['DataKey', 'Arn'] } },
      },
    },
  },
  null,
  2,
);

const TERRAFORM = `# keys of the web tier
resource "aws_kms_key" "volumes" {
  description = "managed by terraform"
  tags = {
    team = "web"
    env  = "prod"
  }
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Sid = "Root", Effect = "Allow", Principal = { AWS = "*" }, Action = "kms:*", Resource = "*" }]
  })
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_key" "logs" {
  description = "logs"
  policy      = <<EOF
{ "Version": "2012-10-17", "Statement": [] }
EOF
}

resource "aws_kms_alias" "logs" {
  name          = "alias/ebs-volumes"
  target_key_id = aws_kms_key.logs.key_id
}
`;

describe('findKeyDefinitions', () => {
  it('CloudFormation YAML: the key an alias targets, with the range of its KeyPolicy', () => {
    const file = { path: 'infra/template.yaml', text: YAML_TEMPLATE };
    const found = findKeyDefinitions([file], { keyId: KEY_ID, aliases: ['alias/ebs-volumes'] });
    assert.equal(found.length, 1);
    assert.equal(found[0].resource, 'VolumeKey');
    assert.equal(found[0].matchedBy, 'alias');
    assert.equal(found[0].hasPolicy, true);
    const policy = covered(file, found[0].offset, found[0].length);
    assert.match(policy, /^Version: '2012-10-17'/);
    assert.match(policy, /Resource: '\*'$/);
  });

  it('CloudFormation JSON: the key by its description, not by an alias of another name', () => {
    const file = { path: 'cdk.out/Stack.template.json', text: JSON_TEMPLATE };
    const found = findKeyDefinitions([file], KEY);
    assert.deepEqual(
      found.map((d) => [d.resource, d.matchedBy]),
      [['DataKey', 'description']],
    );
    assert.deepEqual(JSON.parse(covered(file, found[0].offset, found[0].length)).Version, '2012-10-17');
  });

  it('Terraform: by alias (a heredoc policy) and by tags (a jsonencode policy), the alias first', () => {
    const file = { path: 'main.tf', text: TERRAFORM };
    const found = findKeyDefinitions([file], KEY);
    assert.deepEqual(
      found.map((d) => [d.resource, d.matchedBy]),
      [
        ['aws_kms_key.logs', 'alias'],
        ['aws_kms_key.volumes', 'tags'],
      ],
    );
    assert.match(covered(file, found[0].offset, found[0].length), /^<<EOF\n\{ "Version"[\s\S]*\nEOF$/);
    const jsonencode = covered(file, found[1].offset, found[1].length);
    assert.match(jsonencode, /^jsonencode\(\{/);
    assert.match(jsonencode, /\}\)$/);
  });

  it('Terraform: tags match only when every tag the code writes has the same value on the key', () => {
    const found = findKeyDefinitions([{ path: 'main.tf', text: TERRAFORM }], {
      keyId: KEY_ID,
      tags: { team: 'web', env: 'dev' },
    });
    assert.deepEqual(found, []);
  });

  it('Terraform state: the key id recorded for a resource leads to that resource in the .tf file', () => {
    const state = JSON.stringify({
      version: 4,
      terraform_version: '1.9.0',
      resources: [
        {
          mode: 'managed',
          type: 'aws_kms_key',
          name: 'logs',
          instances: [{ attributes: { key_id: 'ffff0000-0000-0000-0000-000000000000', arn: 'x' } }],
        },
        {
          mode: 'managed',
          type: 'aws_kms_key',
          name: 'volumes',
          instances: [{ attributes: { key_id: KEY_ID, arn: KEY.arn } }],
        },
      ],
    });
    const found = findKeyDefinitions(
      [
        { path: 'terraform.tfstate', text: state },
        { path: 'main.tf', text: TERRAFORM },
      ],
      { keyId: KEY_ID.toUpperCase() },
    );
    assert.deepEqual(
      found.map((d) => [d.path, d.resource, d.matchedBy]),
      [['main.tf', 'aws_kms_key.volumes', 'key-id']],
    );
  });

  it('a plan JSON (terraform show -json) identifies the key by its ARN, in a child module', () => {
    const plan = JSON.stringify({
      format_version: '1.2',
      planned_values: {
        root_module: {
          child_modules: [
            {
              resources: [
                { address: 'module.k.aws_kms_key.logs', type: 'aws_kms_key', name: 'logs', values: { arn: KEY.arn } },
              ],
            },
          ],
        },
      },
    });
    const found = findKeyDefinitions(
      [
        { path: 'plan.json', text: plan },
        { path: 'modules/k/main.tf', text: TERRAFORM },
      ],
      { keyId: KEY_ID, arn: KEY.arn },
    );
    assert.deepEqual(
      found.map((d) => [d.resource, d.matchedBy]),
      [['aws_kms_key.logs', 'key-id']],
    );
  });

  it('a separate aws_kms_key_policy holds the policy: the fix goes there', () => {
    const text = `resource "aws_kms_key" "k" {
  description = "EBS volumes of the web tier"
}
resource "aws_kms_key_policy" "k" {
  key_id = aws_kms_key.k.id
  policy = data.aws_iam_policy_document.k.json
}
`;
    const file = { path: 'kms.tf', text };
    const [found, ...rest] = findKeyDefinitions([file], KEY);
    assert.deepEqual(rest, []);
    assert.equal(found.resource, 'aws_kms_key_policy.k');
    assert.equal(covered(file, found.offset, found.length), 'data.aws_iam_policy_document.k.json');
  });

  it('a key the code writes no policy for: the range is the resource, hasPolicy false', () => {
    const file = {
      path: 'a.tf',
      text: 'resource "aws_kms_key" "k" {\n  description = "EBS volumes of the web tier"\n}\n',
    };
    const [found] = findKeyDefinitions([file], KEY);
    assert.equal(found.hasPolicy, false);
    assert.equal(covered(file, found.offset, found.length), file.text.trimEnd());
  });

  it('no match: other keys, other files, malformed and hostile texts find nothing and do not throw', () => {
    const files: SourceFile[] = [
      { path: 'template.yaml', text: YAML_TEMPLATE },
      { path: 'main.tf', text: TERRAFORM },
      {
        path: 'broken.tf',
        text: 'resource "aws_kms_key" "x" {\n  description = "EBS volumes of the web tier\n  tags = {{{{',
      },
      { path: 'broken.json', text: '{"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": ' },
      { path: 'deep.json', text: '['.repeat(100_000) },
      { path: 'heredoc.tf', text: 'resource "aws_kms_key" "h" {\n  policy = <<EOT\n}\n' },
      { path: 'package.json', text: '{"name": "x"}' },
    ];
    const found = findKeyDefinitions(files, {
      keyId: 'no-such-key',
      aliases: ['alias/none'],
      description: 'nothing',
      tags: { a: 'b' },
    });
    assert.deepEqual(found, []);
  });

  it('several matches are all offered, strongest first', () => {
    const files: SourceFile[] = [
      { path: 'main.tf', text: TERRAFORM },
      { path: 'template.yaml', text: YAML_TEMPLATE },
      { path: 'Stack.template.json', text: JSON_TEMPLATE },
    ];
    const found = findKeyDefinitions(files, KEY);
    assert.deepEqual(
      found.map((d) => `${d.path}:${d.resource}:${d.matchedBy}`),
      [
        'main.tf:aws_kms_key.logs:alias',
        'template.yaml:VolumeKey:alias',
        'Stack.template.json:DataKey:description',
        'main.tf:aws_kms_key.volumes:tags',
      ],
    );
  });
});
