import * as assert from 'node:assert/strict';
import { diagnoseInstance } from '../../../src/core/diagnosis';
import { ACCOUNT, INSTANCE_ID, KEY_ARN, NOW, REGION, baseWorld, fakePorts, startEvent } from './fakes';

const SSO_ROLE_NAME = 'AWSReservedSSO_Admin_0123456789abcdef';
const SSO_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/${SSO_ROLE_NAME}/alice@example.com`;
/** Identity Center roles may carry a Region in their path; only CloudTrail's sessionIssuer tells. */
const SSO_ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${REGION}/${SSO_ROLE_NAME}`;

/** Lets every Identity Center role of any account have EC2 create grants, by aws:PrincipalArn. */
const SSO_ROLES_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowIdentityCenterRoles',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*' },
        Bool: { 'kms:GrantIsForAWSResource': true },
      },
    },
  ],
});

describe('aws:PrincipalArn of a role session', () => {
  it("carries the role's path from CloudTrail's session issuer, so a path condition in the key policy matches", async () => {
    const world = baseWorld({
      caller: { account: ACCOUNT, arn: SSO_SESSION, userId: 'AROAEXAMPLE:alice@example.com' },
      events: [startEvent({ userArn: SSO_SESSION, sessionIssuerArn: SSO_ROLE })],
      keyPolicies: { [KEY_ARN]: SSO_ROLES_POLICY },
    });
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.principal?.policyArn, SSO_ROLE);
    assert.equal(report.principal?.policyArnCertain, true);
    const step = report.steps.find((s) => s.id === 'key-policy');
    assert.equal(step?.status, 'pass', step?.summary);
    assert.match(step?.evidence[0]?.value ?? '', /^allowed:/);
    assert.notEqual(report.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('without a session issuer, the guessed path is not used for the condition', async () => {
    const world = baseWorld({
      caller: { account: ACCOUNT, arn: SSO_SESSION, userId: 'AROAEXAMPLE:alice@example.com' },
      events: [startEvent({ userArn: SSO_SESSION })],
      keyPolicies: { [KEY_ARN]: SSO_ROLES_POLICY },
    });
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.principal?.policyArnCertain, false);
    assert.equal(report.steps.find((s) => s.id === 'key-policy')?.status, 'fail');
  });
});
