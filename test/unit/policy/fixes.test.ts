/**
 * Every fix, with the exact text before and after, in the shape of jsonc-parser's own edit
 * tests (`assertEdit(content, edits, expected)`): short documents inline, long ones as
 * before/after files under test/fixtures/fixes. After the fix the finding is gone, the JSON
 * parses, and comments and indentation elsewhere are as they were.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modify, parseTree, type ParseError } from 'jsonc-parser';
import {
  analyzePolicyText,
  keyPolicyGrantStatement,
  identityPolicyGrantStatement,
  type FindingCode,
} from '../../../src/core/policy';
import { applyEdits, detectFormatting } from '../../../src/core/policy/fixes';
import { FORMAT_WINDOW_LIMIT, LocalEditor } from '../../../src/core/policy/localEdits';
import { pick, randomKeyPolicy, seededRandom } from './generators';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', '..', 'fixtures', 'fixes', name), 'utf8');

/**
 * A document written indented inside the test: the line break after the opening backtick
 * goes, and so does the closing line's indentation from the start of every line.
 */
function doc(strings: TemplateStringsArray): string {
  const text = strings.join('');
  const lines = text.split('\n');
  const indent = lines.pop() ?? '';
  assert.equal(lines.shift(), '', 'a document starts on the line after the backtick');
  assert.match(indent, /^ *$/, 'the closing backtick stands alone on its line');
  return (
    lines
      .map((line) =>
        line === ''
          ? line
          : line.startsWith(indent)
            ? line.slice(indent.length)
            : assert.fail(`"${line}" is indented less than the closing backtick`),
      )
      .join('\n') + '\n'
  );
}

function parses(text: string): boolean {
  const errors: ParseError[] = [];
  parseTree(text, errors, { allowTrailingComma: true });
  return errors.length === 0;
}

/** The finding a fix is for, the fix's title, and the principals the analysis is given. */
interface FixExpected {
  code: FindingCode;
  title: string;
  principals?: string[];
}

/** Analyzes `before`, applies the first fix of the `code` finding and compares with `after`. */
function assertFix(before: string, expected: FixExpected, after: string): void {
  const principals = expected.principals ?? [];
  const { findings } = analyzePolicyText(before, { principals });
  const finding = findings.find((f) => f.code === expected.code);
  assert.ok(finding, `no ${expected.code} in ${JSON.stringify(findings.map((f) => f.code))}`);
  const fix = finding.fixes[0];
  assert.equal(fix.title, expected.title);
  const fixed = applyEdits(before, fix.edits);
  assert.equal(fixed, after);
  assert.ok(parses(fixed));
  const again = analyzePolicyText(fixed, { principals }).findings;
  assert.deepEqual(
    again.filter((f) => f.code === expected.code && f.message === finding.message),
    [],
  );
  assert.ok(
    again.filter((f) => f.code === expected.code).length < findings.filter((f) => f.code === expected.code).length,
  );
}

/** A case of `assertFix`: the documents written here, or a before/after pair of files under test/fixtures/fixes. */
type FixCase = { name: string; expected: FixExpected } & ({ before: string; after: string } | { files: string });

/** A key policy whose Statement is one object, not a list, for one app role only: two findings start from it. */
const ONE_STATEMENT_OBJECT = doc`
{
  "Version": "2012-10-17",
  "Statement": {
    "Sid": "OnlyTheApp",
    "Effect": "Allow",
    "Principal": { "AWS": "arn:aws:iam::111122223333:role/AppRole" },
    "Action": ["kms:Encrypt", "kms:Decrypt"],
    "Resource": "*"
  }
}
`;

