import * as assert from 'node:assert/strict';
import {
  callTimeoutError,
  classifyAwsError,
  deniedAction,
  isDryRunSuccess,
  redactSecrets,
} from '../../../src/aws/errors';

/** An SDK-like service exception: name is the service's code, with HTTP metadata. */
function serviceError(name: string, message: string, status = 400): Error & { $metadata: { httpStatusCode: number } } {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifyAwsError', () => {
  it('tells an expired SSO session with the sso login command for that profile', () => {
    const error = Object.assign(
      new Error(
        'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
      ),
      { name: 'CredentialsProviderError' },
    );
    const failure = classifyAwsError(error, { profile: 'team-sso', region: 'eu-west-1' });
    assert.equal(failure.kind, 'expired-credentials');
    assert.equal(failure.nextStep, 'Run: aws sso login --profile team-sso');
  });

  it('treats a TokenProviderError about an expired token as expired credentials', () => {
    const error = Object.assign(
      new Error("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile."),
      {
        name: 'TokenProviderError',
      },
    );
    assert.equal(classifyAwsError(error, { profile: 'p' }).kind, 'expired-credentials');
  });

  it('classifies ExpiredToken and ExpiredTokenException, with sso login only for SSO profiles', () => {
    const sts = classifyAwsError(
      serviceError('ExpiredToken', 'The security token included in the request is expired'),
      {
        profile: 'keys',
        signIn: 'assume-role',
      },
    );
    assert.equal(sts.kind, 'expired-credentials');
    assert.equal(sts.code, 'ExpiredToken');
    assert.match(sts.nextStep, /Refresh the temporary credentials of profile keys/);
    const kms = classifyAwsError(serviceError('ExpiredTokenException', 'expired'), { profile: 'corp', signIn: 'sso' });
    assert.equal(kms.kind, 'expired-credentials');
    assert.equal(kms.nextStep, 'Run: aws sso login --profile corp');
  });

  it('reports missing credentials from the provider chain', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const failure = classifyAwsError(error, { profile: 'nobody' });
    assert.equal(failure.kind, 'no-credentials');
    assert.match(failure.nextStep, /aws configure --profile nobody/);
  });

  describe('a failing credential_process', () => {
    // What the SDK passes on: Node's exec message, command line and stderr included.
    const secretCommand = '/opt/vault/bin/aws-creds --role prod --token=s3cr3t-T0KEN-value';
    const processError = (): Error =>
      Object.assign(
        new Error(`Command failed: ${secretCommand}\nerror: session s3cr3t-T0KEN-value rejected by the vault`),
        {
          name: 'CredentialsProviderError',
        },
      );
    const text = (failure: { message: string; nextStep: string }): string => `${failure.message}\n${failure.nextStep}`;

    it('names the profile and its sign-in kind, never the command line or its output', () => {
      const failure = classifyAwsError(processError(), {
        profile: 'vault',
        region: 'eu-west-1',
        signIn: 'credential-process',
      });
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
      const plain = Object.assign(new Error(`Command failed: ${secretCommand}\nconnect ETIMEDOUT`), {
        code: 'ETIMEDOUT',
      });
      const failure = classifyAwsError(plain, { profile: 'vault' });
      assert.doesNotMatch(text(failure), /s3cr3t|aws-creds|Command failed/);
    });

    it("keeps the SDK's own explanation for other sign-in failures", () => {
      const mfa = Object.assign(
        new Error('Profile admin requires multi-factor authentication, but no MFA code callback was provided.'),
        {
          name: 'CredentialsProviderError',
        },
      );
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
    const failure = classifyAwsError(
      serviceError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
      {
        action: 'ec2:DescribeInstances',
      },
    );
    assert.equal(failure.kind, 'access-denied');
    assert.equal(failure.action, 'ec2:DescribeInstances');
  });

  it('classifies a credential rejection in an opt-in region as a disabled region', () => {
    const error = serviceError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    const failure = classifyAwsError(error, { profile: 'p', region: 'me-south-1' });
    assert.equal(failure.kind, 'region-disabled');
    assert.match(failure.message, /me-south-1/);
    assert.equal(
      classifyAwsError(serviceError('UnrecognizedClientException', 'bad'), { region: 'af-south-1' }).kind,
      'region-disabled',
    );
    assert.equal(
      classifyAwsError(serviceError('OptInRequired', 'opt in'), { region: 'eu-west-1' }).kind,
      'region-disabled',
    );
  });

  it('classifies the same rejection in a default region as a credential problem', () => {
    const failure = classifyAwsError(serviceError('AuthFailure', 'AWS was not able to validate', 401), {
      profile: 'p',
      region: 'eu-west-1',
    });
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
    assert.equal(
      classifyAwsError(Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })).kind,
      'network',
    );
    const wrapped = Object.assign(new Error('request failed'), { cause: { code: 'ETIMEDOUT', message: 'x' } });
    assert.equal(classifyAwsError(wrapped).kind, 'network');
  });

  it('classifies missing resources as not-found', () => {
    assert.equal(
      classifyAwsError(serviceError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist")).kind,
      'not-found',
    );
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
    assert.equal(
      deniedAction('... is not authorized to perform: ec2:StartInstances on resource ...'),
      'ec2:StartInstances',
    );
    assert.equal(deniedAction('Access Denied'), undefined);
  });
  it('classifies a call that ran out of its deadline, and per-attempt request and socket timeouts, as timeout', () => {
    const deadline = classifyAwsError(callTimeoutError(1500), {
      profile: 'p',
      region: 'eu-west-1',
      action: 'ec2:DescribeInstances',
    });
    assert.equal(deadline.kind, 'timeout');
    assert.match(
      deadline.message,
      /did not answer ec2:DescribeInstances in eu-west-1 in time for profile p: No answer within 1\.5 s/,
    );
    assert.match(deadline.nextStep, /Check the network/);
    const attempt = Object.assign(
      new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 1000 ms requestTimeout.'),
      {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      },
    );
    assert.equal(classifyAwsError(attempt).kind, 'timeout');
    const idle = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket timed out after 1000 ms of inactivity (configured by client requestHandler).',
      ),
      { name: 'TimeoutError' },
    );
    assert.equal(classifyAwsError(idle).kind, 'timeout');
    const connect = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 500 ms.',
      ),
      { name: 'TimeoutError' },
    );
    assert.equal(classifyAwsError(connect).kind, 'network', 'never connecting is a network failure');
  });

  for (const code of ['InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature']) {
    it(`classifies ${code} as a signature the keys or the clock got wrong, in any region`, () => {
      for (const region of ['eu-west-1', 'me-south-1']) {
        const failure = classifyAwsError(
          serviceError(code, 'The request signature we calculated does not match', 400),
          { profile: 'p', region },
        );
        assert.equal(failure.kind, 'no-credentials');
        assert.equal(failure.code, code);
        assert.match(failure.nextStep, /secret access key of profile p belongs to its access key id/);
      }
    });
  }

  for (const code of ['InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure']) {
    it(`classifies ${code} as rejected credentials with a next step`, () => {
      const failure = classifyAwsError(
        serviceError(code, 'The security token included in the request is invalid.', 403),
        { profile: 'p', region: 'eu-west-1' },
      );
      assert.equal(failure.kind, 'no-credentials');
      assert.match(failure.nextStep, /Check the keys or sign-in of profile p/);
    });
  }

  for (const code of ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']) {
    it(`classifies ${code} as expired credentials with a next step`, () => {
      const failure = classifyAwsError(
        serviceError(code, 'The security token included in the request is expired', 400),
        { profile: 'p' },
      );
      assert.equal(failure.kind, 'expired-credentials');
      assert.match(failure.nextStep, /Refresh the temporary credentials of profile p/);
    });
  }
});

