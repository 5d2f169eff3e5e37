import * as assert from 'node:assert/strict';
import { classifyAwsError, deniedAction } from '../../../src/aws/errors';

/** An SDK-like service exception: name is the service's code, with HTTP metadata. */
function serviceError(name: string, message: string, status = 400): Error & { $metadata: { httpStatusCode: number } } {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifyAwsError', () => {
  it('tells an expired SSO session with the sso login command for that profile', () => {
    const error = Object.assign(
      new Error('The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.'),
      { name: 'CredentialsProviderError' },
    );
    const failure = classifyAwsError(error, { profile: 'team-sso', region: 'eu-west-1' });
    assert.equal(failure.kind, 'expired-credentials');
    assert.equal(failure.nextStep, 'Run: aws sso login --profile team-sso');
  });

  it('treats a TokenProviderError about an expired token as expired credentials', () => {
    const error = Object.assign(new Error("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile."), {
      name: 'TokenProviderError',
    });
    assert.equal(classifyAwsError(error, { profile: 'p' }).kind, 'expired-credentials');
  });

  it('classifies ExpiredToken and ExpiredTokenException, with sso login only for SSO profiles', () => {
    const sts = classifyAwsError(serviceError('ExpiredToken', 'The security token included in the request is expired'), {
      profile: 'keys',
      signIn: 'assume-role',
    });
    assert.equal(sts.kind, 'expired-credentials');
    assert.equal(sts.code, 'ExpiredToken');
    assert.match(sts.nextStep, /Refresh the temporary credentials of profile keys/);
    const kms = classifyAwsError(serviceError('ExpiredTokenException', 'expired'), { profile: 'corp', signIn: 'sso' });
    assert.equal(kms.kind, 'expired-credentials');
    assert.equal(kms.nextStep, 'Run: aws sso login --profile corp');
  });

  it('reports missing credentials from the provider chain', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const failure = classifyAwsError(error, { profile: 'nobody' });
    assert.equal(failure.kind, 'no-credentials');
    assert.match(failure.nextStep, /aws configure --profile nobody/);
  });

  describe('a failing credential_process', () => {
    // What the SDK passes on: Node's exec message, command line and stderr included.
    const secretCommand = '/opt/vault/bin/aws-creds --role prod --token=s3cr3t-T0KEN-value';
    const processError = (): Error =>
      Object.assign(new Error(`Command failed: ${secretCommand}\nerror: session s3cr3t-T0KEN-value rejected by the vault`), {
        name: 'CredentialsProviderError',
      });
    const text = (failure: { message: string; nextStep: string }): string => `${failure.message}\n${failure.nextStep}`;

    it('names the profile and its sign-in kind, never the command line or its output', () => {
      const failure = classifyAwsError(processError(), { profile: 'vault', region: 'eu-west-1', signIn: 'credential-process' });
      assert.equal(failure.kind, 'no-credentials');
      assert.doesNotMatch(text(failure), /s3cr3t|aws-creds|Command failed|rejected by the vault/);
      assert.match(failure.message, /profile vault \(credential_process\)/);
      assert.match(failure.nextStep, /credential_process command of profile vault/);
    });

    it('drops the command output when a role signs in through such a profile too', () => {
      const failure = classifyAwsError(processError(), { profile: 'admin', signIn: 'assume-role' });
      assert.equal(failure.kind, 'no-credentials');
      assert.doesNotMatch(text(failure), /s3cr3t|aws-creds|Command failed/);
      assert.match(failure.message, /profile admin \(role\)/);
    });

    it('drops it from any other classification as well', () => {
      const plain = Object.assign(new Error(`Command failed: ${secretCommand}\nconnect ETIMEDOUT`), { code: 'ETIMEDOUT' });
      const failure = classifyAwsError(plain, { profile: 'vault' });
      assert.doesNotMatch(text(failure), /s3cr3t|aws-creds|Command failed/);
    });

    it("keeps the SDK's own explanation for other sign-in failures", () => {
      const mfa = Object.assign(new Error('Profile admin requires multi-factor authentication, but no MFA code callback was provided.'), {
        name: 'CredentialsProviderError',
      });
      const failure = classifyAwsError(mfa, { profile: 'admin', signIn: 'assume-role' });
      assert.match(failure.message, /requires multi-factor authentication/);
    });
  });

  for (const code of ['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']) {
    it(`names the denied action for ${code}`, () => {
      const error = serviceError(
        code,
        'User: arn:aws:iam::111122223333:user/dev is not authorized to perform: kms:GetKeyPolicy on resource: arn:aws:kms:eu-west-1:111122223333:key/k',
        403,
      );
      const failure = classifyAwsError(error, { profile: 'dev', region: 'eu-west-1', action: 'kms:DescribeKey' });
      assert.equal(failure.kind, 'access-denied');
      assert.equal(failure.action, 'kms:GetKeyPolicy');
      assert.equal(failure.code, code);
      assert.match(failure.message, /kms:GetKeyPolicy/);
    });
  }

  it('falls back to the action of the call when the message names none', () => {
    const failure = classifyAwsError(serviceError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403), {
      action: 'ec2:DescribeInstances',
    });
    assert.equal(failure.kind, 'access-denied');
    assert.equal(failure.action, 'ec2:DescribeInstances');
  });

  it('classifies a credential rejection in an opt-in region as a disabled region', () => {
    const error = serviceError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    const failure = classifyAwsError(error, { profile: 'p', region: 'me-south-1' });
    assert.equal(failure.kind, 'region-disabled');
    assert.match(failure.message, /me-south-1/);
    assert.equal(classifyAwsError(serviceError('UnrecognizedClientException', 'bad'), { region: 'af-south-1' }).kind, 'region-disabled');
    assert.equal(classifyAwsError(serviceError('OptInRequired', 'opt in'), { region: 'eu-west-1' }).kind, 'region-disabled');
  });

  it('classifies the same rejection in a default region as a credential problem', () => {
    const failure = classifyAwsError(serviceError('AuthFailure', 'AWS was not able to validate', 401), { profile: 'p', region: 'eu-west-1' });
    assert.equal(failure.kind, 'no-credentials');
  });

  for (const code of ['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']) {
    it(`classifies ${code} as throttled`, () => {
      assert.equal(classifyAwsError(serviceError(code, 'Rate exceeded')).kind, 'throttled');
    });
  }

  it('classifies socket errors and timeouts as network', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    assert.equal(classifyAwsError(refused).kind, 'network');
    assert.equal(classifyAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind, 'network');
    assert.equal(classifyAwsError(Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })).kind, 'network');
    const wrapped = Object.assign(new Error('request failed'), { cause: { code: 'ETIMEDOUT', message: 'x' } });
    assert.equal(classifyAwsError(wrapped).kind, 'network');
  });

  it('classifies missing resources as not-found', () => {
    assert.equal(classifyAwsError(serviceError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist")).kind, 'not-found');
    assert.equal(classifyAwsError(serviceError('NotFoundException', 'Key not found')).kind, 'not-found');
  });

  it('classifies aborts as cancelled', () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    assert.equal(classifyAwsError(abort).kind, 'cancelled');
  });

  it('keeps anything else as unknown with its message and code', () => {
    const failure = classifyAwsError(serviceError('KMSInvalidStateException', 'key is disabled'));
    assert.equal(failure.kind, 'unknown');
    assert.equal(failure.code, 'KMSInvalidStateException');
    assert.equal(failure.message, 'key is disabled');
    assert.equal(classifyAwsError('plain text').message, 'plain text');
    assert.equal(classifyAwsError(undefined).kind, 'unknown');
  });

  it('extracts the action from denial messages', () => {
    assert.equal(deniedAction('... is not authorized to perform: ec2:StartInstances on resource ...'), 'ec2:StartInstances');
    assert.equal(deniedAction('Access Denied'), undefined);
  });
});
