/**
 * Errors in each service's own wire shape. The SDK picks its exception class and its
 * retry behaviour from these codes and statuses, so they copy what AWS sends.
 */
import { document, element, text } from './xml';

export type ServiceName = 'ec2' | 'kms' | 'sts' | 'iam' | 'cloudtrail' | 'autoscaling';

export const SERVICES: readonly ServiceName[] = ['ec2', 'kms', 'sts', 'iam', 'cloudtrail', 'autoscaling'];

/** The services that answer in the AWS Query protocol's `<ActionResponse><ActionResult>` shape. */
export type QueryServiceName = 'sts' | 'iam' | 'autoscaling';

export const XML_NAMESPACES: Record<'ec2' | QueryServiceName, string> = {
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
};

/** A failed call: the service's error code, message and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

export interface WireResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Renders an error the way `service` does on the wire. */
export function renderError(service: ServiceName, error: AwsError, requestId: string): WireResponse {
  if (service === 'ec2') {
    // EC2's Query flavour: <Response><Errors><Error>, RequestID in capitals.
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      element(
        'Response',
        element('Errors', element('Error', text('Code', error.code) + text('Message', error.message))) +
          text('RequestID', requestId),
      );
    return { status: error.status, contentType: 'text/xml;charset=UTF-8', body };
  }
  if (service === 'sts' || service === 'iam' || service === 'autoscaling') {
    const body = document(
      'ErrorResponse',
      XML_NAMESPACES[service],
      element('Error', text('Type', error.type) + text('Code', error.code) + text('Message', error.message)) +
        text('RequestId', requestId),
    );
    return { status: error.status, contentType: 'text/xml', body };
  }
  return {
    status: error.status,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/** The service's throttling error; the SDK retries these with its throttling back-off. */
export function throttled(service: ServiceName): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503, 'Receiver');
    case 'kms':
    case 'cloudtrail':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
    default:
      return new AwsError('Throttling', 'Rate exceeded', 400);
  }
}

/**
 * A signature that does not match the secret key. STS, IAM and the JSON services repeat the
 * canonical request and string to sign they computed; EC2 answers AuthFailure
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html).
 */
export function signatureMismatch(service: ServiceName, canonicalRequest: string, stringToSign: string): AwsError {
  if (service === 'ec2') return authFailure(service);
  const message =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
    `\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
  return service === 'kms' || service === 'cloudtrail'
    ? new AwsError('InvalidSignatureException', message, 400)
    : new AwsError('SignatureDoesNotMatch', message, 403);
}

/** `20250101T120000Z` from a Date. */
function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * A request signed more than 5 minutes away from the service's clock (signature-v4-troubleshooting.html).
 * The SDK reads the response's Date header, corrects its clock offset and retries.
 */
export function signatureOutOfTime(service: ServiceName, signed: Date, now: Date): AwsError {
  if (service === 'ec2') return new AwsError('RequestExpired', 'Request has expired.', 400);
  const limit = 5 * 60_000;
  const message =
    signed.getTime() < now.getTime()
      ? `Signature expired: ${amzDate(signed)} is now earlier than ${amzDate(new Date(now.getTime() - limit))} (${amzDate(now)} - 5 min.)`
      : `Signature not yet current: ${amzDate(signed)} is still later than ${amzDate(new Date(now.getTime() + limit))} (${amzDate(now)} + 5 min.)`;
  return service === 'kms' || service === 'cloudtrail'
    ? new AwsError('InvalidSignatureException', message, 400)
    : new AwsError('SignatureDoesNotMatch', message, 403);
}

/** What a region not enabled for the account, an unknown access key or a wrong session token answers. */
export function authFailure(service: ServiceName): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    case 'kms':
    case 'cloudtrail':
      return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
    default:
      return new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
}

/** What temporary credentials past their expiry answer. */
export function expiredToken(service: ServiceName): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestExpired', 'Request has expired.', 400);
    case 'kms':
    case 'cloudtrail':
      return new AwsError('ExpiredTokenException', 'The security token included in the request is expired', 400);
    case 'iam':
      return new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
    default:
      return new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
  }
}

/** A server-side failure (5xx), retried by the SDK. */
export function internalError(service: ServiceName): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('InternalError', 'An internal error has occurred', 500, 'Receiver');
    case 'kms':
      return new AwsError('KMSInternalException', 'An internal error has occurred', 500, 'Receiver');
    case 'cloudtrail':
      return new AwsError('InternalFailure', 'An internal error has occurred', 500, 'Receiver');
    default:
      return new AwsError('ServiceFailure', 'An internal error has occurred', 500, 'Receiver');
  }
}

/** The request named an action the service does not have (or the emulator does not emulate). */
export function unknownAction(service: ServiceName, action: string): AwsError {
  if (service === 'ec2')
    return new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
  if (service === 'sts' || service === 'iam' || service === 'autoscaling')
    return new AwsError('InvalidAction', `Could not find operation ${action} for version`, 400);
  return new AwsError('UnknownOperationException', `Unknown operation ${action}`, 400);
}
