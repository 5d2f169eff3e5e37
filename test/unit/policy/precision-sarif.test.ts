import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINDING_HELP } from '../../../src/core/findingHelp';
import { analyzePolicyText, FINDING_CODES, formatSarif, type LintedFile } from '../../../src/core/policy';
import { applyEdits } from '../../../src/core/policy/fixes';
import { lineStarts } from '../../../src/core/policy/output';

interface SarifRegion {
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
  charOffset?: number;
  charLength?: number;
}
interface SarifReplacement {
  deletedRegion: SarifRegion;
  insertedContent?: { text?: string };
}
interface SarifFix {
  description?: { text: string };
  artifactChanges: { artifactLocation: { uri: string }; replacements: SarifReplacement[] }[];
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: SarifRegion } }[];
  fixes?: SarifFix[];
}
interface SarifRule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string };
}

const fixture = (name: string): string =>
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'policies', name), 'utf8');
const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const lintedFile = (path: string, text: string): LintedFile => ({ path, text, ...analyzePolicyText(text) });

const LEVELS = new Set(['none', 'note', 'warning', 'error']);
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** The SARIF 2.1.0 constraints on a region: the character form, and the line form agreeing with it. */
function checkRegion(region: SarifRegion, text: string, where: string): { offset: number; length: number } {
  assert.ok(isCount(region.charOffset) && isCount(region.charLength), `${where}: charOffset/charLength`);
  assert.ok(region.charOffset + region.charLength <= text.length, `${where}: inside the file`);
  const starts = lineStarts(text);
  const at = (line: number, column: number): number => starts[line - 1] + column - 1;
  if (region.startLine !== undefined) {
    assert.ok(region.startLine >= 1 && (region.startColumn ?? 1) >= 1, `${where}: one-based`);
    assert.equal(at(region.startLine, region.startColumn ?? 1), region.charOffset, `${where}: start agrees`);
    assert.equal(
      at(region.endLine ?? region.startLine, region.endColumn ?? 1),
      region.charOffset + region.charLength,
      `${where}: end agrees`,
    );
  }
  return { offset: region.charOffset, length: region.charLength };
}

/** Applies a SARIF fix's replacements to the file (all against the original text, as SARIF says). */
function applySarifFix(text: string, fix: SarifFix): string {
  const replacements = fix.artifactChanges.flatMap((c) => c.replacements);
  const ordered = replacements
    .map((r) => ({ ...checkRegion(r.deletedRegion, text, 'deletedRegion'), content: r.insertedContent?.text ?? '' }))
    .sort((a, b) => b.offset - a.offset);
  for (let i = 1; i < ordered.length; i++)
    assert.ok(ordered[i].offset + ordered[i].length <= ordered[i - 1].offset, 'replacements do not overlap');
  let out = text;
  for (const r of ordered) out = out.slice(0, r.offset) + r.content + out.slice(r.offset + r.length);
  return out;
}

describe('precision: SARIF carries the help of each rule and the fix of each result', () => {
  const keyText = fixture('console-default-key-policy.json');
  const identityText = policy([
    { Sid: 'UseKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' },
  ]);
  // CRLF and a character outside the BMP before the finding: offsets count UTF-16 code units.
  const crlfText = `{\r\n  "Id": "\u{1F511}",\r\n  "Statement": [\r\n    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": ["kms:ListGrants", "kms:CreateGrant"], "Resource": "*"}\r\n  ]\r\n}\r\n`;
  const files = [
    lintedFile('keys/console default.json', keyText),
    lintedFile('iam/identity.json', identityText),
    lintedFile('crlf.json', crlfText),
  ];
  const log = JSON.parse(JSON.stringify(formatSarif(files, '0.1.0'))) as {
    version: string;
    $schema: string;
    runs: { tool: { driver: { name: string; version: string; rules: SarifRule[] } }; results: SarifResult[] }[];
  };
  const [run] = log.runs;

  it('is a 2.1.0 log whose rules carry their title, explanation and level', () => {
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(run.tool.driver.version, '0.1.0');
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      [...FINDING_CODES],
    );
    for (const rule of run.tool.driver.rules) {
      const help = FINDING_HELP[rule.id as keyof typeof FINDING_HELP];
      assert.equal(rule.shortDescription.text, help.title);
      assert.equal(rule.help.markdown, help.markdown);
      assert.equal(rule.help.text, help.markdown);
      assert.ok(rule.fullDescription.text.length > 40, rule.id);
      assert.ok(LEVELS.has(rule.defaultConfiguration.level), rule.id);
    }
    const consoleRule = run.tool.driver.rules.find((r) => r.id === 'console-default-admin-create-grant');
    assert.equal(consoleRule?.defaultConfiguration.level, 'note');
  });

  it('each result points at its rule and its file, and every fix is a well-formed SARIF fix', () => {
    assert.deepEqual(
      run.results.map((r) => [r.ruleId, r.level]),
      [
        ['console-default-admin-create-grant', 'note'],
        ['unscoped-create-grant', 'warning'],
        ['no-iam-delegation', 'note'],
        ['unscoped-create-grant', 'warning'],
      ],
    );
    for (const [i, result] of run.results.entries()) {
      assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
      assert.ok(LEVELS.has(result.level));
      const location = result.locations[0].physicalLocation;
      const file = files.find((f) => encodeURI(f.path) === location.artifactLocation.uri);
      assert.ok(file, location.artifactLocation.uri);
      checkRegion(location.region, file.text, `result ${i}`);
      assert.ok(result.fixes && result.fixes.length > 0, `result ${i} has a fix`);
      for (const fix of result.fixes) {
        assert.ok(fix.description && fix.description.text.length > 0);
        assert.ok(fix.artifactChanges.length >= 1);
        for (const change of fix.artifactChanges) {
          assert.equal(change.artifactLocation.uri, location.artifactLocation.uri);
          assert.ok(change.replacements.length >= 1);
          for (const r of change.replacements) assert.equal(typeof r.insertedContent?.text, 'string');
        }
      }
    }
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, 'keys/console%20default.json');
  });

  it("applying a result's replacements gives the text the fix makes, and the finding is gone", () => {
    for (const [i, result] of run.results.entries()) {
      const uri = result.locations[0].physicalLocation.artifactLocation.uri;
      const file = files.find((f) => encodeURI(f.path) === uri);
      assert.ok(file);
      const finding = file.findings.find((f) => f.code === result.ruleId);
      assert.ok(finding);
      const fixed = applySarifFix(file.text, result.fixes?.[0] as SarifFix);
      assert.equal(fixed, applyEdits(file.text, finding.fixes[0].edits), `result ${i}`);
      assert.ok(
        !analyzePolicyText(fixed).findings.some((f) => f.code === result.ruleId),
        `result ${i}: ${result.ruleId} is fixed`,
      );
    }
  });
});
