/**
 * A key policy naming a deleted user or role by its IAM unique id: the finding, its fixes
 * (exact text before and after), and the evaluator matching such an entry to no one.
 */
import * as assert from 'node:assert/strict';
import { parseTree, type ParseError } from 'jsonc-parser';
import { iamUniqueIdKind } from '../../../src/core/arn';
import {
  analyzePolicyText,
  ec2GrantRequest,
  evaluatePolicy,
  FINDING_SEVERITY,
  orphanedPrincipalIds,
} from '../../../src/core/policy';
import { compilePolicy } from '../../../src/core/policy/evaluate';
import { applyEdits } from '../../../src/core/policy/fixes';
import { analyzeYamlText } from '../../../src/core/policy/formats';
import { FINDING_HELP } from '../../../src/core/findingHelp';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
/** Shaped as IAM issues them: the prefix and 17 upper-case letters and digits. */
const ROLE_ID = 'AROAEXAMPLEDELETED001';
const USER_ID = 'AIDAEXAMPLEDELETED002';
const NEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/NewApp`;
const NEW_USER = `arn:aws:iam::${ACCOUNT}:user/bob`;

/** A document written indented in the test: the first line break and the closing line's indentation go. */
function doc(strings: TemplateStringsArray, ...values: string[]): string {
  const lines = strings
    .map((part, i) => part + (values[i] ?? ''))
    .join('')
    .split('\n');
  const indent = lines.pop() ?? '';
  assert.equal(lines.shift(), '');
  return lines.map((line) => line.slice(indent.length)).join('\n') + '\n';
}

function parses(text: string): boolean {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: true });
  return errors.length === 0;
}

function orphanFindings(text: string, principals: string[] = []) {
  return analyzePolicyText(text, { principals }).findings.filter((f) => f.code === 'orphaned-principal');
}

/**
 * Applies the fix titled `title` of the finding on `uniqueId` and compares with `after`; then
 * the result parses, no longer reports that id, and offers the fix no more (applying it twice
 * changes nothing).
 */
function assertFix(
  before: string,
  expected: { uniqueId: string; title: string; principals?: string[] },
  after: string,
): void {
  const principals = expected.principals ?? [];
  const finding = orphanFindings(before, principals).find((f) => f.message.startsWith(expected.uniqueId));
  assert.ok(finding, `no orphaned-principal finding for ${expected.uniqueId}`);
  const fix = finding.fixes.find((f) => f.title === expected.title);
  assert.ok(fix, `no fix "${expected.title}" in ${JSON.stringify(finding.fixes.map((f) => f.title))}`);
  const fixed = applyEdits(before, fix.edits);
  assert.equal(fixed, after);
  assert.ok(parses(fixed));
  const again = analyzePolicyText(fixed, { principals }).findings;
  assert.deepEqual(
    again.filter((f) => f.code === 'orphaned-principal' && f.message.startsWith(expected.uniqueId)),
    [],
  );
  assert.deepEqual(
    again.flatMap((f) => f.fixes).filter((f) => f.title === expected.title),
    [],
    'the fix is offered again after it was applied',
  );
}

const DELEGATION = `{ "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": { "AWS": "${ROOT}" }, "Action": "kms:*", "Resource": "*" }`;

describe('orphaned principals: IAM unique ids', () => {
  it('recognises the unique ids of users and roles, and nothing else', () => {
    assert.equal(iamUniqueIdKind(ROLE_ID), 'role');
    assert.equal(iamUniqueIdKind(USER_ID), 'user');
    assert.equal(iamUniqueIdKind('AIDACKCEVSQ6C2EXAMPLE'), 'user');
    // The emulator's ids are shorter (19 characters); the IAM API allows 16 to 128.
    assert.equal(iamUniqueIdKind('AROA1A2B3C4DEXAMPLE'), 'role');
    assert.equal(iamUniqueIdKind('AROA123456789012'), 'role');
    for (const other of [
      'AROA12345678901', // 15 characters: shorter than any IAM id
      'ANPAEXAMPLEPOLICY0001', // a managed policy
      'AGPAEXAMPLEGROUP00001', // a group
      'AKIAIOSFODNN7EXAMPLE', // an access key
      'aroaexampledeleted001',
      `${ROLE_ID}:jane`, // a session's principalId, not a policy entry
      ROOT,
      ACCOUNT,
      '*',
    ])
      assert.equal(iamUniqueIdKind(other), undefined, other);
  });
});

describe('orphaned principals: the finding', () => {
  const policy = doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        ${DELEGATION},
        {
          "Sid": "Users",
          "Effect": "Allow",
          "Principal": { "AWS": ["arn:aws:iam::${ACCOUNT}:role/App", "${ROLE_ID}"] },
          "Action": ["kms:Encrypt", "kms:Decrypt", "kms:CreateGrant"],
          "Resource": "*",
          "Condition": { "Bool": { "kms:GrantIsForAWSResource": true } }
        },
        {
          "Sid": "Old",
          "Effect": "Allow",
          "Principal": { "AWS": "${USER_ID}" },
          "Action": "kms:Decrypt",
          "Resource": "*"
        }
      ]
    }
    `;

  it('is reported on each unique-id entry, alone or in a list, as a warning naming PutKeyPolicy', () => {
    const findings = orphanFindings(policy);
    assert.equal(findings.length, 2);
    for (const [finding, id, kind, sid] of [
      [findings[0], ROLE_ID, 'role', 'Users'],
      [findings[1], USER_ID, 'user', 'Old'],
    ] as const) {
      assert.equal(finding.severity, 'warning');
      assert.equal(policy.slice(finding.range.offset, finding.range.offset + finding.range.length), `"${id}"`);
      assert.equal(
        finding.message,
        `${id} is the unique id of a deleted IAM ${kind}: a policy shows a principal this way once it no longer exists, ` +
          'and it matches no one. KMS refuses any PutKeyPolicy of this policy (MalformedPolicyDocumentException: ' +
          '"Policy contains a statement with one or more invalid principals.") until it is removed or replaced.',
      );
      assert.deepEqual(finding.details, [`${id}: deleted IAM ${kind}, in the Principal of statement "${sid}"`]);
    }
    assert.equal(FINDING_SEVERITY['orphaned-principal'], 'warning');
    assert.match(FINDING_HELP['orphaned-principal'].markdown, /invalid principals/);
  });

  it('is not reported for ARNs, accounts, "*" or ids in conditions', () => {
    const clean = doc`
      {
        "Statement": [
          ${DELEGATION},
          { "Effect": "Allow", "Principal": { "AWS": ["${ACCOUNT}", "arn:aws:iam::${ACCOUNT}:user/alice"] }, "Action": "kms:Decrypt", "Resource": "*" },
          { "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": { "StringEquals": { "aws:userid": "${ROLE_ID}:jane" } } }
        ]
      }
      `;
    assert.deepEqual(orphanFindings(clean), []);
  });

  it('is reported in NotPrincipal too, where removing the statement would widen a Deny: no removal then', () => {
    const text = doc`
      {
        "Statement": [
          ${DELEGATION},
          { "Sid": "DenyOthers", "Effect": "Deny", "NotPrincipal": { "AWS": "${ROLE_ID}" }, "Action": "kms:ScheduleKeyDeletion", "Resource": "*" }
        ]
      }
      `;
    const [finding, ...rest] = orphanFindings(text);
    assert.deepEqual(rest, []);
    assert.ok(finding);
    assert.deepEqual(finding.details, [`${ROLE_ID}: deleted IAM role, in the NotPrincipal of statement "DenyOthers"`]);
    assert.deepEqual(finding.fixes, []);
  });

  it('is reported in a CloudFormation key policy', () => {
    const template = JSON.stringify({
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: {
            KeyPolicy: {
              Version: '2012-10-17',
              Statement: [
                JSON.parse(DELEGATION),
                { Effect: 'Allow', Principal: { AWS: USER_ID }, Action: 'kms:Decrypt', Resource: '*' },
              ],
            },
          },
        },
      },
    });
    assert.equal(orphanFindings(template).length, 1);
  });
});

