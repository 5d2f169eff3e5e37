import * as assert from 'node:assert/strict';
import { LINT_USAGE, runLint, parseLintArguments } from '../../../src/cli/lint';
import { FINDING_HELP } from '../../../src/core/findingHelp';
import { FINDING_CODES, type FindingCode } from '../../../src/core/policy';
import { lineStarts, positionAt } from '../../../src/core/policy/output';

const DELEGATION = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: 'kms:*',
  Resource: '*',
};
const CLEAN = JSON.stringify({ Version: '2012-10-17', Statement: [DELEGATION] }, null, 2);
const DENIED = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [DELEGATION, { Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' }],
  },
  null,
  2,
);
const WARN = JSON.stringify(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:StartInstances', Resource: '*' }] },
  null,
  2,
);

async function lint(
  args: string[],
  files: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runLint(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readFile: async (path) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return files[path];
    },
  });
  return { code, stdout, stderr };
}

describe('cli lint', () => {
  it('exit 0 and no output for a clean policy', async () => {
    assert.deepEqual(await lint(['clean.json'], { 'clean.json': CLEAN }), { code: 0, stdout: '', stderr: '' });
  });

  it('text: path:line:col severity code message, exit 1 on an error finding', async () => {
    const result = await lint(['clean.json', 'deny.json'], { 'clean.json': CLEAN, 'deny.json': DENIED });
    assert.equal(result.code, 1);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^deny\.json:13:5 error create-grant-denied This Deny blocks/);
  });

  it('exit 0 when findings are only warnings', async () => {
    const result = await lint(['w.json'], { 'w.json': WARN });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^w\.json:4:5 warning missing-create-grant /);
  });

  it('json: zero-based ranges and fixes', async () => {
    const result = await lint(['--format', 'json', 'w.json'], { 'w.json': WARN });
    const report = JSON.parse(result.stdout);
    assert.equal(report.files.length, 1);
    const [file] = report.files;
    assert.equal(file.path, 'w.json');
    assert.equal(file.kind, 'identity-policy');
    const [finding] = file.findings;
    assert.equal(finding.code, 'missing-create-grant');
    assert.equal(finding.severity, 'warning');
    assert.deepEqual(finding.range, { start: { line: 3, character: 4 }, end: { line: 7, character: 5 } });
    assert.equal(finding.fixes.length, 1);
    assert.deepEqual(Object.keys(finding.fixes[0].edits[0]), ['offset', 'length', 'content']);
  });

  it('sarif: a 2.1.0 log with rules, results and fixes', async () => {
    const result = await lint(['--format=sarif', 'deny.json', 'w.json'], { 'deny.json': DENIED, 'w.json': WARN });
    assert.equal(result.code, 1);
    const log = JSON.parse(result.stdout);
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'ec2-launch-doctor');
    assert.deepEqual(
      run.tool.driver.rules.map((r: { id: string }) => r.id),
      [...FINDING_CODES],
    );
    for (const rule of run.tool.driver.rules) {
      assert.equal(rule.help.markdown, FINDING_HELP[rule.id as FindingCode].markdown);
      assert.ok(rule.fullDescription.text.length > 40 && !rule.fullDescription.text.includes('\n'), rule.id);
    }
    assert.deepEqual(
      run.results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level]),
      [
        ['create-grant-denied', 'error'],
        ['missing-create-grant', 'warning'],
      ],
    );
    const region = run.results[0].locations[0].physicalLocation.region;
    assert.equal(region.startLine, 13);
    assert.equal(region.startColumn, 5);
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'deny.json');
    assert.equal(run.results[1].fixes[0].artifactChanges[0].replacements.length, 1);
  });

  it('--principal adds the per-principal findings', async () => {
    const result = await lint(['--principal', 'arn:aws:iam::444455556666:user/x', 'clean.json'], {
      'clean.json': CLEAN,
    });
    assert.equal(result.code, 1);
    assert.match(result.stdout, / error principal-cannot-create-grant arn:aws:iam::444455556666:user\/x cannot/);
  });

  it('text output shows control and bidi characters from the file as escapes, never raw', async () => {
    const hostile = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          DELEGATION,
          {
            Sid: 'x',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:CreateGrant',
            Resource: '*',
            'Evil\u001b[2J\u0007\r\u009b\u202e': 1,
          },
        ],
      },
      null,
      2,
    );
    const result = await lint(['h\u001b.json'], { 'h\u001b.json': hostile });
    assert.match(
      result.stdout,
      /Unknown statement element "Evil\\u\{001B\}\[2J\\u\{0007\}\\u\{000D\}\\u\{009B\}\\u\{202E\}"/,
    );
    assert.match(result.stdout, /^h\\u\{001B\}\.json:/);
    const unprintable = [...result.stdout.replace(/\n/g, '')].filter(
      (c) =>
        c.charCodeAt(0) < 0x20 ||
        (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) ||
        /[\u202a-\u202e\u2066-\u2069]/.test(c),
    );
    assert.deepEqual(unprintable, []);
  });

  it('exit 2, with an analysis-failed finding, for a policy nested too deeply to analyze', async () => {
    const deep = `{"Statement":[${'['.repeat(3000)}${']'.repeat(3000)}]}`;
    const result = await lint(['deep.json', 'w.json'], { 'deep.json': deep, 'w.json': WARN });
    assert.equal(result.code, 2);
    assert.match(
      result.stdout,
      /^deep\.json:1:1 error analysis-failed EC2 Launch Doctor could not analyze this file: it nests 300[0-9] levels deep/m,
    );
    assert.match(result.stdout, /^w\.json:4:5 warning missing-create-grant /m);
  });

  it('exit 2 for an unreadable file, the other files are still reported', async () => {
    const result = await lint(['missing.json', 'w.json'], { 'w.json': WARN });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read missing\.json: no such file/);
    assert.match(result.stdout, /^w\.json:/);
  });

  for (const [args, message] of [
    [[], /no FILE given/],
    [['--format', 'xml', 'a.json'], /--format must be one of text, json, sarif/],
    [['--principal'], /--principal needs a value/],
    [['--principal', 'bob', 'a.json'], /--principal expects/],
    [['--verbose', 'a.json'], /unknown option --verbose/],
    [['--verbose=1', 'a.json'], /unknown option --verbose/],
    [['--principal', '--format', 'json', 'a.json'], /--principal needs a value/],
    [['--region', 'Mars', 'a.json'], /--region expects a Region/],
  ] as [string[], RegExp][]) {
    it(`exit 2 for usage error: ${args.join(' ') || '(nothing)'}`, async () => {
      const result = await lint(args, {});
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /usage: ec2-launch-doctor lint/);
      assert.equal(result.stdout, '');
    });
  }

  it('--help prints the usage on stdout, exit 0', async () => {
    const result = await lint(['--help'], {});
    assert.deepEqual(result, { code: 0, stdout: `${LINT_USAGE}\n`, stderr: '' });
  });

  it('parses repeated principals, --region and files after --', () => {
    assert.deepEqual(
      parseLintArguments([
        '--principal',
        '111122223333',
        '--principal=arn:aws:iam::111122223333:role/R',
        '--region',
        'eu-west-1',
        '--',
        '--odd.json',
      ]),
      {
        principals: ['111122223333', 'arn:aws:iam::111122223333:role/R'],
        region: 'eu-west-1',
        format: 'text',
        files: ['--odd.json'],
      },
    );
  });
});

