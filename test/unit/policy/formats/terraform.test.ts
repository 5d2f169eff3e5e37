import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePolicyText, type Finding } from '../../../../src/core/policy';
import { applyEdits } from '../../../../src/core/policy/fixes';
import { analyzeSource } from '../../../../src/core/policy/formats';
import { analyzeTerraformText } from '../../../../src/core/policy/formats/terraform';
import {
  loadTerraformParser,
  SUPPORTED_ABI,
  terraformParser,
} from '../../../../src/core/policy/formats/terraformParser';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'iac');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);
const textAt = (text: string, f: Finding): string => text.slice(f.range.offset, f.range.offset + f.range.length);

/** Applies the first fix of the `index`-th finding with `code`, checking the result still reads as Terraform. */
function fixed(text: string, code: string, index = 0): string {
  const finding = analyzeTerraformText(text).findings.filter((f) => f.code === code)[index];
  assert.ok(finding, `no ${code} finding`);
  assert.ok(finding.fixes.length > 0, `the ${code} finding has no fix`);
  const after = applyEdits(text, finding.fixes[0].edits);
  const tree = terraformParser()?.parser.parse(after);
  assert.equal(tree?.rootNode.hasError, false, 'the fixed text parses as Terraform');
  tree?.delete();
  const again = analyzeTerraformText(after);
  assert.equal(again.kind, 'terraform');
  return after;
}