describe('orphaned principals: fixes, exact before and after', () => {
  it('removes the first entry of a compact list, keeping the list as written', () => {
    assertFix(
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": { "AWS": ["${ROLE_ID}", "arn:aws:iam::${ACCOUNT}:role/App"] },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
      { uniqueId: ROLE_ID, title: `Remove the deleted principal ${ROLE_ID} from Principal` },
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": { "AWS": ["arn:aws:iam::${ACCOUNT}:role/App"] },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
    );
  });

  it('removes the last entry of a list laid out on lines, keeping the other lines', () => {
    assertFix(
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": {
                      "AWS": [
                          "arn:aws:iam::${ACCOUNT}:role/App", // the application
                          "${USER_ID}"
                      ]
                  },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
      { uniqueId: USER_ID, title: `Remove the deleted principal ${USER_ID} from Principal` },
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": {
                      "AWS": [
                          "arn:aws:iam::${ACCOUNT}:role/App"
                      ]
                  },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
    );
  });

  it('removes a statement whose only principal was deleted (in the middle: its comma goes with it)', () => {
    assertFix(
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Sid": "Old",
                  "Effect": "Allow",
                  "Principal": { "AWS": "${USER_ID}" },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              },
              {
                  "Sid": "App",
                  "Effect": "Allow",
                  "Principal": { "AWS": "arn:aws:iam::${ACCOUNT}:role/App" },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
      { uniqueId: USER_ID, title: `Remove statement "Old": its only principal, ${USER_ID}, was deleted` },
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Sid": "App",
                  "Effect": "Allow",
                  "Principal": { "AWS": "arn:aws:iam::${ACCOUNT}:role/App" },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
    );
  });

  it('removes the last statement, with the comma before it (the line it joins is laid out again)', () => {
    assertFix(
      doc`
      {
          "Statement": [
              {
                  "Sid": "Enable IAM User Permissions",
                  "Effect": "Allow",
                  "Principal": { "AWS": "${ROOT}" },
                  "Action": "kms:*",
                  "Resource": "*"
              },
              {
                  "Effect": "Allow",
                  "Principal": { "AWS": ["${ROLE_ID}"] },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
      { uniqueId: ROLE_ID, title: `Remove statement #2: its only principal, ${ROLE_ID}, was deleted` },
      doc`
      {
          "Statement": [
              {
                  "Sid": "Enable IAM User Permissions",
                  "Effect": "Allow",
                  "Principal": { "AWS": "${ROOT}" },
                  "Action": "kms:*",
                  "Resource": "*"
              }
          ]
      }
      `,
    );
  });

  it('removes only the AWS element when the statement has other principal types', () => {
    assertFix(
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": { "AWS": "${ROLE_ID}", "Service": "logs.amazonaws.com" },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
      { uniqueId: ROLE_ID, title: `Remove the deleted principal ${ROLE_ID} from Principal` },
      doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Effect": "Allow",
                  "Principal": {
                      "Service": "logs.amazonaws.com"
                  },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `,
    );
  });

  it('replaces the id with a principal of interest of the same kind and account', () => {
    const before = doc`
      {
          "Statement": [
              ${DELEGATION},
              {
                  "Sid": "Users",
                  "Effect": "Allow",
                  "Principal": { "AWS": ["arn:aws:iam::${ACCOUNT}:role/App", "${ROLE_ID}"] },
                  "Action": "kms:Decrypt",
                  "Resource": "*"
              }
          ]
      }
      `;
    assertFix(
      before,
      {
        uniqueId: ROLE_ID,
        title: `Replace the deleted principal ${ROLE_ID} with ${NEW_ROLE}`,
        principals: [NEW_ROLE, NEW_USER],
      },
      before.replace(`"${ROLE_ID}"`, `"${NEW_ROLE}"`),
    );
    const [finding] = orphanFindings(before, [NEW_ROLE, NEW_USER]);
    // A user does not stand in for a role; removal stays the preferred fix.
    assert.deepEqual(
      finding?.fixes.map((f) => [f.title, f.isPreferred]),
      [
        [`Remove the deleted principal ${ROLE_ID} from Principal`, true],
        [`Replace the deleted principal ${ROLE_ID} with ${NEW_ROLE}`, undefined],
      ],
    );
  });

  it('offers no replacement from another account, a session, or a principal already listed', () => {
    const text = doc`
      {
          "Statement": [
              ${DELEGATION},
              { "Effect": "Allow", "Principal": { "AWS": ["${NEW_ROLE}", "${ROLE_ID}"] }, "Action": "kms:Decrypt", "Resource": "*" }
          ]
      }
      `;
    const [finding] = orphanFindings(text, [
      NEW_ROLE,
      'arn:aws:iam::444455556666:role/Partner',
      `arn:aws:sts::${ACCOUNT}:assumed-role/NewApp/jane`,
    ]);
    assert.deepEqual(
      finding?.fixes.map((f) => f.title),
      [`Remove the deleted principal ${ROLE_ID} from Principal`],
    );
  });

  it("keeps the policy's only statement: a replacement when one is known, else no fix", () => {
    const text = doc`
      {
          "Statement": { "Effect": "Allow", "Principal": { "AWS": "${USER_ID}" }, "Action": "kms:*", "Resource": "*" }
      }
      `;
    assert.deepEqual(orphanFindings(text)[0]?.fixes, []);
    // The policy names no account: the principal of interest cannot be placed, nothing is guessed.
    assert.deepEqual(orphanFindings(text, [NEW_USER])[0]?.fixes, []);
    const listed = doc`
      {
          "Statement": [
              ${DELEGATION},
              { "Effect": "Allow", "Principal": { "AWS": "${USER_ID}" }, "Action": "kms:Decrypt", "Resource": "*" }
          ]
      }
      `;
    assertFix(
      listed,
      { uniqueId: USER_ID, title: `Replace the deleted principal ${USER_ID} with ${NEW_USER}`, principals: [NEW_USER] },
      listed.replace(`"${USER_ID}"`, `"${NEW_USER}"`),
    );
  });
});

describe('orphaned principals: the evaluator matches a unique id to no one', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: ROLE_ID },
        Action: 'kms:CreateGrant',
        Resource: '*',
      },
    ],
  };

  it('not even a caller that presents the id itself, scanned or indexed', () => {
    const request = ec2GrantRequest(ROLE_ID, { region: 'eu-west-1' });
    for (const form of [policy, compilePolicy(policy)]) {
      const result = evaluatePolicy(form, request, 'resource');
      assert.equal(result.decision, 'implicit-deny');
      assert.deepEqual(result.matched, []);
    }
  });

  it('not a role recreated under the old name', () => {
    const request = ec2GrantRequest(`arn:aws:iam::${ACCOUNT}:role/App`, { region: 'eu-west-1' });
    assert.equal(evaluatePolicy(compilePolicy(policy), request, 'resource').decision, 'implicit-deny');
  });

  it('in NotPrincipal it excludes no one: the Deny applies to every caller', () => {
    const deny = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' },
        { Effect: 'Deny', NotPrincipal: { AWS: ROLE_ID }, Action: 'kms:CreateGrant', Resource: '*' },
      ],
    };
    for (const caller of [ROLE_ID, `arn:aws:iam::${ACCOUNT}:role/App`]) {
      const request = ec2GrantRequest(caller, { region: 'eu-west-1' });
      for (const form of [deny, compilePolicy(deny)])
        assert.equal(evaluatePolicy(form, request, 'resource').decision, 'explicit-deny', caller);
    }
  });
});

describe('orphaned principals: in a policy read as a value', () => {
  it('lists each unique id of Principal and NotPrincipal once, in order, and nothing for other documents', () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: [ROOT, USER_ID] }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', NotPrincipal: { AWS: ROLE_ID }, Action: 'kms:Decrypt', Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: USER_ID }, Action: 'kms:Encrypt', Resource: '*' },
        { Effect: 'Allow', Principal: '*', Action: 'kms:Encrypt', Resource: '*' },
      ],
    };
    assert.deepEqual(orphanedPrincipalIds(policy), [USER_ID, ROLE_ID]);
    assert.deepEqual(orphanedPrincipalIds(JSON.stringify(policy)), [USER_ID, ROLE_ID]);
    assert.deepEqual(orphanedPrincipalIds('{"Statement": ['), []);
    assert.deepEqual(orphanedPrincipalIds({ Statement: { Effect: 'Allow', Principal: { AWS: ROOT } } }), []);
    for (const hostile of [
      undefined,
      null,
      'AROAEXAMPLEDELETED001',
      [ROLE_ID],
      { Statement: [null, 7, { Principal: 5 }] },
    ])
      assert.deepEqual(orphanedPrincipalIds(hostile), []);
  });
});

describe('orphaned principals: in a CloudFormation YAML template', () => {
  const template = doc`
    Resources:
      Key:
        Type: AWS::KMS::Key
        Properties:
          KeyPolicy:
            Statement:
              - Sid: Enable IAM User Permissions
                Effect: Allow
                Principal:
                  AWS: !Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root
                Action: kms:*
                Resource: '*'
              - Sid: Old # a comment
                Effect: Allow
                Principal:
                  AWS:
                    - ${USER_ID}
                Action: kms:Decrypt
                Resource: '*'
              - Sid: Users
                Effect: Allow
                Principal:
                  AWS: [${ROLE_ID}, arn:aws:iam::${ACCOUNT}:role/App]
                Action: kms:Decrypt
                Resource: '*'
    `;

  function fixed(title: string): string {
    const fix = analyzeYamlText(template, {})
      .findings.flatMap((f) => f.fixes)
      .find((f) => f.title === title);
    assert.ok(fix, title);
    const after = applyEdits(template, fix.edits);
    assert.equal(after.includes(title.includes(USER_ID) ? USER_ID : ROLE_ID), false);
    assert.equal(analyzeYamlText(after, {}).findings.filter((f) => f.code === 'orphaned-principal').length, 1);
    return after;
  }

  it('removes a block list item statement, and an entry of a flow list, in YAML', () => {
    assert.equal(
      fixed(`Remove statement "Old": its only principal, ${USER_ID}, was deleted`),
      doc`
      Resources:
        Key:
          Type: AWS::KMS::Key
          Properties:
            KeyPolicy:
              Statement:
                - Sid: Enable IAM User Permissions
                  Effect: Allow
                  Principal:
                    AWS: !Sub arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root
                  Action: kms:*
                  Resource: '*'
                - Sid: Users
                  Effect: Allow
                  Principal:
                    AWS: [${ROLE_ID}, arn:aws:iam::${ACCOUNT}:role/App]
                  Action: kms:Decrypt
                  Resource: '*'
      `,
    );
    assert.equal(
      fixed(`Remove the deleted principal ${ROLE_ID} from Principal`),
      template.replace(`[${ROLE_ID}, `, '['),
    );
  });
});
