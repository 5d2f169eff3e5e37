import type { AwsErrorKind, AwsFailure, SignInKind } from '../core/model';

/**
 * The fields of a thrown value that classification looks at. SDK service exceptions,
 * credential provider errors, Node socket errors and abort errors all fit.
 */
export interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  errno?: number | string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** What was being done when the error happened; it makes the message and next step precise. */
export interface ErrorContext {
  profile?: string;
  region?: string;
  /** `service:Action`, e.g. `ec2:DescribeInstances`. */
  action?: string;
  signIn?: SignInKind;
  /**
   * Credentials the session signs with (access key ids, secrets, session tokens): none of
   * them may appear in a failure, whatever the error's text quotes.
   */
  secrets?: readonly string[];
}

/** The `name` of the error a call's own deadline ends it with. */
export const CALL_TIMEOUT = 'CallTimeoutError';

/** Ends a call that took longer than its deadline; classified as `timeout`. */
export function callTimeoutError(timeoutMs: number): Error {
  const error = new Error(`No answer within ${Math.round(timeoutMs / 100) / 10} s.`);
  error.name = CALL_TIMEOUT;
  return error;
}

/**
 * Regions AWS ships disabled (opt-in). A credential rejection there almost always means the
 * region is not enabled for the account, not that the keys are wrong.
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

/**
 * RequestExpired is also EC2's answer to expired temporary credentials; the SDK corrects
 * clock skew on its own, so when it persists the credentials are the likely cause.
 */
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const ACCESS_DENIED_CODES = new Set([
  'UnauthorizedOperation',
  'Client.UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'UnauthorizedException',
]);
/**
 * The signature did not verify: the secret key does not belong to the access key id, or the
 * clock is far off. KMS and CloudTrail say InvalidSignatureException; the Query APIs say
 * SignatureDoesNotMatch; IncompleteSignature is a malformed Authorization header.
 */
const SIGNATURE_CODES = new Set(['InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature']);
const CREDENTIAL_REJECTED_CODES = new Set([
  'AuthFailure',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  ...SIGNATURE_CODES,
]);
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPROTO',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);
/**
 * The HTTP handler's per-attempt timeouts (`requestTimeout` with `throwOnRequestTimeout`, and
 * the socket's inactivity timeout) as @smithy/node-http-handler words them. Its connection
 * timeout is left out: not connecting at all is a network failure.
 */
/** What the SDK appends to errors of answers it could not parse; it speaks to developers, not people. */
const SDK_DESERIALIZATION_HINT =
  /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/;
const ATTEMPT_TIMEOUT_MESSAGE = /exceeded the configured \d+ ms requestTimeout|timed out after \d+ ms of inactivity/i;
/**
 * A DryRun call's answer when the caller has the permissions: KMS says
 * DryRunOperationException, EC2 DryRunOperation ("Request would have succeeded, but DryRun
 * flag is set"). It is thrown like an error but reports a success.
 */
export const DRY_RUN_CODES: ReadonlySet<string> = new Set([
  'DryRunOperationException',
  'DryRunOperation',
  'Client.DryRunOperation',
]);
/**
 * A quota reached: KMS LimitExceededException (e.g. the grants one key may hold), Auto
 * Scaling's LimitExceeded. Throttling is its own kind: waiting does not lift a quota.
 */
const LIMIT_CODES = new Set(['LimitExceededException', 'LimitExceeded']);
const NOT_FOUND_CODES = new Set([
  'NotFoundException',
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
]);

const SSO_EXPIRED =
  /sso session .*(has )?expired|token is expired|sso token .*expired|aws sso login|refresh this sso session/i;

/**
 * Classifies a thrown value into a stable kind with a message and a next step a person can
 * act on. Pure: it looks only at the value's fields and the context.
 */
