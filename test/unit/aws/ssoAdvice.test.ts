import * as assert from 'node:assert/strict';
import { classifyAwsError } from '../../../src/aws/errors';

const expired = () =>
  Object.assign(new Error('The security token included in the request is expired'), {
    name: 'ExpiredToken',
    Code: 'ExpiredToken',
    $metadata: { httpStatusCode: 400 },
  });

describe('aws sso login advice', () => {
  it('is given only to SSO profiles, or when the sign-in kind is unknown', () => {
    for (const signIn of ['static-keys', 'assume-role', 'credential-process'] as const) {
      const failure = classifyAwsError(expired(), { profile: 'keys', signIn });
      assert.equal(failure.kind, 'expired-credentials', signIn);
      assert.doesNotMatch(failure.nextStep, /sso/i, signIn);
    }
    assert.match(
      classifyAwsError(expired(), { profile: 'corp', signIn: 'sso' }).nextStep,
      /aws sso login --profile corp/,
    );
    assert.match(classifyAwsError(expired(), { profile: 'x' }).nextStep, /for SSO: aws sso login --profile x/);
  });
});