describe('policy formats: Terraform', () => {
  before(async function () {
    const { language } = await loadTerraformParser();
    // Recorded so a grammar update that changes it shows in the test log.
    console.log(`      tree-sitter-terraform ABI ${language.abiVersion}`);
  });

  it('loads the grammar with an ABI version the runtime reads', async () => {
    const { language } = await loadTerraformParser();
    assert.ok(language.abiVersion >= SUPPORTED_ABI.min && language.abiVersion <= SUPPORTED_ABI.max);
  });

  it('jsonencode: finds the missing grant; aws_iam_role.app.arn is the role the file names', () => {
    const text = fixture('key-jsonencode.tf');
    const result = analyzeTerraformText(text);
    assert.equal(result.kind, 'terraform');
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.match(textAt(text, result.findings[0]), /^\{\n\s+Sid\s+= "Allow use of the key"/);
    assert.match(result.findings[0].message, /arn:aws:iam::111122223333:role\/app/);
  });

  it('jsonencode: the statement goes in as an HCL object after the last one', () => {
    const after = fixed(fixture('key-jsonencode.tf'), 'missing-create-grant');
    assert.equal(after, fixture('key-jsonencode.after.tf'));
    // The role as the file names it, not an ARN made up with a stand-in account.
    assert.match(
      after,
      /Sid {7}= "AllowEC2GrantsForEncryptedVolumes"\n.*\n\s+Principal = \{ AWS = aws_iam_role\.app\.arn \}\n/,
    );
    assert.deepEqual(codes(analyzeTerraformText(after).findings), []);
  });

  it('jsonencode: the grant condition as an object entry, kms:CreateGrant split out of an Action list', () => {
    const before = fixture('key-unscoped-jsonencode.tf');
    assert.deepEqual(codes(analyzeTerraformText(before).findings), ['unscoped-create-grant', 'unscoped-create-grant']);
    const condition = fixed(before, 'unscoped-create-grant', 1);
    assert.equal(condition, fixture('key-unscoped-jsonencode-condition.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(condition).findings), ['unscoped-create-grant']);
    const split = fixed(before, 'unscoped-create-grant', 0);
    assert.equal(split, fixture('key-unscoped-jsonencode-split.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(split).findings), ['unscoped-create-grant']);
  });

  it('jsonencode: an IAM policy gets its grant statement in the [{ ... }] style it is written in', () => {
    const after = fixed(fixture('identity-jsonencode.tf'), 'missing-create-grant');
    assert.equal(after, fixture('identity-jsonencode.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(after).findings), []);
  });

  it('heredoc JSON: JSON edits inside the heredoc, the HCL around it kept', () => {
    const before = fixture('key-heredoc.tf');
    const [finding] = analyzeTerraformText(before).findings;
    assert.equal(finding.code, 'unscoped-create-grant');
    assert.match(textAt(before, finding), /^\{\n\s+"Sid": "Grants"/);
    const after = fixed(before, 'unscoped-create-grant');
    assert.equal(after, fixture('key-heredoc.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(after).findings), []);
  });

  it('aws_iam_policy_document: statement and condition blocks; a trust policy document is left alone', () => {
    const before = fixture('key-policy-document.tf');
    const result = analyzeTerraformText(before);
    assert.deepEqual(codes(result.findings), ['missing-create-grant', 'unscoped-create-grant']);
    assert.match(textAt(before, result.findings[0]), /^statement \{\n\s+sid\s+= "Allow use of the key"/);
    const grant = fixed(before, 'missing-create-grant');
    assert.equal(grant, fixture('key-policy-document-grant.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(grant).findings), ['unscoped-create-grant']);
    const condition = fixed(before, 'unscoped-create-grant');
    assert.equal(condition, fixture('key-policy-document-condition.after.tf'));
    assert.deepEqual(codes(analyzeTerraformText(condition).findings), ['missing-create-grant']);
    // Both fixes applied: nothing left, and nothing to apply a second time.
    const both = fixed(grant, 'unscoped-create-grant');
    assert.deepEqual(analyzeTerraformText(both).findings, []);
  });

  it('the delegation statement names the account through data.aws_caller_identity, as the file does', () => {
    const after = fixed(fixture('key-no-delegation.tf'), 'no-iam-delegation');
    assert.equal(after, fixture('key-no-delegation.after.tf'));
    assert.match(after, /AWS = "arn:aws:iam::\$\{data\.aws_caller_identity\.current\.account_id\}:root"/);
    assert.ok(!after.includes('111122223333'), 'no stand-in account is written');
    assert.deepEqual(codes(analyzeTerraformText(after).findings), []);
  });

  it("a role's inline_policy is an identity policy; its assume_role_policy is not checked", () => {
    const before = fixture('role-inline-policy.tf');
    const result = analyzeTerraformText(before);
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
    assert.ok(result.findings[0].range.offset > before.indexOf('inline_policy'));
    const after = fixed(before, 'missing-create-grant');
    assert.match(after, /\n {8}\},\n {8}\{\n {10}Sid {7}= "AllowEC2GrantsForEncryptedVolumes"\n/);
    assert.deepEqual(codes(analyzeTerraformText(after).findings), []);
  });

  it("AWS's console default key policy: no warning or error in HCL, as in JSON", () => {
    const hcl = analyzeTerraformText(fixture('console-default-key.tf'));
    assert.equal(hcl.kind, 'terraform');
    assert.deepEqual(
      hcl.findings.filter((f) => f.severity !== 'information'),
      [],
    );
    const json = analyzePolicyText(fixture(join('..', 'policies', 'console-default-key-policy.json')));
    assert.deepEqual(codes(hcl.findings), codes(json.findings));
  });

  it('unknown values match nothing and are no error; broken HCL gets no fixes; hostile input never throws', () => {
    const unknown =
      'resource "aws_kms_key" "k" {\n  policy = jsonencode({\n    Statement = [{\n      Effect = "Allow"\n      Principal = { AWS = var.admin }\n      Action = "kms:*"\n      Resource = "*"\n    }]\n  })\n}\n';
    const result = analyzeTerraformText(unknown);
    assert.equal(result.kind, 'terraform');
    assert.ok(!codes(result.findings).includes('invalid-policy'));
    const broken = `${fixture('key-jsonencode.tf')}\nresource "x" {\n`;
    const brokenResult = analyzeTerraformText(broken);
    assert.deepEqual(codes(brokenResult.findings), ['missing-create-grant']);
    assert.deepEqual(brokenResult.findings[0].fixes, []);
    assert.doesNotThrow(() => analyzeTerraformText(`x = ${'['.repeat(3000)}${']'.repeat(3000)}\n`));
    assert.doesNotThrow(() =>
      analyzeTerraformText(
        `resource "aws_kms_key" "k" {\n  policy = jsonencode(${'['.repeat(300)}${']'.repeat(300)})\n}\n`,
      ),
    );
    assert.equal(analyzeTerraformText('variable "x" {}\n').kind, 'not-a-policy');
    assert.equal(analyzeTerraformText('').kind, 'not-a-policy');
  });

  it('offsets count UTF-16 code units past non-ASCII text; CRLF and a byte order mark are kept', () => {
    const before = fixture('key-jsonencode.tf').replace('# The key', '# Clé 🔑 the key');
    const expected = fixture('key-jsonencode.after.tf').replace('# The key', '# Clé 🔑 the key');
    const [finding] = analyzeTerraformText(before).findings;
    assert.match(textAt(before, finding), /^\{\n\s+Sid\s+= "Allow use of the key"/);
    assert.equal(applyEdits(before, finding.fixes[0].edits), expected);
    const crlf = `\uFEFF${before.replace(/\n/g, '\r\n')}`;
    const [crlfFinding] = analyzeTerraformText(crlf).findings;
    assert.equal(applyEdits(crlf, crlfFinding.fixes[0].edits), `\uFEFF${expected.replace(/\n/g, '\r\n')}`);
  });

  it('analyzeSource loads the parser for the format it is given', async () => {
    const result = await analyzeSource(fixture('key-jsonencode.tf'), 'terraform');
    assert.deepEqual(codes(result.findings), ['missing-create-grant']);
  });
});
