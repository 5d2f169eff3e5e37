import * as assert from 'node:assert/strict';
import {
  FIXES_BY_DENIAL,
  GRANT_RULES,
  grantRuleFor,
  neededFixes,
  type GrantDecision,
  type GrantFacts,
} from '../../../src/core/diagnosis/grantRules';

type Row = [facts: GrantFacts, rule: string, decision: GrantDecision];

const KP = { target: 'key-policy', role: 'required' } as const;
const KP_ALT = { target: 'key-policy', role: 'alternative' } as const;
const ID = { target: 'identity-policy', role: 'required' } as const;

function facts(overrides: Partial<GrantFacts>): GrantFacts {
  return { keyPolicy: 'unread', simulation: 'not-run', trailDenial: false, crossAccount: false, ...overrides };
}

/** One case per row of the table, in table order. */
const rows: Row[] = [
  [
    facts({ keyPolicy: 'denies', crossAccount: true, simulation: 'implicitDeny' }),
    'key policy denies; cross-account, and IAM does not allow either',
    { outcome: 'fix', fixes: [KP, ID], sources: 2 },
  ],
  [
    facts({ keyPolicy: 'denies', crossAccount: true }),
    'key policy denies; cross-account, IAM not simulated',
    { outcome: 'fix', fixes: [KP, ID], sources: 1 },
  ],
  [
    facts({ keyPolicy: 'denies', crossAccount: true, simulation: 'allowed' }),
    'key policy denies',
    { outcome: 'fix', fixes: [KP], sources: 1 },
  ],
  [
    facts({ keyPolicy: 'defers-to-iam', simulation: 'implicitDeny' }),
    'IAM decides and does not allow (same account)',
    { outcome: 'fix', fixes: [ID, KP_ALT], sources: 2 },
  ],
  [
    facts({ keyPolicy: 'defers-to-iam', simulation: 'implicitDeny', crossAccount: true }),
    'IAM decides and does not allow (cross-account)',
    { outcome: 'fix', fixes: [ID], sources: 2 },
  ],
  [
    facts({ keyPolicy: 'defers-to-iam', trailDenial: true }),
    'IAM decides, not simulated, CloudTrail shows the denial (same account)',
    { outcome: 'fix', fixes: [ID, KP_ALT], sources: 0 },
  ],
  [
    facts({ keyPolicy: 'defers-to-iam', trailDenial: true, crossAccount: true }),
    'IAM decides, not simulated, CloudTrail shows the denial (cross-account)',
    { outcome: 'fix', fixes: [ID], sources: 0 },
  ],
  [facts({ keyPolicy: 'defers-to-iam' }), 'IAM decides, not simulated, no denial seen', { outcome: 'unchecked' }],
  [
    facts({ keyPolicy: 'defers-to-iam', simulation: 'allowed', trailDenial: true }),
    'IAM allows, yet KMS denied',
    { outcome: 'other-cause' },
  ],
  [facts({ keyPolicy: 'defers-to-iam', simulation: 'allowed' }), 'IAM decides and allows', { outcome: 'allowed' }],
  [
    facts({ keyPolicy: 'allows', simulation: 'implicitDeny', trailDenial: true }),
    'key policy allows, yet KMS denied',
    { outcome: 'other-cause' },
  ],
  [facts({ keyPolicy: 'allows', simulation: 'implicitDeny' }), 'key policy allows', { outcome: 'allowed' }],
  [
    facts({ simulation: 'implicitDeny', crossAccount: true }),
    'key policy unread; IAM does not allow',
    { outcome: 'fix', fixes: 'by-cloudtrail', sources: 1 },
  ],
  [
    facts({ simulation: 'allowed', trailDenial: true }),
    'key policy unread; IAM allows, KMS denied: the key policy is missing',
    { outcome: 'fix', fixes: [KP], sources: 0 },
  ],
  [facts({ simulation: 'allowed' }), 'key policy unread; IAM allows, no denial seen', { outcome: 'unchecked' }],
  [
    facts({ trailDenial: true }),
    'key policy unread; only CloudTrail shows the denial',
    { outcome: 'fix', fixes: 'by-cloudtrail', sources: 0 },
  ],
  [facts({}), 'key policy unread; nothing else to go on', { outcome: 'unchecked' }],
];

describe('the grant decision table', () => {
  for (const [given, name, decision] of rows) {
    it(`${JSON.stringify(given)} -> "${name}"`, () => {
      const rule = grantRuleFor(given);
      assert.equal(rule.name, name);
      assert.deepEqual(rule.then, decision);
    });
  }

  it('has one case above per row, so every row is reachable', () => {
    assert.deepEqual(
      rows.map(([, name]) => name),
      GRANT_RULES.map((rule) => rule.name),
    );
  });

  it('decides every combination of facts with a row of its own', () => {
    const seen = new Set<string>();
    for (const keyPolicy of ['denies', 'allows', 'defers-to-iam', 'unread'] as const) {
      for (const simulation of ['allowed', 'implicitDeny', 'not-run'] as const) {
        for (const trailDenial of [true, false]) {
          for (const crossAccount of [true, false]) {
            const rule = grantRuleFor({ keyPolicy, simulation, trailDenial, crossAccount });
            assert.ok(
              GRANT_RULES.includes(rule),
              `no row for ${keyPolicy}/${simulation}/${trailDenial}/${crossAccount}`,
            );
            seen.add(rule.name);
          }
        }
      }
    }
    assert.equal(seen.size, GRANT_RULES.length);
  });

  it('a fix "by CloudTrail" follows what KMS said is missing, both sides across accounts', () => {
    assert.deepEqual(neededFixes('by-cloudtrail', 'no-identity-policy-allow', false), [ID, KP_ALT]);
    assert.deepEqual(neededFixes('by-cloudtrail', 'no-identity-policy-allow', true), [ID]);
    assert.deepEqual(neededFixes('by-cloudtrail', 'no-key-policy-allow', false), [KP]);
    assert.deepEqual(neededFixes('by-cloudtrail', 'no-key-policy-allow', true), [KP, ID]);
    assert.deepEqual(neededFixes('by-cloudtrail', 'not-authorized', false), FIXES_BY_DENIAL.other.sameAccount);
    assert.deepEqual(neededFixes('by-cloudtrail', undefined, true), FIXES_BY_DENIAL.other.crossAccount);
    assert.deepEqual(
      neededFixes([KP], 'no-identity-policy-allow', true),
      [KP],
      'a row naming its fixes ignores CloudTrail',
    );
  });
});
