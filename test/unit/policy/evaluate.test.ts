import * as assert from 'node:assert/strict';
import { ec2GrantRequest, evaluateCreateGrant, evaluatePolicy, type RequestContext } from '../../../src/core/policy';
import { authorizeKmsRequest, compilePolicy, statementMatch } from '../../../src/core/policy/evaluate';
import { pick, seededRandom } from './generators';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/AppRole`;
const PATH_ROLE = `arn:aws:iam::${ACCOUNT}:role/team/ops/AppRole`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/AppRole/i-0abc`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const FOREIGN = 'arn:aws:iam::444455556666:role/Partner';
const REGION = 'eu-west-1';
const VIA_EC2 = `ec2.${REGION}.amazonaws.com`;

type Verdict = 'allowed' | 'relies-on-iam' | 'denied';
interface Case {
  name: string;
  statements: unknown;
  principal?: string;
  verdict: Verdict;
  keyAccount?: string;
}

const allow = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: 'kms:CreateGrant',
  Resource: '*',
  ...extra,
});
const deny = (extra: Record<string, unknown>): Record<string, unknown> => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:CreateGrant',
  Resource: '*',
  ...extra,
});
const delegation = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: ROOT },
  Action: 'kms:*',
  Resource: '*',
};

const CASES: Case[] = [
  // Action / NotAction
  { name: 'exact action', statements: [allow({})], verdict: 'allowed' },
  { name: 'action in other case', statements: [allow({ Action: 'KMS:createGRANT' })], verdict: 'allowed' },
  { name: 'kms:* wildcard', statements: [allow({ Action: 'kms:*' })], verdict: 'allowed' },
  { name: '* wildcard', statements: [allow({ Action: '*' })], verdict: 'allowed' },
  { name: 'kms:Create* prefix', statements: [allow({ Action: 'kms:Create*' })], verdict: 'allowed' },
  { name: '? wildcard', statements: [allow({ Action: 'kms:Creat?Grant' })], verdict: 'allowed' },
  {
    name: 'action list containing it',
    statements: [allow({ Action: ['kms:Decrypt', 'kms:CreateGrant'] })],
    verdict: 'allowed',
  },
  {
    name: 'crypto-only action list',
    statements: [allow({ Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] })],
    verdict: 'denied',
  },
  { name: 'other service wildcard', statements: [allow({ Action: 'ec2:*' })], verdict: 'denied' },
  {
    name: 'NotAction Decrypt allows CreateGrant',
    statements: [allow({ Action: undefined, NotAction: ['kms:Decrypt'] })],
    verdict: 'allowed',
  },
  {
    name: 'NotAction CreateGrant excludes it',
    statements: [allow({ Action: undefined, NotAction: 'kms:CreateGrant' })],
    verdict: 'denied',
  },
  {
    name: 'NotAction wildcard excludes it',
    statements: [allow({ Action: undefined, NotAction: 'kms:*Grant' })],
    verdict: 'denied',
  },
  {
    name: 'both Action and NotAction: statement ignored',
    statements: [allow({ NotAction: 'kms:Decrypt' })],
    verdict: 'denied',
  },
  { name: 'Action of wrong type: statement ignored', statements: [allow({ Action: 42 })], verdict: 'denied' },
  // Principal forms
  { name: 'Principal "*"', statements: [allow({ Principal: '*' })], verdict: 'allowed' },
  { name: 'Principal {AWS: "*"}', statements: [allow({ Principal: { AWS: '*' } })], verdict: 'allowed' },
  {
    name: 'account id delegates to IAM',
    statements: [allow({ Principal: { AWS: ACCOUNT } })],
    verdict: 'relies-on-iam',
  },
  { name: 'account root ARN delegates to IAM', statements: [delegation], verdict: 'relies-on-iam' },
  { name: 'user principal', statements: [allow({ Principal: { AWS: USER } })], principal: USER, verdict: 'allowed' },
  {
    name: 'another user does not match',
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` } })],
    principal: USER,
    verdict: 'denied',
  },
  { name: 'session matched by its role', statements: [allow({})], principal: SESSION, verdict: 'allowed' },
  {
    name: 'session matched by its role with a path',
    statements: [allow({ Principal: { AWS: PATH_ROLE } })],
    principal: SESSION,
    verdict: 'allowed',
  },
  {
    name: 'session of another role',
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Other` } })],
    principal: SESSION,
    verdict: 'denied',
  },
  { name: 'principal list', statements: [allow({ Principal: { AWS: [USER, ROLE] } })], verdict: 'allowed' },
  {
    name: 'partial wildcard in principal never matches',
    statements: [allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/*` } })],
    verdict: 'denied',
  },
  {
    name: 'service principal does not match a role',
    statements: [allow({ Principal: { Service: 'ec2.amazonaws.com' } })],
    verdict: 'denied',
  },
  {
    name: 'other account root',
    statements: [allow({ Principal: { AWS: 'arn:aws:iam::444455556666:root' } })],
    verdict: 'denied',
  },
  {
    name: 'NotPrincipal naming someone else',
    statements: [allow({ Principal: undefined, NotPrincipal: { AWS: USER } })],
    verdict: 'allowed',
  },
  {
    name: 'NotPrincipal naming the account excludes the caller',
    statements: [allow({ Principal: undefined, NotPrincipal: { AWS: ROOT } })],
    verdict: 'denied',
  },
  {
    name: 'cross-account principal named directly relies on its IAM',
    statements: [allow({ Principal: { AWS: FOREIGN } })],
    principal: FOREIGN,
    keyAccount: ACCOUNT,
    verdict: 'relies-on-iam',
  },
  // Resource
  { name: 'Resource "*"', statements: [allow({ Resource: '*' })], verdict: 'allowed' },
  {
    name: 'Resource key ARN wildcard',
    statements: [allow({ Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` })],
    verdict: 'allowed',
  },
  // Conditions
  {
    name: 'Bool true',
    statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } })],
    verdict: 'allowed',
  },
  {
    name: 'Bool "true"',
    statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })],
    verdict: 'allowed',
  },
  {
    name: 'Bool false does not match EC2',
    statements: [allow({ Condition: { Bool: { 'kms:GrantIsForAWSResource': false } } })],
    verdict: 'denied',
  },
  {
    name: 'condition key any case',
    statements: [allow({ Condition: { bool: { 'KMS:GRANTISFORAWSRESOURCE': 'TRUE' } } })],
    verdict: 'allowed',
  },
  {
    name: 'StringEquals kms:ViaService this region',
    statements: [allow({ Condition: { StringEquals: { 'kms:ViaService': VIA_EC2 } } })],
    verdict: 'allowed',
  },
  {
    name: 'StringEquals kms:ViaService other region',
    statements: [allow({ Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } })],
    verdict: 'denied',
  },
  {
    name: 'values are OR-ed',
    statements: [
      allow({ Condition: { StringEquals: { 'kms:ViaService': ['rds.eu-west-1.amazonaws.com', VIA_EC2] } } }),
    ],
    verdict: 'allowed',
  },
  {
    name: 'operators are AND-ed',
    statements: [
      allow({
        Condition: {
          Bool: { 'kms:GrantIsForAWSResource': true },
          StringEquals: { 'kms:CallerAccount': '444455556666' },
        },
      }),
    ],
    verdict: 'denied',
  },
  {
    name: 'StringLike wildcard',
    statements: [allow({ Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } } })],
    verdict: 'allowed',
  },
  {
    name: 'StringNotEquals on the caller account',
    statements: [allow({ Condition: { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } } })],
    verdict: 'denied',
  },
  {
    name: 'StringEqualsIgnoreCase',
    statements: [allow({ Condition: { StringEqualsIgnoreCase: { 'kms:ViaService': VIA_EC2.toUpperCase() } } })],
    verdict: 'allowed',
  },
  {
    name: 'ArnLike aws:PrincipalArn',
    statements: [
      allow({ Principal: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/App*` } } }),
    ],
    verdict: 'allowed',
  },
  {
    name: 'ArnEquals aws:PrincipalArn of a session is its role',
    statements: [allow({ Principal: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } } })],
    principal: SESSION,
    verdict: 'allowed',
  },
  {
    name: 'ArnNotLike excludes the caller',
    statements: [
      allow({ Principal: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } } }),
    ],
    verdict: 'denied',
  },
  {
    name: 'key absent from the context does not match',
    statements: [allow({ Condition: { StringEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })],
    verdict: 'denied',
  },
  {
    name: 'IfExists with an absent key matches',
    statements: [allow({ Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })],
    verdict: 'allowed',
  },
  {
    name: 'negated operator with an absent key matches',
    statements: [allow({ Condition: { StringNotEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } } })],
    verdict: 'allowed',
  },
  {
    name: 'Null true on an absent key',
    statements: [allow({ Condition: { Null: { 'kms:EncryptionContext:aws:ebs:id': 'true' } } })],
    verdict: 'allowed',
  },
  {
    name: 'Null false on a present key',
    statements: [allow({ Condition: { Null: { 'kms:ViaService': 'false' } } })],
    verdict: 'allowed',
  },
  {
    name: 'ForAnyValue with an absent key',
    statements: [allow({ Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } } })],
    verdict: 'denied',
  },
  {
    name: 'ForAllValues with an absent key',
    statements: [allow({ Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'aws:ebs:id' } } })],
    verdict: 'allowed',
  },
  {
    name: 'unknown operator: statement ignored',
    statements: [allow({ Condition: { StringSortOf: { 'kms:ViaService': VIA_EC2 } } })],
    verdict: 'denied',
  },
  // Deny
  { name: 'explicit Deny wins over Allow', statements: [allow({}), deny({})], verdict: 'denied' },
  {
    name: 'Control Tower Deny does not block EC2 grants',
    statements: [
      allow({}),
      deny({
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    ],
    verdict: 'allowed',
  },
  {
    name: 'Deny naming the account covers its principals',
    statements: [allow({}), deny({ Principal: { AWS: ACCOUNT } })],
    verdict: 'denied',
  },
  { name: 'Deny on another action', statements: [allow({}), deny({ Action: 'kms:Decrypt' })], verdict: 'allowed' },
  // Document shapes
  { name: 'Statement as a single object', statements: allow({}), verdict: 'allowed' },
  { name: 'Effect in wrong case: ignored', statements: [allow({ Effect: 'allow' })], verdict: 'denied' },
  { name: 'no statements', statements: [], verdict: 'denied' },
];

describe('evaluateCreateGrant: the grammar of src/domain.md section 5', () => {
  assert.ok(CASES.length >= 40);
  for (const c of CASES) {
    it(c.name, () => {
      const policy = { Version: '2012-10-17', Statement: c.statements };
      const result = evaluateCreateGrant(policy, c.principal ?? ROLE, { region: REGION, keyAccount: c.keyAccount });
      assert.equal(result.verdict, c.verdict, result.reason);
    });
  }

  it('accepts the policy as JSON text and never throws on garbage', () => {
    assert.equal(
      evaluateCreateGrant(JSON.stringify({ Statement: [allow({})] }), ROLE, { region: REGION }).verdict,
      'allowed',
    );
    for (const garbage of [null, undefined, 42, 'not json', [], { Statement: 'x' }, { Statement: [null, 1, 'a'] }]) {
      assert.equal(evaluateCreateGrant(garbage, ROLE, { region: REGION }).verdict, 'denied');
    }
  });

  it('names the statements that decided', () => {
    const result = evaluateCreateGrant({ Statement: [delegation, { ...deny({}), Sid: 'NoGrants' }] }, ROLE, {
      region: REGION,
    });
    assert.equal(result.verdict, 'denied');
    assert.deepEqual(
      result.matched.map((m) => [m.index, m.sid, m.effect]),
      [
        [0, 'Enable IAM User Permissions', 'Allow'],
        [1, 'NoGrants', 'Deny'],
      ],
    );
    assert.match(result.reason, /"NoGrants"/);
  });
});

describe('ec2GrantRequest', () => {
  it('builds the context EC2 uses for the grant', () => {
    const request = ec2GrantRequest(SESSION, { region: REGION, keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` });
    assert.equal(request.action, 'kms:CreateGrant');
    assert.equal(request.resource, `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`);
    assert.equal(request.principalAccount, ACCOUNT);
    assert.equal(request.conditionKeys['kms:GrantIsForAWSResource'], true);
    assert.equal(request.conditionKeys['kms:ViaService'], VIA_EC2);
    assert.equal(request.conditionKeys['kms:CallerAccount'], ACCOUNT);
    assert.equal(request.conditionKeys['aws:PrincipalArn'], ROLE);
    assert.equal(ec2GrantRequest(USER, { region: REGION }).resource, '*');
  });
});

describe('evaluatePolicy and authorizeKmsRequest', () => {
  const request: RequestContext = ec2GrantRequest(ROLE, { region: REGION });
  const identityAllow = { Statement: [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*' }] };

  it('identity policies ignore Principal and need a Resource', () => {
    assert.equal(evaluatePolicy(identityAllow, request, 'identity').decision, 'allow');
    assert.equal(
      evaluatePolicy({ Statement: [{ Effect: 'Allow', Action: 'kms:*' }] }, request, 'identity').decision,
      'implicit-deny',
    );
  });

  it('matches Resource against the key ARN when it is known', () => {
    const keyed = { ...request, resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` };
    const only = (resource: string): unknown => ({ Statement: [{ Effect: 'Allow', Action: '*', Resource: resource }] });
    assert.equal(evaluatePolicy(only(`arn:aws:kms:${REGION}:${ACCOUNT}:key/abc`), keyed, 'identity').decision, 'allow');
    assert.equal(
      evaluatePolicy(only(`arn:aws:kms:${REGION}:${ACCOUNT}:key/other`), keyed, 'identity').decision,
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicy(
        { Statement: [{ Effect: 'Allow', Action: '*', NotResource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/abc` }] },
        keyed,
        'identity',
      ).decision,
      'implicit-deny',
    );
  });

  it('a delegation alone is not an allow: IAM must also allow', () => {
    const key = { Statement: [delegation] };
    const alone = evaluatePolicy(key, request, 'resource');
    assert.equal(alone.decision, 'implicit-deny');
    assert.equal(alone.iamDelegation, true);
    assert.equal(authorizeKmsRequest(key, [], request).decision, 'implicit-deny');
    assert.equal(authorizeKmsRequest(key, [identityAllow], request).decision, 'allow');
    assert.equal(
      authorizeKmsRequest(
        key,
        [identityAllow, { Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }] }],
        request,
      ).decision,
      'explicit-deny',
    );
  });

  it('cross-account callers need both the key policy and their IAM policy', () => {
    const foreign = ec2GrantRequest(FOREIGN, { region: REGION });
    const key = { Statement: [allow({ Principal: { AWS: FOREIGN } })] };
    assert.equal(authorizeKmsRequest(key, [], foreign, ACCOUNT).decision, 'implicit-deny');
    assert.equal(authorizeKmsRequest(key, [identityAllow], foreign, ACCOUNT).decision, 'allow');
  });

  it('policy variables resolve from the context (2012-10-17 only)', () => {
    const withVariable = (version: string): unknown => ({
      Version: version,
      Statement: [
        allow({ Principal: '*', Condition: { StringEquals: { 'kms:CallerAccount': '${aws:PrincipalAccount}' } } }),
      ],
    });
    assert.equal(evaluatePolicy(withVariable('2012-10-17'), request, 'resource').decision, 'allow');
    assert.equal(evaluatePolicy(withVariable('2008-10-17'), request, 'resource').decision, 'implicit-deny');
  });
});

/**
 * The Principal rules spelled out entry by entry, as IAM states them: the evaluator answers
 * from a per-statement index, and must give the same answer for any element and caller.
 */
function referencePrincipalMatch(value: unknown, request: RequestContext): 'direct' | 'account' | 'none' | 'invalid' {
  if (value === '*') return 'direct';
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    return 'invalid';
  const session = /^arn:([^:]*):sts:[^:]*:([^:]*):assumed-role\/([^/]*)/.exec(request.principalArn);
  let best: 'direct' | 'account' | 'none' = 'none';
  for (const [type, raw] of Object.entries(value)) {
    const list =
      typeof raw === 'string'
        ? [raw]
        : Array.isArray(raw) && raw.every((e) => typeof e === 'string')
          ? (raw as string[])
          : undefined;
    if (!list) return 'invalid';
    if (list.length > 0 && !['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) return 'invalid';
    for (const entry of list) {
      if (entry === request.principalArn || (type === 'AWS' && entry === '*')) best = 'direct';
      if (type !== 'AWS') continue;
      const root = /^arn:[^:]*:iam:[^:]*:([^:]*):root$/.exec(entry);
      if ((/^\d{12}$/.test(entry) ? entry : root?.[1]) === request.principalAccount && best === 'none')
        best = 'account';
      const role = /^arn:([^:]*):iam:[^:]*:([^:]*):role\/(?:.*\/)?([^/]*)$/.exec(entry);
      if (role && session && role[1] === session[1] && role[2] === session[2] && role[3] === session[3])
        best = 'direct';
    }
  }
  return best;
}

/**
 * What a NotPrincipal list names, spelled out for the Deny rule of the IAM User Guide
 * ("AWS JSON policy elements: NotPrincipal"): the caller itself (its ARN, its role for a
 * session, or "*"), and its account (id, root ARN, or "*"). For an account root both are one.
 */
function referenceNotPrincipalNames(
  value: unknown,
  request: RequestContext,
): 'invalid' | { principal: boolean; account: boolean; root: boolean } {
  const best = referencePrincipalMatch(value, request);
  if (best === 'invalid') return 'invalid';
  const root = /^\d{12}$/.test(request.principalArn) || /^arn:[^:]*:iam::\d{12}:root$/.test(request.principalArn);
  if (value === '*') return { principal: true, account: true, root };
  let account = false;
  for (const [type, raw] of Object.entries(value as Record<string, unknown>)) {
    if (type !== 'AWS') continue;
    for (const entry of typeof raw === 'string' ? [raw] : (raw as string[])) {
      const rootOf = /^arn:[^:]*:iam:[^:]*:([^:]*):root$/.exec(entry)?.[1];
      if (entry === '*' || (/^\d{12}$/.test(entry) ? entry : rootOf) === request.principalAccount) account = true;
    }
  }
  return { principal: best === 'direct', account, root };
}

describe('principal matching: the per-statement index answers as the entry-by-entry rules', () => {
  const A = ACCOUNT;
  const B = '444455556666';
  const ENTRIES = [
    '*',
    A,
    B,
    `arn:aws:iam::${A}:root`,
    `arn:aws-cn:iam::${A}:root`,
    `arn:aws:iam::${B}:root`,
    ROLE,
    PATH_ROLE,
    `arn:aws-cn:iam::${A}:role/AppRole`,
    `arn:aws:iam::${B}:role/AppRole`,
    `arn:aws:iam::${A}:role/App*`,
    `arn:aws:iam::${A}:ROLE/AppRole`,
    `arn:aws:iam::${A}:role/a:b`,
    USER,
    SESSION,
    'ec2.amazonaws.com',
    'EC2.amazonaws.com',
    `arn:aws:iam::${A}1:root`,
    '',
  ];
  const TYPES = ['AWS', 'AWS', 'AWS', 'Service', 'Federated', 'CanonicalUser', 'aws', 'Other'];
  const CALLERS = [
    ROLE,
    SESSION,
    USER,
    FOREIGN,
    ROOT,
    A,
    'ec2.amazonaws.com',
    `arn:aws-cn:sts::${A}:assumed-role/AppRole/s`,
    `arn:aws:sts::${B}:assumed-role/AppRole/s`,
    `arn:aws:sts::${A}:assumed-role/a:b/s`,
  ];

  function randomPrincipal(random: () => number): unknown {
    const r = random();
    if (r < 0.05) return '*';
    if (r < 0.1)
      return pick(random, [
        {},
        ROLE,
        null,
        [ROLE],
        { AWS: 12 },
        { AWS: [ROLE, 1] },
        { Other: [] },
        { AWS: '*', Other: USER },
      ]);
    const element: Record<string, unknown> = {};
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
      const list = Array.from({ length: Math.floor(random() * 4) }, () => pick(random, ENTRIES));
      element[pick(random, TYPES)] = list.length === 1 && random() < 0.5 ? list[0] : list;
    }
    return element;
  }

  it('agrees on 3,000 generated Principal and NotPrincipal elements, for every caller', () => {
    const random = seededRandom(2024);
    const counts = { direct: 0, account: 0, none: 0, invalid: 0 };
    for (let i = 0; i < 3000; i++) {
      const value = randomPrincipal(random);
      const notPrincipal = random() < 0.3;
      const document = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'S',
            Effect: 'Allow',
            [notPrincipal ? 'NotPrincipal' : 'Principal']: value,
            Action: 'kms:CreateGrant',
            Resource: '*',
          },
        ],
      };
      const policy = compilePolicy(document);
      for (const caller of CALLERS) {
        const request = ec2GrantRequest(caller, { region: REGION });
        const expected = referencePrincipalMatch(value, request);
        counts[expected]++;
        const applies = notPrincipal
          ? expected === 'none'
            ? 'direct'
            : undefined
          : expected === 'direct' || expected === 'account'
            ? expected
            : undefined;
        const matched = evaluatePolicy(policy, request, 'resource').matched;
        assert.deepEqual(
          matched[0]?.principalMatch,
          applies,
          `${JSON.stringify(value)} ${notPrincipal ? 'NotPrincipal' : 'Principal'} for ${caller}`,
        );
        assert.equal(matched.length, applies ? 1 : 0);
        // A one-off evaluation of the document scans the entries instead: same answer.
        assert.deepEqual(evaluatePolicy(document, request, 'resource').matched, matched);
      }
    }
    // Every outcome must be exercised, or the comparison proves little.
    for (const [outcome, count] of Object.entries(counts)) assert.ok(count > 300, `${outcome}: only ${count}`);
  });

  it('agrees on 3,000 generated NotPrincipal elements with Deny: the caller is left out only when its account is named too', () => {
    const random = seededRandom(2025);
    const counts = { excluded: 0, partly: 0, unnamed: 0, invalid: 0 };
    for (let i = 0; i < 3000; i++) {
      const value = randomPrincipal(random);
      const document = {
        Version: '2012-10-17',
        Statement: [{ Sid: 'S', Effect: 'Deny', NotPrincipal: value, Action: 'kms:CreateGrant', Resource: '*' }],
      };
      const policy = compilePolicy(document);
      for (const caller of CALLERS) {
        const request = ec2GrantRequest(caller, { region: REGION });
        const names = referenceNotPrincipalNames(value, request);
        const excluded =
          names === 'invalid' ||
          (names.principal && names.account) ||
          (names.root && (names.principal || names.account));
        counts[
          names === 'invalid'
            ? 'invalid'
            : excluded
              ? 'excluded'
              : names.principal || names.account
                ? 'partly'
                : 'unnamed'
        ]++;
        const matched = evaluatePolicy(policy, request, 'resource').matched;
        assert.deepEqual(
          matched.map((m) => [m.effect, m.principalMatch]),
          excluded ? [] : [['Deny', 'direct']],
          `${JSON.stringify(value)} for ${caller}`,
        );
        assert.deepEqual(evaluatePolicy(document, request, 'resource').matched, matched);
      }
    }
    for (const [outcome, count] of Object.entries(counts)) assert.ok(count > 100, `${outcome}: only ${count}`);
  });

  it('a session matches its role whatever the path, only in the same partition, account and name', () => {
    const policy = (entry: string): unknown => ({ Statement: [allow({ Principal: { AWS: entry } })] });
    const session = ec2GrantRequest(SESSION, { region: REGION });
    assert.equal(evaluatePolicy(policy(PATH_ROLE), session, 'resource').decision, 'allow');
    assert.equal(
      evaluatePolicy(policy(`arn:aws-cn:iam::${ACCOUNT}:role/AppRole`), session, 'resource').decision,
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicy(policy(`arn:aws:iam::444455556666:role/AppRole`), session, 'resource').decision,
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicy(policy(`arn:aws:iam::${ACCOUNT}:role/App*`), session, 'resource').decision,
      'implicit-deny',
    );
    // The role entry must also contain the request's account, as IAM compares the session's account.
    assert.equal(
      evaluatePolicy(policy(ROLE), { ...session, principalAccount: '444455556666' }, 'resource').decision,
      'implicit-deny',
    );
  });

  it('an unknown principal type with entries makes the statement void, an empty one is ignored', () => {
    const request = ec2GrantRequest(ROLE, { region: REGION });
    assert.equal(
      evaluatePolicy({ Statement: [allow({ Principal: { AWS: '*', Other: ROLE } })] }, request, 'resource').matched
        .length,
      0,
    );
    assert.equal(
      evaluatePolicy({ Statement: [allow({ Principal: { AWS: ROLE, Other: [] } })] }, request, 'resource').decision,
      'allow',
    );
    assert.equal(evaluatePolicy({ Statement: [allow({ Principal: {} })] }, request, 'resource').matched.length, 0);
  });

  it('statementMatch reports exactly the statements evaluatePolicy lists', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const statements = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, n) => ({
        Sid: `S${n}`,
        Effect: random() < 0.7 ? 'Allow' : 'Deny',
        Principal: randomPrincipal(random),
        Action: pick(random, ['kms:CreateGrant', 'kms:Decrypt', 'kms:*']),
        Resource: '*',
        ...(random() < 0.4
          ? { Condition: { Bool: { 'kms:GrantIsForAWSResource': pick(random, [true, false]) } } }
          : {}),
      }));
      const policy = compilePolicy({ Version: '2012-10-17', Statement: statements });
      const request = ec2GrantRequest(pick(random, CALLERS), { region: REGION });
      const matched = evaluatePolicy(policy, request, 'resource').matched;
      statements.forEach((_, index) =>
        assert.deepEqual(
          statementMatch(policy, index, request, 'resource'),
          matched.find((m) => m.index === index),
        ),
      );
    }
  });
});