describe('redactSecrets', () => {
  const ACCESS_KEY = 'ASIAEXAMPLEEXAMPLE12';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE+session/token==';
  /**
   * The shape of AWS's answer to a signature mismatch (InvalidSignatureException from KMS):
   * it quotes the canonical request it expected, session token header included, and the
   * string to sign. Values are made up.
   */
  const MISMATCH =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. ' +
    'Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n' +
    "'POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kms.eu-west-1.amazonaws.com\nx-amz-date:20240501T120000Z\n" +
    `x-amz-security-token:${TOKEN}\nx-amz-target:TrentService.DescribeKey\n\n` +
    "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'\n\n" +
    "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/kms/aws4_request\n" +
    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7'\n";

  it('takes the session token out of a signature-mismatch message and keeps the rest', () => {
    const redacted = redactSecrets(MISMATCH);
    assert.ok(!redacted.includes(TOKEN), redacted);
    assert.match(redacted, /x-amz-security-token:\[redacted\]\nx-amz-target:TrentService\.DescribeKey/);
    assert.match(redacted, /^The request signature we calculated does not match/);
    assert.match(redacted, /20240501\/eu-west-1\/kms\/aws4_request/);
  });

  it("takes out the session's own key id, secret and token wherever they appear", () => {
    const text = `key ${ACCESS_KEY} secret ${SECRET} token ${TOKEN} and ${SECRET.slice(0, 6)}`;
    const redacted = redactSecrets(text, [ACCESS_KEY, SECRET, TOKEN, 'short']);
    assert.equal(redacted, `key [redacted] secret [redacted] token [redacted] and ${SECRET.slice(0, 6)}`);
  });

  it('takes out Authorization header values, query-string tokens, echoed key ids and ini keys', () => {
    const header = `Authorization: AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20240501/eu-west-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024`;
    const redacted = redactSecrets(header);
    assert.equal(
      redacted,
      'Authorization: AWS4-HMAC-SHA256 Credential=[redacted], SignedHeaders=host;x-amz-date, Signature=[redacted]',
    );
    assert.equal(
      redactSecrets(`?X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-Date=1`),
      '?X-Amz-Security-Token=[redacted]&X-Amz-Date=1',
    );
    assert.equal(
      redactSecrets('<AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId>'),
      '<AWSAccessKeyId>[redacted]</AWSAccessKeyId>',
    );
    assert.equal(redactSecrets(`aws_secret_access_key = ${SECRET}`), 'aws_secret_access_key = [redacted]');
  });

  it('applies to every failure classifyAwsError makes, message and next step', () => {
    const error = serviceError('InvalidSignatureException', MISMATCH, 400);
    const failure = classifyAwsError(error, { profile: 'p', region: 'eu-west-1', secrets: [TOKEN] });
    assert.ok(!JSON.stringify(failure).includes(TOKEN));
    const unknown = classifyAwsError(serviceError('Weird', `odd ${SECRET}`), { profile: 'p', secrets: [SECRET] });
    assert.equal(unknown.message, 'odd [redacted]');
    const denied = classifyAwsError(serviceError('AccessDenied', `denied for ${ACCESS_KEY}`, 403), {
      profile: 'p',
      secrets: [ACCESS_KEY],
    });
    assert.ok(!JSON.stringify(denied).includes(ACCESS_KEY), JSON.stringify(denied));
  });
});

