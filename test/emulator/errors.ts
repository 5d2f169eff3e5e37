/**
 * Errors in each service's own wire shape. The SDK picks its exception class and its
 * retry behaviour from these codes and statuses, so they copy what AWS sends.
 */
import { document, element, text } from './xml';

export type ServiceName = 'ec2' | 'kms' | 'sts' | 'iam' | 'cloudtrail';

export const SERVICES: readonly ServiceName[] = ['ec2', 'kms', 'sts', 'iam', 'cloudtrail'];

export const XML_NAMESPACES: Record<'ec2' | 'sts' | 'iam', string> = {
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
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
      element('Response', element('Errors', element('Error', text('Code', error.code) + text('Message', error.message))) + text('RequestID', requestId));
    return { status: error.status, contentType: 'text/xml;charset=UTF-8', body };
  }
  if (service === 'sts' || service === 'iam') {
    const body = document(
      'ErrorResponse',
      XML_NAMESPACES[service],
      element('Error', text('Type', error.type) + text('Code', error.code) + text('Message', error.message)) + text('RequestId', requestId),
    );
    return { status: error.status, contentType: 'text/xml', body };
  }
  return { status: error.status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: error.code, message: error.message }) };
}

/** Why an identity was refused, in AWS's wording. */
export type DenialReason = 'no-identity-allow' | 'no-resource-allow' | 'explicit-identity-deny' | 'explicit-resource-deny';

/** AWS's authorization failure sentence: `User: <arn> is not authorized to perform: <action> on resource: <res> because ...`. */
export function notAuthorizedMessage(callerArn: string, action: string, resource: string | undefined, reason: DenialReason): string {
  const on = resource ? ` on resource: ${resource}` : '';
  const tail =
    reason === 'explicit-identity-deny'
      ? 'with an explicit deny in an identity-based policy'
      : reason === 'explicit-resource-deny'
        ? 'with an explicit deny in a resource-based policy'
        : reason === 'no-resource-allow'
          ? `because no resource-based policy allows the ${action} action`
          : `because no identity-based policy allows the ${action} action`;
  return `User: ${callerArn} is not authorized to perform: ${action}${on} ${tail}`;
}

/** The service's access-denied error. */
export function accessDenied(service: ServiceName, callerArn: string, action: string, resource?: string, reason: DenialReason = 'no-identity-allow'): AwsError {
  const message = notAuthorizedMessage(callerArn, action, resource, reason);
  switch (service) {
    case 'ec2':
      return new AwsError('UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`, 403);
    case 'kms':
    case 'cloudtrail':
      return new AwsError('AccessDeniedException', message, 400);
    default:
      return new AwsError('AccessDenied', message, 403);
  }
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

/** What a region not enabled for the account (or an unknown access key) answers. */
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
  if (service === 'ec2') return new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
  if (service === 'sts' || service === 'iam') return new AwsError('InvalidAction', `Could not find operation ${action} for version`, 400);
  return new AwsError('UnknownOperationException', `Unknown operation ${action}`, 400);
}