export function classifyAwsError(error: unknown, context: ErrorContext = {}): AwsFailure {
  const e = asErrorLike(error);
  const code = errorCode(e);
  const text = (e.message ?? String(error ?? '')).replace(SDK_DESERIALIZATION_HINT, '').trim();
  const said = redactSecrets(redactCommandOutput(text), context.secrets);
  const message = said || code || 'Unknown error';
  const profile = context.profile ?? 'default';
  const where = context.region ? ` in ${context.region}` : '';
  const failure = (kind: AwsErrorKind, text: string, nextStep: string, action = context.action): AwsFailure => {
    const result: AwsFailure = {
      kind,
      message: redactSecrets(text, context.secrets),
      nextStep: redactSecrets(nextStep, context.secrets),
    };
    if (action) result.action = action;
    if (code) result.code = code;
    return result;
  };

  if (isAbort(e)) return failure('cancelled', 'Cancelled.', 'Run it again when you are ready.');

  if (DRY_RUN_CODES.has(code)) {
    return failure(
      'dry-run',
      `${context.action ?? 'The request'} would have succeeded${where} for profile ${profile}; it was a dry run and changed nothing.`,
      'Nothing to fix: the permissions for this call are in place.',
    );
  }

  if (LIMIT_CODES.has(code)) {
    return failure(
      'limit-exceeded',
      `AWS refused ${context.action ?? 'the request'}${where} for profile ${profile}: a quota is reached (${message}).`,
      context.action === 'kms:CreateGrant'
        ? 'The key holds as many grants as its quota allows: retire grants that are no longer used (kms:ListGrants, kms:RetireGrant) or ask for a higher quota.'
        : 'Remove resources that are no longer used, or ask AWS for a higher quota (Service Quotas).',
    );
  }

  if (isSsoExpiry(e, message) || EXPIRED_CODES.has(code)) {
    const sso = isSsoExpiry(e, message) || context.signIn === 'sso' || context.signIn === 'sso-legacy';
    return failure(
      'expired-credentials',
      sso
        ? `The SSO session of profile ${profile} has expired.`
        : `The credentials of profile ${profile} have expired (${code || 'expired token'}).`,
      sso
        ? `Run: aws sso login --profile ${profile}`
        : context.signIn
          ? `Refresh the temporary credentials of profile ${profile}.`
          : // The sign-in kind is unknown: SSO is one way credentials expire.
            `Refresh the temporary credentials of profile ${profile} (for SSO: aws sso login --profile ${profile}).`,
    );
  }

  // A signature that does not verify is the key or the clock, wherever the region is.
  if (
    code === 'OptInRequired' ||
    (CREDENTIAL_REJECTED_CODES.has(code) && !SIGNATURE_CODES.has(code) && isOptInRegion(context.region))
  ) {
    return failure(
      'region-disabled',
      `Region ${context.region ?? '(unknown)'} is not enabled for the account of profile ${profile}.`,
      `Enable the region in the account settings, or leave it out with the ec2LaunchDoctor.regions setting.`,
    );
  }

  if (ACCESS_DENIED_CODES.has(code) || (e.$metadata?.httpStatusCode === 403 && !CREDENTIAL_REJECTED_CODES.has(code))) {
    const action = deniedAction(message) ?? context.action;
    return failure(
      'access-denied',
      `Access denied${action ? ` to ${action}` : ''}${where} for profile ${profile}.`,
      action
        ? `Ask for ${action} permission for the identity of profile ${profile}, or use a profile that has it.`
        : `Ask for the missing permission for the identity of profile ${profile}: ${message}`,
      action,
    );
  }

  if (SIGNATURE_CODES.has(code)) {
    return failure(
      'no-credentials',
      // AWS's text quotes the request it expected; redacted, it helps tell a wrong key from a wrong clock.
      `AWS could not verify the request signature of profile ${profile}${where} (${code}): ${message}`,
      `Check that the secret access key of profile ${profile} belongs to its access key id, and that this computer's clock is right.`,
    );
  }

  if (CREDENTIAL_REJECTED_CODES.has(code)) {
    return failure(
      'no-credentials',
      `AWS did not accept the credentials of profile ${profile}${where} (${code}).`,
      `Check the keys or sign-in of profile ${profile} in the shared AWS files.`,
    );
  }

  if (
    e.name === 'CredentialsProviderError' ||
    e.name === 'TokenProviderError' ||
    /could not load credentials/i.test(message)
  ) {
    // A credential_process failure quotes the command line and its stderr, which may hold
    // tokens, and failures end up in logs and reports: such a profile gets a fixed text.
    const kind = context.signIn ? ` (${SIGN_IN_WORDS[context.signIn]})` : '';
    const detail = said && context.signIn !== 'credential-process' ? said : 'signing in failed.';
    return failure(
      'no-credentials',
      `No credentials for profile ${profile}${kind}: ${detail}`,
      context.signIn === 'credential-process'
        ? `Run the credential_process command of profile ${profile} in a terminal to see why it fails, or pick another profile.`
        : `Configure credentials for profile ${profile} (aws configure --profile ${profile}) or pick another profile.`,
    );
  }

  if (THROTTLING_CODES.has(code) || e.$metadata?.httpStatusCode === 429) {
    return failure(
      'throttled',
      `AWS throttled the requests${where} for profile ${profile}, even after retries.`,
      'Wait a minute and refresh, or lower ec2LaunchDoctor.maxConcurrentRequests.',
    );
  }

  if (e.name === CALL_TIMEOUT || (e.name === 'TimeoutError' && ATTEMPT_TIMEOUT_MESSAGE.test(message))) {
    return failure(
      'timeout',
      `AWS did not answer${context.action ? ` ${context.action}` : ''}${where} in time for profile ${profile}: ${message}`,
      'Check the network, proxy or the endpoint_url of the profile, then try again.',
    );
  }

  // The SDK got an answer it could not parse (HTML from a proxy, a cut-off or garbled body)
  // and no error code to go by: whoever answered, it was not AWS speaking its protocol.
  if (SDK_DESERIALIZATION_HINT.test(e.message ?? '') && !code && !isNetwork(e, code, message)) {
    return failure(
      'network',
      `The answer${context.action ? ` to ${context.action}` : ''}${where} could not be read: ${message}`,
      'Check the proxy or the endpoint_url of the profile: something other than AWS may be answering. Then try again.',
    );
  }

  if (isNetwork(e, code, message)) {
    return failure(
      'network',
      `Could not reach AWS${where}: ${message}`,
      'Check the network, proxy or the endpoint_url of the profile, then refresh.',
    );
  }

  if (NOT_FOUND_CODES.has(code) || code.endsWith('.NotFound') || code.endsWith('NotFoundException')) {
    return failure('not-found', message, 'Check the id and the region; it may have been deleted.');
  }

  return failure('unknown', message, 'See the log for details (Show details).');
}

