import * as assert from 'node:assert/strict';
import { ec2GrantRequest, evaluateCreateGrant } from '../../../src/core/policy';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const SSO_ROLE_NAME = 'AWSReservedSSO_Admin_0123456789abcdef';
const SSO_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/${SSO_ROLE_NAME}/alice@example.com`;
const SSO_ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE_NAME}`;

const SSO_ROLES_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*' } },
    },
  ],
};

describe('aws:PrincipalArn with the role path', () => {
  it('an Identity Center session whose role ARN (with its path) is known is allowed by a path condition', () => {
    assert.equal(
      evaluateCreateGrant(SSO_ROLES_POLICY, SSO_SESSION, { region: REGION, principalPolicyArn: SSO_ROLE }).verdict,
      'allowed',
    );
  });

  it('without the role ARN the session names its role without a path, and the condition does not match', () => {
    assert.equal(evaluateCreateGrant(SSO_ROLES_POLICY, SSO_SESSION, { region: REGION }).verdict, 'denied');
  });

  it('the request puts the given role ARN in aws:PrincipalArn and keeps the session as the caller', () => {
    const request = ec2GrantRequest(SSO_SESSION, { region: REGION, principalPolicyArn: SSO_ROLE });
    assert.equal(request.conditionKeys['aws:PrincipalArn'], SSO_ROLE);
    assert.equal(request.principalArn, SSO_SESSION);
    assert.equal(
      ec2GrantRequest(SSO_SESSION, { region: REGION }).conditionKeys['aws:PrincipalArn'],
      `arn:aws:iam::${ACCOUNT}:role/${SSO_ROLE_NAME}`,
    );
  });
});