describe('offset to line/character', () => {
  it('handles \\n, \\r\\n and \\r like LSP', () => {
    const text = 'a\nbc\r\nd\re';
    const starts = lineStarts(text);
    assert.deepEqual(starts, [0, 2, 6, 8]);
    assert.deepEqual(positionAt(starts, 0, text.length), { line: 0, character: 0 });
    assert.deepEqual(positionAt(starts, 3, text.length), { line: 1, character: 1 });
    assert.deepEqual(positionAt(starts, 7, text.length), { line: 2, character: 1 });
    assert.deepEqual(positionAt(starts, 9, text.length), { line: 3, character: 1 });
    assert.deepEqual(positionAt(starts, 99, text.length), { line: 3, character: 1 });
  });
});

describe('lint: a file that is not a policy', () => {
  it('says it was skipped, on stderr, and still exits 0 with JSON output intact', async () => {
    const { code, stdout, stderr } = await lint(['--format', 'json', 'package.json', 'key.json'], {
      'package.json': '{"name": "x", "version": "1.0.0"}',
      'key.json': CLEAN,
    });
    assert.equal(code, 0);
    assert.equal(stderr, 'ec2-launch-doctor lint: skipped package.json: not a policy, nor a template holding one\n');
    assert.deepEqual(
      (JSON.parse(stdout) as { files: { path: string; kind: string }[] }).files.map((f) => [f.path, f.kind]),
      [
        ['package.json', 'not-a-policy'],
        ['key.json', 'key-policy'],
      ],
    );
  });
});
