import * as assert from 'node:assert/strict';
import { ec2GrantRequest, evaluateCreateGrant, evaluatePolicy } from '../../../src/core/policy';
import { compilePolicy } from '../../../src/core/policy/evaluate';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const OPS = `arn:aws:iam::${ACCOUNT}:role/Ops`;
const OPS_WITH_PATH = `arn:aws:iam::${ACCOUNT}:role/team/Ops`;
const OPS_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const FOREIGN = 'arn:aws:iam::444455556666:role/Partner';
const REGION = 'eu-west-1';

/** Allows everyone named, then denies kms:* to everyone but the NotPrincipal list. */
function policy(notPrincipal: unknown, effect: 'Deny' | 'Allow' = 'Deny'): unknown {
  const allowAll = {
    Sid: 'AllowGrants',
    Effect: 'Allow',
    Principal: { AWS: [OPS, USER, ROOT, FOREIGN] },
    Action: 'kms:CreateGrant',
    Resource: '*',
  };
  return {
    Version: '2012-10-17',
    Statement: [
      allowAll,
      { Sid: 'OnlyThese', Effect: effect, NotPrincipal: notPrincipal, Action: 'kms:*', Resource: '*' },
    ],
  };
}

const verdict = (document: unknown, principal: string): string =>
  evaluateCreateGrant(document, principal, { region: REGION, keyAccount: ACCOUNT }).verdict;

describe('NotPrincipal with Deny (IAM User Guide, "AWS JSON policy elements: NotPrincipal")', () => {
  it('a role alone does not exclude its session: the account is not listed, so it stays denied', () => {
    assert.equal(verdict(policy({ AWS: OPS }), OPS_SESSION), 'denied');
    assert.equal(verdict(policy({ AWS: OPS_WITH_PATH }), OPS_SESSION), 'denied');
  });

  it('the role and its account root together exclude the session', () => {
    assert.equal(verdict(policy({ AWS: [OPS, ROOT] }), OPS_SESSION), 'allowed');
    assert.equal(verdict(policy({ AWS: [OPS_WITH_PATH, ACCOUNT] }), OPS_SESSION), 'allowed');
    assert.equal(verdict(policy({ AWS: [OPS_SESSION, ROOT] }), OPS_SESSION), 'allowed');
  });

  it('a user needs its account listed too, and the account alone excludes none of its users', () => {
    assert.equal(verdict(policy({ AWS: USER }), USER), 'denied');
    assert.equal(verdict(policy({ AWS: ROOT }), USER), 'denied');
    assert.equal(verdict(policy({ AWS: [USER, ROOT] }), USER), 'allowed');
  });

  it("another account's role is not excluded by this account's root", () => {
    assert.equal(evaluateCreateGrant(policy({ AWS: [FOREIGN, ROOT] }), FOREIGN, { region: REGION }).verdict, 'denied');
    assert.equal(
      evaluateCreateGrant(policy({ AWS: [FOREIGN, 'arn:aws:iam::444455556666:root'] }), FOREIGN, { region: REGION })
        .verdict,
      'allowed',
    );
  });

  it('the account root is excluded by its account, "*" excludes everyone, a Deny names the denying statement', () => {
    assert.equal(verdict(policy({ AWS: ACCOUNT }), ROOT), 'allowed');
    assert.equal(verdict(policy('*'), OPS_SESSION), 'allowed');
    const denied = evaluateCreateGrant(policy({ AWS: OPS }), OPS_SESSION, { region: REGION, keyAccount: ACCOUNT });
    assert.deepEqual(
      denied.matched.filter((m) => m.effect === 'Deny').map((m) => m.sid),
      ['OnlyThese'],
    );
  });

  it('the same answers from a compiled policy (the per-statement index) as from a one-off scan', () => {
    for (const list of [
      { AWS: OPS },
      { AWS: [OPS, ROOT] },
      { AWS: ROOT },
      { AWS: [USER, ACCOUNT] },
      { AWS: ACCOUNT },
    ]) {
      const document = policy(list);
      const compiled = compilePolicy(document);
      for (const caller of [OPS_SESSION, USER, ROOT, FOREIGN]) {
        const request = ec2GrantRequest(caller, { region: REGION });
        assert.deepEqual(
          evaluatePolicy(compiled, request, 'resource'),
          evaluatePolicy(document, request, 'resource'),
          `${JSON.stringify(list)} for ${caller}`,
        );
      }
    }
  });
});

describe('NotPrincipal with Allow (unsupported by AWS) stays conservative', () => {
  it('any mention of the caller or its account leaves it out of the Allow', () => {
    const allowOthers = (list: unknown): unknown => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotPrincipal: list, Action: 'kms:CreateGrant', Resource: '*' }],
    });
    assert.equal(verdict(allowOthers({ AWS: OPS }), OPS_SESSION), 'denied');
    assert.equal(verdict(allowOthers({ AWS: ROOT }), USER), 'denied');
    assert.equal(verdict(allowOthers({ AWS: FOREIGN }), USER), 'allowed');
  });
});
