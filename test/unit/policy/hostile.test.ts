/**
 * Hostile inputs: minified, wide, deeply nested, `${`-heavy, `__proto__`, UTF-16 and byte
 * order marks, CloudFormation conditions. Each must be analyzed to the end, a policy must
 * never pass for "not a policy", and every fix offered must have edits whose result parses
 * and no longer reports the finding. How long they take is measured by the benchmark
 * (test/bench/policy.ts), not here.
 */
import * as assert from 'node:assert/strict';
import { parseTree, type ParseError } from 'jsonc-parser';
import { decodeText, runLint } from '../../../src/cli/lint';
import {
  analyzePolicyText,
  evaluateCreateGrant,
  type AnalyzeOptions,
  type Finding,
  type TextEdit,
} from '../../../src/core/policy';
import { applyEdits } from '../../../src/core/policy/fixes';
import { MAX_ANALYZED_TEXT_LENGTH, MAX_NESTING_DEPTH } from '../../../src/core/policy/limits';
import { substitute } from '../../../src/core/policy/values';
import { minifiedKeyPolicyText } from '../../bench/policyFixtures';
import { pick, seededRandom } from './generators';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/App`;
const DELEGATION = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};

function parses(text: string): boolean {
  const errors: ParseError[] = [];
  parseTree(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true });
  return errors.length === 0;
}

const count = (findings: Finding[], code: string): number => findings.filter((f) => f.code === code).length;

/** Analyzes `text`; checks the kind, and that every fix has edits, leaves JSON and removes its finding. */
function assertSound(text: string, expectedKind: string, options: AnalyzeOptions = {}): Finding[] {
  const { kind, findings } = analyzePolicyText(text, options);
  assert.equal(kind, expectedKind);
  for (const finding of findings) {
    for (const fix of finding.fixes) {
      assert.ok(fix.edits.length > 0, `"${fix.title}" has no edits`);
      for (const e of fix.edits) assert.ok(e.length > 0 || e.content.length > 0, `"${fix.title}" has an empty edit`);
      const fixed = applyEdits(text, fix.edits);
      assert.ok(parses(fixed), `"${fix.title}" leaves text that does not parse`);
      const after = analyzePolicyText(fixed, options).findings;
      assert.ok(
        count(after, finding.code) < count(findings, finding.code),
        `"${fix.title}" leaves its ${finding.code}`,
      );
    }
  }
  return findings;
}

describe('hostile inputs', () => {
  it('a minified 32 KB key policy: fixes insert at a point, on the one line', () => {
    const text = minifiedKeyPolicyText(32_768);
    assert.ok(!text.includes('\n'));
    const findings = assertSound(text, 'key-policy');
    const fixes = findings.flatMap((f) => f.fixes);
    assert.ok(fixes.length > 10);
    for (const fix of fixes) {
      for (const e of fix.edits)
        assert.ok(e.length < 100 && !e.content.includes('\n'), `"${fix.title}" rewrites more than its insertion`);
    }
  });

  it('a wide policy: 150 statements, each naming principals of its own', () => {
    const statements: Record<string, unknown>[] = [DELEGATION];
    for (let i = 0; i < 150; i++) {
      statements.push({
        Sid: `S${i}`,
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/r${i}`, `arn:aws:iam::${ACCOUNT}:user/u${i}`] },
        Action: 'kms:Decrypt',
        Resource: '*',
      });
    }
    const findings = assertSound(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'key-policy');
    assert.equal(count(findings, 'missing-create-grant'), 150);
  });

  it('Sids already numbered to 2,000: every fix names the next free one', () => {
    const statements = Array.from({ length: 2000 }, (_, i) => ({
      Sid: `AllowEC2GrantsForEncryptedVolumes${i === 0 ? '' : i + 1}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/r${i}` },
      Action: 'kms:Decrypt',
      Resource: '*',
    }));
    const findings = analyzePolicyText(
      JSON.stringify({ Version: '2012-10-17', Statement: [DELEGATION, ...statements] }),
    ).findings;
    const titles = new Set(
      findings
        .filter((f) => f.code === 'missing-create-grant')
        .flatMap((f) => f.fixes.map((fix) => fix.title.split('"')[1])),
    );
    assert.deepEqual([...titles], ['AllowEC2GrantsForEncryptedVolumes2001']);
  });

  it(`nesting deeper than ${MAX_NESTING_DEPTH} levels: analysis-failed, never "not a policy"`, () => {
    const deepArray = `{"Statement":[${'['.repeat(2000)}${']'.repeat(2000)}]}`;
    const deepCondition = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ ...DELEGATION, Condition: {} }],
    }).replace('"Condition":{}', `"Condition":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`);
    for (const text of [deepArray, deepCondition]) {
      const { kind, findings } = analyzePolicyText(text);
      assert.equal(kind, 'not-analyzed');
      assert.deepEqual(
        findings.map((f) => [f.code, f.severity]),
        [['analysis-failed', 'error']],
      );
      assert.match(findings[0].message, /nests 200[0-9] levels deep/);
    }
    // Deep data that is no policy at all stays "not a policy".
    assert.deepEqual(analyzePolicyText(`{"data":${'['.repeat(5000)}${']'.repeat(5000)}}`), {
      kind: 'not-a-policy',
      findings: [],
    });
  });

  it('a text over maxLength (the editor passes MAX_ANALYZED_TEXT_LENGTH): analysis-failed when shaped like a policy', () => {
    const text = minifiedKeyPolicyText(32_768);
    const { kind, findings } = analyzePolicyText(text, { maxLength: 10_000 });
    assert.equal(kind, 'not-analyzed');
    assert.deepEqual(
      findings.map((f) => f.code),
      ['analysis-failed'],
    );
    assert.match(findings[0].message, /it has [\d,]+ characters, more than the 10,000 analyzed as you type/);
    assert.deepEqual(analyzePolicyText(JSON.stringify({ data: 'x'.repeat(20_000) }), { maxLength: 10_000 }), {
      kind: 'not-a-policy',
      findings: [],
    });
    assert.equal(analyzePolicyText(text, { maxLength: MAX_ANALYZED_TEXT_LENGTH }).kind, 'key-policy');
  });

  it('nesting just within the limit is analyzed', () => {
    const depth = MAX_NESTING_DEPTH - 6;
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [{ ...DELEGATION, Sid: 'x' }] }).replace(
      '"Sid":"x"',
      `"Sid":"x","Condition":{"StringEquals":{"aws:x":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    );
    assert.equal(analyzePolicyText(text).kind, 'key-policy');
  });

  it('"${" without "}" in conditions and in Fn::Sub', () => {
    const dollars = '${'.repeat(20_000);
    const key = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        DELEGATION,
        {
          Effect: 'Allow',
          Principal: { AWS: ROLE },
          Action: ['kms:Decrypt', 'kms:CreateGrant'],
          Resource: '*',
          Condition: { StringLike: { 'aws:PrincipalArn': dollars } },
        },
      ],
    });
    assertSound(key, 'key-policy', { principals: [ROLE] });
    const template = JSON.stringify({
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: {
            KeyPolicy: {
              Version: '2012-10-17',
              Statement: [{ ...DELEGATION, Principal: { AWS: { 'Fn::Sub': dollars } } }],
            },
          },
        },
      },
    });
    assertSound(template, 'cloudformation');
  });

  it('the one-pass ${...} scanner replaces exactly what the regular expression did', () => {
    const random = seededRandom(7);
    const subRegex = /\$\{([^}!][^}]*)\}/g;
    const anyRegex = /\$\{([^}]*)\}/g;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: Math.floor(random() * 24) }, () =>
        pick(random, ['$', '{', '}', '!', 'a', '${', '${!']),
      ).join('');
      assert.equal(
        substitute(text, (name) => (name.length > 0 && name[0] !== '!' ? `<${name}>` : undefined)),
        text.replace(subRegex, (_m, name: string) => `<${name}>`),
        text,
      );
      assert.equal(
        substitute(text, (name) => `<${name}>`),
        text.replace(anyRegex, (_m, name: string) => `<${name}>`),
        text,
      );
    }
  });

  it('"__proto__" as a condition key or operator keeps its condition (an Allow stays conditional, a Deny applies as AWS applies it)', () => {
    const allow = (condition: string): string =>
      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${ROLE}"},"Action":"kms:CreateGrant","Resource":"*","Condition":${condition}}]}`;
    for (const condition of [
      '{"StringEquals":{"__proto__":"x"}}',
      '{"__proto__":{"kms:GrantIsForAWSResource":"false"}}',
    ]) {
      assert.equal(evaluateCreateGrant(allow(condition), ROLE, { region: 'us-east-1' }).verdict, 'denied', condition);
      assert.equal(
        evaluateCreateGrant(JSON.parse(allow(condition)), ROLE, { region: 'us-east-1' }).verdict,
        'denied',
        condition,
      );
      const findings = analyzePolicyText(allow(condition), { principals: [ROLE] }).findings;
      assert.ok(
        findings.some((f) => f.code === 'principal-cannot-create-grant'),
        condition,
      );
    }
    // A Deny whose condition tests a key the request lacks does not apply (StringEquals on an absent key is false).
    const deny = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${ROLE}"},"Action":"kms:CreateGrant","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"kms:CreateGrant","Resource":"*","Condition":{"StringEquals":{"__proto__":"x"}}}]}`;
    assert.equal(evaluateCreateGrant(deny, ROLE, { region: 'us-east-1' }).verdict, 'allowed');
    assert.equal(count(analyzePolicyText(deny).findings, 'create-grant-denied'), 0);
    // And as an element name it is reported, not dropped.
    const element = `{"Version":"2012-10-17","Statement":[{"__proto__":{"Effect":"Deny"},"Effect":"Allow","Principal":{"AWS":"${ROLE}"},"Action":"kms:Decrypt","Resource":"*"}]}`;
    assert.ok(
      analyzePolicyText(element).findings.some((f) => f.code === 'invalid-policy' && /"__proto__"/.test(f.message)),
    );
  });

  it('a UTF-8 byte order mark: same findings, fixes offered, ranges count the mark', () => {
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }],
      },
      null,
      2,
    );
    const plain = analyzePolicyText(text).findings;
    const marked = assertSound(`\uFEFF${text}`, 'key-policy');
    assert.deepEqual(
      marked.map((f) => [f.code, f.range.offset - 1, f.fixes.length]),
      plain.map((f) => [f.code, f.range.offset, f.fixes.length]),
    );
    assert.ok(marked.some((f) => f.fixes.length > 0));
  });

  it('UTF-16 files with a byte order mark (Windows PowerShell 5 `>`) are read as policies by lint', async () => {
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [DELEGATION, { Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' }],
      },
      null,
      2,
    );
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    const files: Record<string, Uint8Array> = {
      'le.json': le,
      'be.json': Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
      'bom8.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    };
    let stdout = '';
    const code = await runLint(['--format', 'json', ...Object.keys(files)], {
      stdout: (s) => (stdout += s),
      stderr: () => undefined,
      readFile: async (path) => files[path],
    });
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as {
      files: {
        path: string;
        kind: string;
        findings: {
          code: string;
          range: { start: { line: number; character: number } };
          fixes: { edits: TextEdit[] }[];
        }[];
      }[];
    };
    for (const file of report.files) {
      assert.equal(file.kind, 'key-policy');
      assert.deepEqual(
        file.findings.map((f) => [f.code, f.range.start]),
        [['create-grant-denied', { line: 12, character: 4 }]],
      );
      // The offsets are those of the decoded text, its byte order mark included: the fix applies there.
      const decoded = decodeText(files[file.path]);
      assert.equal(decoded.charCodeAt(0), 0xfeff);
      const fixed = applyEdits(decoded, file.findings[0].fixes[0].edits);
      assert.ok(parses(fixed), file.path);
      assert.equal(count(analyzePolicyText(fixed).findings, 'create-grant-denied'), 0, file.path);
    }
  });

  it('a KeyPolicy given as Fn::If is one of two policies: both are checked, a valid template has no error', () => {
    const good = { Version: '2012-10-17', Statement: [DELEGATION] };
    const denying = {
      Version: '2012-10-17',
      Statement: [DELEGATION, { Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' }],
    };
    const template = (policy: unknown): string =>
      JSON.stringify(
        {
          Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
          Resources: { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy } } },
        },
        null,
        2,
      );
    assert.deepEqual(assertSound(template({ 'Fn::If': ['Prod', good, good] }), 'cloudformation'), []);
    assert.deepEqual(
      assertSound(template({ 'Fn::If': ['Prod', good, { Ref: 'AWS::NoValue' }] }), 'cloudformation'),
      [],
    );
    const text = template({ 'Fn::If': ['Prod', good, denying] });
    const findings = assertSound(text, 'cloudformation');
    assert.deepEqual(
      findings.map((f) => f.code),
      ['create-grant-denied'],
    );
    assert.ok(findings[0].range.offset > text.indexOf('"Deny"') - 60);
  });
});