const FIX_CASES: FixCase[] = [
  {
    name: 'missing-create-grant: inserts the scoped statement for the key users (comment kept)',
    files: 'key-users-grant-statement',
    expected: {
      code: 'missing-create-grant',
      title:
        'Add statement "AllowEC2GrantsForEncryptedVolumes" allowing EC2 grants for arn:aws:iam::111122223333:role/AppRole',
    },
  },
  {
    name: 'missing-create-grant: no principal can obtain the grant -> delegation statement',
    before: doc`
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Admins",
                "Effect": "Allow",
                "Principal": { "AWS": "arn:aws:iam::111122223333:role/KeyAdmin" },
                "Action": ["kms:Describe*", "kms:Put*", "kms:ScheduleKeyDeletion"],
                "Resource": "*"
            }
        ]
    }
    `,
    expected: {
      code: 'missing-create-grant',
      title: 'Add the account delegation statement "Enable IAM User Permissions" for account 111122223333',
    },
    after: doc`
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Admins",
                "Effect": "Allow",
                "Principal": { "AWS": "arn:aws:iam::111122223333:role/KeyAdmin" },
                "Action": ["kms:Describe*", "kms:Put*", "kms:ScheduleKeyDeletion"],
                "Resource": "*"
            },
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {
                    "AWS": "arn:aws:iam::111122223333:root"
                },
                "Action": "kms:*",
                "Resource": "*"
            }
        ]
    }
    `,
  },
  {
    name: 'missing-create-grant (identity policy, tabs): statement on the key the policy names',
    files: 'identity-policy-tabs',
    expected: {
      code: 'missing-create-grant',
      title:
        'Add statement "AllowEC2GrantsForEncryptedVolumes" allowing kms:CreateGrant for AWS resources on the keys this policy names',
    },
  },
  {
    name: 'missing-create-grant (identity policy): placeholder key ARN',
    before: doc`
    {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}
    `,
    expected: {
      code: 'missing-create-grant',
      title:
        'Add statement "AllowEC2GrantsForEncryptedVolumes" allowing kms:CreateGrant for AWS resources (replace the placeholder key ARN)',
    },
    after: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "ec2:*",
          "Resource": "*"
        },
        {
          "Sid": "AllowEC2GrantsForEncryptedVolumes",
          "Effect": "Allow",
          "Action": [
            "kms:CreateGrant"
          ],
          "Resource": [
            "arn:aws:kms:REGION:ACCOUNT_ID:key/KEY_ID"
          ],
          "Condition": {
            "Bool": {
              "kms:GrantIsForAWSResource": true
            }
          }
        }
      ]
    }
    `,
  },
  {
    name: 'unscoped-create-grant: adds the condition to a grant-only statement',
    before: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
          "Action": "kms:*",
          "Resource": "*"
        },
        {
          "Sid": "Grants",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:role/AppRole" },
          "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          "Resource": "*"
        }
      ]
    }
    `,
    expected: {
      code: 'unscoped-create-grant',
      title: 'Allow these grants only for AWS resources (Bool kms:GrantIsForAWSResource true)',
    },
    after: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
          "Action": "kms:*",
          "Resource": "*"
        },
        {
          "Sid": "Grants",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:role/AppRole" },
          "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          "Resource": "*",
          "Condition": {
            "Bool": {
              "kms:GrantIsForAWSResource": true
            }
          }
        }
      ]
    }
    `,
  },
  {
    name: 'unscoped-create-grant: splits CreateGrant out of a mixed Action list',
    files: 'split-create-grant',
    expected: {
      code: 'unscoped-create-grant',
      title: 'Move kms:CreateGrant into its own statement "AllowCreateGrantForAWSResources" limited to AWS resources',
    },
  },
  {
    name: 'unscoped-create-grant: guards a wildcard grant with a Deny (account delegation left alone)',
    files: 'wildcard-grant-guard',
    expected: {
      code: 'unscoped-create-grant',
      title: 'Add Deny "DenyCreateGrantNotForAWSResource": kms:CreateGrant only when the grant is for an AWS resource',
    },
  },
  {
    name: 'create-grant-denied: limits the Deny to direct calls',
    before: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
          "Action": "kms:*",
          "Resource": "*"
        },
        {
          "Sid": "NoGrantsOutsideAdmins",
          "Effect": "Deny",
          "Principal": "*",
          "Action": "kms:CreateGrant",
          "Resource": "*",
          "Condition": { "ArnNotEquals": { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/KeyAdmin" } }
        }
      ]
    }
    `,
    expected: {
      code: 'create-grant-denied',
      title: 'Limit this Deny to direct CreateGrant calls (BoolIfExists kms:GrantIsForAWSResource false)',
    },
    after: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
          "Action": "kms:*",
          "Resource": "*"
        },
        {
          "Sid": "NoGrantsOutsideAdmins",
          "Effect": "Deny",
          "Principal": "*",
          "Action": "kms:CreateGrant",
          "Resource": "*",
          "Condition": {
            "ArnNotEquals": {
              "aws:PrincipalArn": "arn:aws:iam::111122223333:role/KeyAdmin"
            },
            "BoolIfExists": {
              "kms:GrantIsForAWSResource": false
            }
          }
        }
      ]
    }
    `,
  },
  {
    name: 'no-iam-delegation: single Statement object becomes a list',
    before: ONE_STATEMENT_OBJECT,
    expected: {
      code: 'no-iam-delegation',
      title: 'Add the account delegation statement "Enable IAM User Permissions" for account 111122223333',
    },
    after: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "OnlyTheApp",
          "Effect": "Allow",
          "Principal": {
            "AWS": "arn:aws:iam::111122223333:role/AppRole"
          },
          "Action": [
            "kms:Encrypt",
            "kms:Decrypt"
          ],
          "Resource": "*"
        },
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": {
            "AWS": "arn:aws:iam::111122223333:root"
          },
          "Action": "kms:*",
          "Resource": "*"
        }
      ]
    }
    `,
  },
  {
    name: 'no-iam-delegation (CloudFormation): delegation with Fn::Sub',
    files: 'cloudformation-delegation',
    expected: {
      code: 'no-iam-delegation',
      title: 'Add the account delegation statement "Enable IAM User Permissions"',
    },
  },
  {
    name: 'principal-cannot-create-grant: statement for the named principal',
    before: ONE_STATEMENT_OBJECT,
    expected: {
      code: 'principal-cannot-create-grant',
      title:
        'Add statement "AllowEC2GrantsForEncryptedVolumes" allowing EC2 grants for arn:aws:iam::111122223333:user/ops',
      principals: ['arn:aws:iam::111122223333:user/ops'],
    },
    after: doc`
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "OnlyTheApp",
          "Effect": "Allow",
          "Principal": {
            "AWS": "arn:aws:iam::111122223333:role/AppRole"
          },
          "Action": [
            "kms:Encrypt",
            "kms:Decrypt"
          ],
          "Resource": "*"
        },
        {
          "Sid": "AllowEC2GrantsForEncryptedVolumes",
          "Effect": "Allow",
          "Principal": {
            "AWS": "arn:aws:iam::111122223333:user/ops"
          },
          "Action": "kms:CreateGrant",
          "Resource": "*",
          "Condition": {
            "Bool": {
              "kms:GrantIsForAWSResource": true
            }
          }
        }
      ]
    }
    `,
  },
  {
    name: 'principal-relies-on-iam: statement for the named principal',
    files: 'named-principal-relies-on-iam',
    expected: {
      code: 'principal-relies-on-iam',
      title:
        'Add statement "AllowEC2GrantsForEncryptedVolumes" allowing EC2 grants for arn:aws:iam::111122223333:user/ops',
      principals: ['arn:aws:iam::111122223333:user/ops'],
    },
  },
];

