import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLint } from '../../../../src/cli/lint';
import { analyzePolicyText, type Finding } from '../../../../src/core/policy';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'iac');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);

async function lint(args: string[], files: Record<string, string>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runLint(args, {
    stdout: (s) => (stdout += s),
    stderr: () => undefined,
    readFile: async (path) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return files[path];
    },
  });
  return { code, stdout };
}

describe('policy formats: plan JSON, CDK output and the lint CLI', () => {
  it('a Terraform plan: each planned policy string of the root and child modules, named by address, without fixes', () => {
    const text = fixture('plan.json');
    const result = analyzePolicyText(text);
    assert.equal(result.kind, 'terraform-plan');
    assert.deepEqual(codes(result.findings), ['missing-create-grant', 'missing-create-grant']);
    const [key, policy] = result.findings;
    assert.match(key.message, /^aws_kms_key\.volumes: arn:aws:iam::111122223333:role\/app /);
    assert.match(policy.message, /^module\.launch\.aws_iam_policy\.launch: /);
    for (const finding of result.findings) {
      assert.deepEqual(finding.fixes, []);
      // The range is the policy string itself.
      const written = text.slice(finding.range.offset, finding.range.offset + finding.range.length);
      assert.match(written, /^"\{\\"Version\\":/);
    }
  });

  it('a state (terraform show -json of a state: values instead of planned_values) is read the same way', () => {
    const plan = JSON.parse(fixture('plan.json')) as { planned_values: unknown; format_version: string };
    const state = JSON.stringify({ format_version: plan.format_version, values: plan.planned_values }, null, 2);
    const result = analyzePolicyText(state);
    assert.equal(result.kind, 'terraform-plan');
    assert.deepEqual(codes(result.findings), ['missing-create-grant', 'missing-create-grant']);
  });

  it('a plan without policies, and JSON merely shaped like one, are not policies', () => {
    const empty = JSON.stringify({ format_version: '1.2', planned_values: { root_module: {} } });
    assert.equal(analyzePolicyText(empty).kind, 'not-a-policy');
    const odd = JSON.stringify({ format_version: 1, planned_values: { root_module: { resources: 'x' } } });
    assert.equal(analyzePolicyText(odd).kind, 'not-a-policy');
  });

  it('CDK output (cdk.out/*.template.json) is a CloudFormation template, whatever its name', async () => {
    const template = JSON.stringify(
      {
        Resources: {
          VolumeKey1A2B3C: {
            Type: 'AWS::KMS::Key',
            Properties: {
              KeyPolicy: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: {
                      AWS: {
                        'Fn::Join': [
                          '',
                          ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
                        ],
                      },
                    },
                    Action: 'kms:*',
                    Resource: '*',
                  },
                  {
                    Effect: 'Allow',
                    Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
                    Action: ['kms:Encrypt', 'kms:Decrypt'],
                    Resource: '*',
                  },
                ],
              },
            },
          },
        },
      },
      null,
      1,
    );
    const { code, stdout } = await lint(['cdk.out/AppStack.template.json', 'stack.template'], {
      'cdk.out/AppStack.template.json': template,
      'stack.template': template,
    });
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^cdk\.out\/AppStack\.template\.json:\d+:\d+ warning missing-create-grant /);
    assert.match(lines[1], /^stack\.template:\d+:\d+ warning missing-create-grant /);
  });

  it('lint reads YAML templates, Terraform files and plans by their names, with fixes in their own language', async () => {
    const files = {
      'key.yaml': fixture('key-block.template.yaml'),
      'key.yml': fixture('key-unscoped.template.yml'),
      'key.template': fixture('key-flow.template.yaml'),
      'main.tf': fixture('key-policy-document.tf'),
      'plan.json': fixture('plan.json'),
    };
    const { code, stdout } = await lint(['--format', 'json', ...Object.keys(files)], files);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as {
      files: { path: string; kind: string; findings: { code: string; fixes: { edits: { content: string }[] }[] }[] }[];
    };
    const byPath = new Map(report.files.map((f) => [f.path, f]));
    assert.deepEqual(
      [...byPath.values()].map((f) => [f.path, f.kind]),
      [
        ['key.yaml', 'cloudformation'],
        ['key.yml', 'cloudformation'],
        ['key.template', 'cloudformation'],
        ['main.tf', 'terraform'],
        ['plan.json', 'terraform-plan'],
      ],
    );
    const yamlFix = byPath.get('key.yaml')?.findings[0].fixes[0].edits[0].content ?? '';
    assert.match(yamlFix, /\n {10}- Sid: AllowEC2GrantsForEncryptedVolumes\n/);
    const hclFix = byPath.get('main.tf')?.findings[0].fixes[0].edits[0].content ?? '';
    assert.match(hclFix, /\n {2}statement \{\n {4}sid {7}= "AllowEC2GrantsForEncryptedVolumes"\n/);
  });
});
