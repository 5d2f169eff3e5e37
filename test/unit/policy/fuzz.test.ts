/**
 * Fuzz test: random and mutated inputs never make the analyzer throw, and every fix it
 * offers leaves JSON that parses and removes (at least one of) the finding it fixes.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTree, type ParseError } from 'jsonc-parser';
import { analyzePolicyText, type Finding } from '../../../src/core/policy';
import { applyEdits } from '../../../src/core/policy/fixes';
import { ACCOUNT, CALLERS, pick, randomKeyPolicy, seededRandom } from './generators';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'policies');
const SEEDS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  'null',
  '"Statement"',
  '"*"',
  '/* c */',
  '// c\n',
  'true',
  '1e999',
  '"\\u0000"',
  '"Principal": "*",',
  '"Effect": "Deny",',
  '\r\n',
  '\t',
  '"kms:*"',
  '-',
  '"\ud800"',
];
const INPUTS = 10_000;

function parses(text: string): boolean {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: true });
  return errors.length === 0;
}

function randomValue(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 3 || r < 0.3)
    return pick(random, [
      null,
      0,
      -1.5,
      true,
      false,
      '',
      '*',
      'kms:CreateGrant',
      'Allow',
      'Deny',
      ACCOUNT,
      `arn:aws:iam::${ACCOUNT}:root`,
      'x'.repeat(Math.floor(random() * 40)),
    ]);
  if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const keys = [
    'Statement',
    'Effect',
    'Principal',
    'NotPrincipal',
    'Action',
    'NotAction',
    'Resource',
    'NotResource',
    'Condition',
    'Sid',
    'Version',
    'AWS',
    'Bool',
    'StringEquals',
    'kms:GrantIsForAWSResource',
    'Resources',
    'Type',
    'Properties',
    'KeyPolicy',
  ];
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) out[pick(random, keys)] = randomValue(random, depth + 1);
  return out;
}

/** Replaces a random node of a JSON value: type confusion where the analyzer expects structure. */
function mutateValue(random: () => number, value: unknown, depth = 0): unknown {
  if (random() < 0.15 || depth > 6) return randomValue(random, 2);
  if (Array.isArray(value)) return value.map((v) => (random() < 0.5 ? mutateValue(random, v, depth + 1) : v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (random() < 0.05) continue;
      out[random() < 0.03 ? k.toLowerCase() : k] = random() < 0.5 ? mutateValue(random, v, depth + 1) : v;
    }
    return out;
  }
  return value;
}

function mutateText(random: () => number, text: string): string {
  let out = text;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const at = Math.floor(random() * (out.length + 1));
    const r = random();
    if (r < 0.35) out = out.slice(0, at) + pick(random, TOKENS) + out.slice(at);
    else if (r < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 12));
    else out = out.slice(0, at) + out.slice(Math.max(0, at - 20), at) + out.slice(at);
  }
  return out;
}

function indent(random: () => number): string | number {
  return pick(random, [0, 2, 4, '\t']);
}

function template(random: () => number, policy: unknown): unknown {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: policy } },
      Policy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument:
            random() < 0.5
              ? { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:StartInstances', Resource: '*' }] }
              : randomValue(random, 1),
        },
      },
    },
  };
}

function input(random: () => number, i: number): string {
  switch (i % 6) {
    case 0:
      return JSON.stringify(randomKeyPolicy(random), null, indent(random));
    case 1:
      return mutateText(random, pick(random, SEEDS));
    case 2:
      return JSON.stringify(mutateValue(random, JSON.parse(pick(random, SEEDS))), null, indent(random));
    case 3:
      return JSON.stringify(
        template(random, random() < 0.5 ? randomKeyPolicy(random) : mutateValue(random, randomKeyPolicy(random))),
        null,
        indent(random),
      );
    case 4:
      return mutateText(random, JSON.stringify(randomKeyPolicy(random), null, 2));
    default:
      return JSON.stringify(randomValue(random, 0));
  }
}

function countOf(findings: Finding[], code: string): number {
  return findings.filter((f) => f.code === code).length;
}

describe('policy analyzer fuzz', () => {
  it(`never throws on ${INPUTS} random and mutated inputs, and every fix leaves parseable JSON without its finding`, function () {
    this.timeout(60_000);
    const random = seededRandom(1337);
    const failures: string[] = [];
    let fixesChecked = 0;
    for (let i = 0; i < INPUTS; i++) {
      const text = input(random, i);
      const principals = random() < 0.4 ? [pick(random, CALLERS)] : [];
      let findings: Finding[];
      try {
        findings = analyzePolicyText(text, { principals }).findings;
      } catch (error) {
        failures.push(`threw ${String(error)} on ${JSON.stringify(text).slice(0, 300)}`);
        continue;
      }
      for (const finding of findings) {
        for (const fix of finding.fixes) {
          fixesChecked++;
          if (fix.edits.length === 0 || fix.edits.some((e) => e.length === 0 && e.content.length === 0)) {
            failures.push(`fix "${fix.title}" has an empty edit: ${JSON.stringify(text).slice(0, 300)}`);
            continue;
          }
          const fixed = applyEdits(text, fix.edits);
          if (!parses(fixed)) {
            failures.push(`fix "${fix.title}" broke JSON: ${JSON.stringify(text).slice(0, 300)}`);
            continue;
          }
          const after = analyzePolicyText(fixed, { principals }).findings;
          if (countOf(after, finding.code) >= countOf(findings, finding.code)) {
            failures.push(`fix "${fix.title}" left ${finding.code}: ${JSON.stringify(text).slice(0, 400)}`);
          }
        }
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
    assert.ok(fixesChecked > 500, `only ${fixesChecked} fixes exercised`);
  });
});