/** How each sign-in kind is named in failure messages. */
const SIGN_IN_WORDS: Record<SignInKind, string> = {
  'static-keys': 'access keys',
  'assume-role': 'role',
  'credential-process': 'credential_process',
  sso: 'SSO',
  'sso-legacy': 'legacy SSO',
  'web-identity': 'web identity token',
  unknown: 'no sign-in configured',
};

/**
 * Node's exec failure reads `Command failed: <command line>\n<stderr>`; neither part may
 * reach a message, whichever classification the error ends in.
 */
export function redactCommandOutput(message: string): string {
  const at = message.search(/Command failed:/i);
  return at < 0 ? message : message.slice(0, at).trim();
}

/** What a redacted value reads as. */
const REDACTED = '[redacted]';
/** Secrets shorter than this are not searched for: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;
/**
 * Values that are credentials wherever they appear: a SigV4 signature mismatch quotes the
 * canonical request with its `x-amz-security-token` header, Authorization headers carry
 * `Credential=` and `Signature=`, S3-style errors echo `<AWSAccessKeyId>`, ini files name keys.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /(x-amz-security-token\s*[:=]\s*)[^\s'"&,;<]+/gi,
  /(\bCredential=)[^\s'"&,;<]+/g,
  /(\bSignature=)[^\s'"&,;<]+/g,
  /(<(?:AWSAccessKeyId|SignatureProvided)>)[^<]+/g,
  /(\baws_(?:access_key_id|secret_access_key|session_token)\s*=\s*)\S+/gi,
  /()\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
];

/**
 * `text` with credentials taken out: every given secret (the session's own access key ids,
 * secret keys and session tokens) and every value of the SECRET_PATTERNS. Every failure the
 * AWS layer hands out passes through here, so neither people nor logs see a credential.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) result = result.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, `$1${REDACTED}`);
  return result;
}

/** True for the classified answer of a DryRun call that would have succeeded: no failure at all. */
export function isDryRunSuccess(failure: AwsFailure): boolean {
  return failure.kind === 'dry-run';
}

function asErrorLike(error: unknown): ErrorLike {
  if (error && typeof error === 'object') return error as ErrorLike;
  return { message: typeof error === 'string' ? error : undefined };
}

function errorCode(e: ErrorLike): string {
  const code = e.Code ?? (typeof e.code === 'string' ? e.code : undefined);
  if (code) return code;
  if (e.name && e.name !== 'Error' && !/Error$/.test(e.name)) return e.name;
  return e.name && (THROTTLING_CODES.has(e.name) || NETWORK_NAMES.has(e.name)) ? e.name : '';
}

function isAbort(e: ErrorLike): boolean {
  return e.name === 'AbortError' || e.code === 'ABORT_ERR';
}

function isSsoExpiry(e: ErrorLike, message: string): boolean {
  if (e.name === 'TokenProviderError' && /expired|refresh/i.test(message)) return true;
  return SSO_EXPIRED.test(message);
}

function isOptInRegion(region: string | undefined): boolean {
  return !!region && OPT_IN_REGIONS.has(region);
}

function isNetwork(e: ErrorLike, code: string, message: string, depth = 0): boolean {
  if (NETWORK_CODES.has(code) || NETWORK_NAMES.has(e.name ?? '')) return true;
  if (/socket hang up|timed? ?out|ECONNREFUSED|ECONNRESET|network/i.test(message)) return true;
  if (depth < 3 && e.cause && typeof e.cause === 'object') {
    const cause = e.cause as ErrorLike;
    return isNetwork(cause, errorCode(cause), cause.message ?? '', depth + 1);
  }
  return false;
}

/** The `service:Action` AWS names in its denial messages ("... not authorized to perform: kms:X ..."). */
export function deniedAction(message: string): string | undefined {
  return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}
