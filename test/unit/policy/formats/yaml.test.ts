import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { analyzePolicyText, type Finding } from '../../../../src/core/policy';
import { applyEdits } from '../../../../src/core/policy/fixes';
import { analyzeYamlText } from '../../../../src/core/policy/formats/yaml';
import { sourceFormatOf } from '../../../../src/core/policy/formats/sourceFormat';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'iac');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);
const textAt = (text: string, f: Finding): string => text.slice(f.range.offset, f.range.offset + f.range.length);

/** Applies the first fix of the `index`-th finding with `code`; checks it goes away and the result parses. */
function fixed(text: string, code: string, index = 0): string {
  const finding = analyzeYamlText(text).findings.filter((f) => f.code === code)[index];
  assert.ok(finding, `no ${code} finding`);
  assert.ok(finding.fixes.length > 0, `the ${code} finding has no fix`);
  const after = applyEdits(text, finding.fixes[0].edits);
  assert.deepEqual(parseDocument(after).errors, [], 'the fixed text is valid YAML');
  const again = analyzeYamlText(after);
  assert.equal(again.kind, 'cloudformation');
  return after;
}

describe('policy formats: CloudFormation and SAM YAML', () => {
  it('finds the missing grant in a block-style template, with the range on the statement in the YAML', () => {
    const text = fixture('key-block.template.yaml');
    const result = analyzeYamlText(text);
    assert.equal(result.kind, 'cloudformation');
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.match(textAt(text, result.findings[0]), /^Sid: Allow use of the key\n/);
    // `!GetAtt AppRole.Arn` is the template's own role.
    assert.match(result.findings[0].message, /arn:aws:iam::111122223333:role\/app/);
  });

  it('block style: the statement goes in as block lines at the list indentation, comments and the rest kept', () => {
    const before = fixture('key-block.template.yaml');
    const after = fixed(before, 'missing-create-grant');
    assert.equal(after, fixture('key-block.after.yaml'));
    assert.deepEqual(codes(analyzeYamlText(after).findings), []);
    assert.ok(after.includes('# Account root: IAM policies of the account can use the key.'));
    assert.ok(after.startsWith(before.slice(0, before.indexOf('  AppRole:'))));
  });

  it('flow style: the statement goes in as flow YAML after the last one', () => {
    const after = fixed(fixture('key-flow.template.yaml'), 'missing-create-grant');
    assert.equal(after, fixture('key-flow.after.yaml'));
    assert.deepEqual(codes(analyzeYamlText(after).findings), []);
  });

  it('adds the grant condition to a block statement, and splits kms:CreateGrant out of a block Action list', () => {
    const before = fixture('key-unscoped.template.yml');
    assert.deepEqual(codes(analyzeYamlText(before).findings), [
      'no-iam-delegation',
      'unscoped-create-grant',
      'unscoped-create-grant',
    ]);
    const condition = fixed(before, 'unscoped-create-grant', 1);
    assert.equal(condition, fixture('key-unscoped-condition.after.yml'));
    assert.deepEqual(codes(analyzeYamlText(condition).findings), ['no-iam-delegation', 'unscoped-create-grant']);
    const split = fixed(before, 'unscoped-create-grant', 0);
    assert.equal(split, fixture('key-unscoped-split.after.yml'));
    assert.deepEqual(codes(analyzeYamlText(split).findings), ['no-iam-delegation', 'unscoped-create-grant']);
  });

  it('writes the delegation principal as the file writes intrinsics: long form, or a !Sub tag', () => {
    const long = fixed(fixture('key-unscoped.template.yml'), 'no-iam-delegation');
    assert.equal(long, fixture('key-unscoped-delegation.after.yml'));
    assert.match(long, /Fn::Sub: arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:root/);
    const short = fixed(fixture('short-forms-no-delegation.template.yaml'), 'no-iam-delegation');
    assert.equal(short, fixture('short-forms-delegation.after.yaml'));
    assert.match(short, /AWS: !Sub arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:root\n/);
    assert.deepEqual(codes(analyzeYamlText(short).findings), []);
  });

  it('an IAM role of a SAM template: its inline policy is checked, its trust policy is not', () => {
    const before = fixture('identity-role.template.yaml');
    const result = analyzeYamlText(before);
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.match(textAt(before, result.findings[0]), /^Effect: Allow\n\s+Action: ec2:RunInstances/);
    const after = fixed(before, 'missing-create-grant');
    assert.equal(after, fixture('identity-role.after.yaml'));
    assert.match(after, /Resource:\n\s+- !GetAtt VolumeKey\.Arn\n/);
    assert.deepEqual(codes(analyzeYamlText(after).findings), []);
  });

  it('!If: both branches are checked; !Join over !Ref parts is the account root', () => {
    const text = fixture('conditional-key.template.yaml');
    const result = analyzeYamlText(text);
    // The production branch delegates to the account (a !Join of !Ref parts) and names no user: nothing to say.
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.match(textAt(text, result.findings[0]), /^Sid: Dev users\n/);
    assert.ok(result.findings[0].range.offset > text.indexOf('- Version', text.indexOf('- Version') + 1));
  });

  it("AWS's console default key policy: no warning or error in YAML, as in JSON", () => {
    const yaml = analyzeYamlText(fixture('console-default-key.template.yaml'));
    assert.equal(yaml.kind, 'cloudformation');
    assert.deepEqual(
      yaml.findings.filter((f) => f.severity !== 'information'),
      [],
    );
    const json = analyzePolicyText(
      readFileSync(join(FIXTURES, '..', 'policies', 'console-default-key-policy.json'), 'utf8'),
    );
    assert.deepEqual(codes(yaml.findings), codes(json.findings));
  });

  it('applying a fix twice changes nothing: the fixed text offers no fix for the finding any more', () => {
    const once = fixed(fixture('key-block.template.yaml'), 'missing-create-grant');
    const findings = analyzeYamlText(once).findings;
    assert.equal(findings.filter((f) => f.code === 'missing-create-grant').length, 0);
    assert.equal(findings.flatMap((f) => f.fixes).length, 0);
  });

  it('keeps CRLF line endings and reads past a byte order mark', () => {
    const crlf = fixture('key-block.template.yaml').replace(/\n/g, '\r\n');
    const after = fixed(crlf, 'missing-create-grant');
    assert.equal(after, fixture('key-block.after.yaml').replace(/\n/g, '\r\n'));
    const bom = `\uFEFF${fixture('key-block.template.yaml')}`;
    const [finding] = analyzeYamlText(bom).findings;
    assert.match(textAt(bom, finding), /^Sid: Allow use of the key/);
    assert.equal(applyEdits(bom, finding.fixes[0].edits), `\uFEFF${fixture('key-block.after.yaml')}`);
  });

  it('broken YAML still gets findings where it parses, but no fixes', () => {
    const text = `${fixture('key-block.template.yaml')}  Broken: [unclosed\n`;
    const result = analyzeYamlText(text);
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.deepEqual(result.findings[0].fixes, []);
  });

  it('never throws on hostile YAML: deep nesting, aliases, unknown tags, non-templates', () => {
    const deep = `Resources:\n  K: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    assert.doesNotThrow(() => analyzeYamlText(deep));
    const aliases =
      'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: *c\n';
    assert.deepEqual(analyzeYamlText(aliases).findings, []);
    assert.equal(analyzeYamlText('name: build\non: [push]\n').kind, 'not-a-policy');
    assert.equal(analyzeYamlText('!Whatever\n').kind, 'not-a-policy');
    assert.equal(analyzeYamlText('').kind, 'not-a-policy');
    const long = analyzeYamlText(fixture('key-block.template.yaml'), { maxLength: 100 });
    assert.deepEqual(codes(long.findings), ['analysis-failed']);
  });

  it('picks the reader by language id and file name, a .template by its content', () => {
    const table: [string, string | undefined, string | undefined, string | undefined][] = [
      ['stack.yaml', 'yaml', 'Resources: {}', 'yaml'],
      ['stack.yml', undefined, 'Resources: {}', 'yaml'],
      ['stack.yaml', 'yaml', '{"Resources": {}}', 'json'],
      ['stack.template', 'plaintext', '{"Resources": {}}', 'json'],
      ['stack.template', 'plaintext', 'Resources: {}', 'yaml'],
      ['main.tf', 'plaintext', 'resource "x" "y" {}', 'terraform'],
      ['main.tf', 'terraform', undefined, 'terraform'],
      ['cdk.out/App.template.json', 'json', '{}', 'json'],
      ['plan.json', undefined, '{}', 'json'],
      ['notes.txt', 'plaintext', 'text', undefined],
    ];
    for (const [name, language, text, expected] of table)
      assert.equal(sourceFormatOf(name, language, text), expected, `${name} (${language})`);
  });
});