describe('classifyAwsError: answers that are not permission failures', () => {
  it('reads a DryRun answer of KMS and of EC2 as a dry run that would have succeeded, not a failure', () => {
    const kms = classifyAwsError(
      serviceError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412),
      {
        profile: 'p',
        region: 'eu-west-1',
        action: 'kms:CreateGrant',
      },
    );
    assert.equal(kms.kind, 'dry-run');
    assert.equal(kms.code, 'DryRunOperationException');
    assert.ok(isDryRunSuccess(kms));
    assert.match(kms.message, /kms:CreateGrant would have succeeded in eu-west-1/);
    const ec2 = classifyAwsError(
      serviceError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
      { action: 'ec2:RunInstances' },
    );
    assert.equal(ec2.kind, 'dry-run');
    assert.ok(!isDryRunSuccess(classifyAwsError(serviceError('AccessDeniedException', 'no', 400))));
  });

  it('gives the grant quota its own kind, with a next step about grants rather than permissions', () => {
    const quota = classifyAwsError(
      serviceError('LimitExceededException', 'The request was rejected because a quota was exceeded.'),
      {
        profile: 'p',
        action: 'kms:CreateGrant',
      },
    );
    assert.equal(quota.kind, 'limit-exceeded');
    assert.equal(quota.code, 'LimitExceededException');
    assert.match(quota.nextStep, /RetireGrant/);
    assert.doesNotMatch(quota.nextStep, /permission/i);
    // Throttling stays throttling: RequestLimitExceeded is a rate, not a quota.
    assert.equal(
      classifyAwsError(serviceError('RequestLimitExceeded', 'Request limit exceeded.', 503)).kind,
      'throttled',
    );
    assert.equal(
      classifyAwsError(serviceError('LimitExceeded', 'Too many groups.'), {
        action: 'autoscaling:CreateAutoScalingGroup',
      }).kind,
      'limit-exceeded',
    );
  });
});