describe('policy fixes: exact before and after', () => {
  for (const c of FIX_CASES) {
    it(c.name, () => {
      if ('files' in c) assertFix(fixture(`${c.files}.before.json`), c.expected, fixture(`${c.files}.after.json`));
      else assertFix(c.before, c.expected, c.after);
    });
  }

  it('offers no fix when the text does not parse', () => {
    const broken = fixture('key-users-grant-statement.before.json').replace(
      '"Resource": "*"\n    }\n  ]',
      '"Resource": "*"\n    }\n  ',
    );
    const { findings } = analyzePolicyText(broken);
    assert.ok(findings.length > 0);
    assert.ok(findings.every((f) => f.fixes.length === 0));
  });

  it('gives each inserted statement a Sid not used yet', () => {
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowEC2GrantsForEncryptedVolumes',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/A' },
            Action: 'kms:Decrypt',
            Resource: '*',
          },
          {
            Sid: 'AllowEC2GrantsForEncryptedVolumes2',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:root' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      },
      null,
      2,
    );
    const finding = analyzePolicyText(text).findings.find((f) => f.code === 'missing-create-grant');
    assert.ok(finding);
    assert.match(applyEdits(text, finding.fixes[0].edits), /"Sid": "AllowEC2GrantsForEncryptedVolumes3"/);
  });
});

describe('statement builders (src/domain.md section 4)', () => {
  it('key policy statement', () => {
    assert.deepEqual(keyPolicyGrantStatement(['arn:aws:iam::123456789012:role/Role_Name']), {
      Sid: 'AllowEC2GrantsForEncryptedVolumes',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/Role_Name' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    });
    assert.deepEqual((keyPolicyGrantStatement(['a', 'b'], 'X') as { Principal: unknown; Sid: string }).Principal, {
      AWS: ['a', 'b'],
    });
  });

  it('identity policy statement', () => {
    assert.deepEqual(identityPolicyGrantStatement(['arn:aws:kms:region:123456789012:key/ExampleKey']), {
      Effect: 'Allow',
      Action: ['kms:CreateGrant'],
      Resource: ['arn:aws:kms:region:123456789012:key/ExampleKey'],
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    });
  });

  it('an inserted statement keeps CRLF line endings and comments', () => {
    const text = '{\r\n  // live key policy\r\n  "Statement": [\r\n    { "Sid": "A" }\r\n  ]\r\n}\r\n';
    const editor = new LocalEditor(text, detectFormatting(text));
    const statements = parseTree(text)?.children?.[0]?.children?.[1];
    assert.ok(statements);
    const fixed = applyEdits(text, editor.format([editor.append(statements, { Sid: 'B' })]));
    // jsonc-parser formats the line the insertion starts on: the one-line statement before it is laid out too.
    assert.equal(
      fixed,
      '{\r\n  // live key policy\r\n  "Statement": [\r\n    {\r\n      "Sid": "A"\r\n    },\r\n    {\r\n      "Sid": "B"\r\n    }\r\n  ]\r\n}\r\n',
    );
  });
});

describe('fix edits on the lines they touch', () => {
  const policy = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const ROLE = 'arn:aws:iam::111122223333:role/App';

  it('lays out the inserted statement as jsonc-parser would, touching only the lines around it', () => {
    const text = `${JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }] }, null, 2)}\n`;
    const [fix] = analyzePolicyText(text).findings.flatMap((f) => f.fixes);
    assert.equal(fix.edits.length, 1);
    assert.ok(fix.edits[0].offset > text.indexOf('"Resource"'), 'nothing before the last statement changes');
  });

  it(`inserts compact JSON at one point into a line longer than ${FORMAT_WINDOW_LIMIT} characters`, () => {
    const statements = Array.from({ length: 80 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `${ROLE}${i}` },
      Action: 'kms:Decrypt',
      Resource: '*',
    }));
    const text = policy(statements);
    assert.ok(text.length > FORMAT_WINDOW_LIMIT);
    const fixes = analyzePolicyText(text)
      .findings.filter((f) => f.code === 'missing-create-grant')
      .flatMap((f) => f.fixes);
    assert.equal(fixes.length, 80);
    for (const fix of fixes) {
      assert.deepEqual(
        fix.edits.map((e) => [e.offset, e.length]),
        [[text.length - 2, 0]],
      );
      assert.match(fix.edits[0].content, /^,\{"Sid":"AllowEC2GrantsForEncryptedVolumes","Effect":"Allow"/);
    }
  });

  it('splits CreateGrant out of a compact one-line statement: both changes, formatted together', () => {
    const text = policy([
      {
        Sid: 'Mixed',
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: ['kms:Decrypt', 'kms:CreateGrant'],
        Resource: '*',
      },
    ]);
    const finding = analyzePolicyText(text).findings.find((f) => f.code === 'unscoped-create-grant');
    assert.ok(finding);
    const fixed = applyEdits(text, finding.fixes[0].edits);
    assert.deepEqual(
      JSON.parse(fixed).Statement.map((s: { Sid: string; Action: unknown }) => [s.Sid, s.Action]),
      [
        ['Mixed', ['kms:Decrypt']],
        ['AllowCreateGrantForAWSResources', 'kms:CreateGrant'],
      ],
    );
    assert.deepEqual(
      analyzePolicyText(fixed).findings.filter((f) => f.code === 'unscoped-create-grant'),
      [],
    );
  });
});

describe('fix edits agree with jsonc-parser modify', () => {
  /** A text laid out in one of the ways people write policies: indented, tabbed, CRLF, partly compact. */
  function layout(random: () => number, policy: unknown): string {
    const indent = pick(random, [2, 4, '\t'] as const);
    let text = JSON.stringify(policy, null, indent);
    if (random() < 0.4) text = text.replace(/\{\n\s*("AWS": [^\n]*)\n\s*\}/g, '{ $1 }');
    if (random() < 0.3) text = text.replace(/\[\n\s*("[^"\n]*")\n\s*\]/g, '[$1]');
    if (random() < 0.3) text = text.replace(/\n/g, '\r\n');
    return random() < 0.5 ? `${text}\n` : text;
  }

  it('gives the same text as modify + applyEdits on 400 random policies and changes', () => {
    const random = seededRandom(4242);
    for (let n = 0; n < 400; n++) {
      const policy = randomKeyPolicy(random);
      const text = layout(random, policy);
      const formatting = detectFormatting(text);
      const root = parseTree(text);
      const statements = root?.children?.find((p) => p.children?.[0]?.value === 'Statement')?.children?.[1];
      assert.ok(root && statements?.children);
      const editor = new LocalEditor(text, formatting);
      const index = Math.floor(random() * statements.children.length);
      const statement = statements.children[index];
      const op = Math.floor(random() * 3);
      const path: (string | number)[] =
        op === 0
          ? ['Statement', -1]
          : op === 1
            ? ['Statement', index, 'Condition', pick(random, ['Bool', 'BoolIfExists']), 'kms:GrantIsForAWSResource']
            : ['Statement', index, 'Action'];
      const value =
        op === 0
          ? {
              Sid: 'New',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::111122223333:role/X' },
              Action: 'kms:CreateGrant',
              Resource: '*',
            }
          : op === 1
            ? random() < 0.5
            : ['kms:Decrypt'];
      const made = op === 0 ? editor.append(statements, value) : editor.set(statement, path.slice(2), value);
      assert.ok(made);
      const expected = applyEdits(
        text,
        modify(text, path, value, {
          formattingOptions: { ...formatting, eol: formatting.eol ?? '\n' },
          isArrayInsertion: op === 0,
        }),
      );
      assert.equal(
        applyEdits(text, editor.format([made])),
        expected,
        `${JSON.stringify(text)} ${JSON.stringify(path)}`,
      );
    }
  });
});
