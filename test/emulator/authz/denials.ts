/**
 * How AWS words a refusal, per cause and per service. The tails come from the IAM User Guide,
 * "Troubleshooting access denied error messages" (src/aws-records.md [IAM-AD]); the codes
 * and statuses from each service's API reference (see src/aws-records.md, Q1 and Q5).
 */
import { AwsError, type ServiceName } from '../errors';

/** Why a request was refused: which policy type, explicit Deny or missing Allow. */
export type DenialReason =
  | 'scp-deny'
  | 'no-scp-allow'
  | 'rcp-deny'
  | 'resource-deny'
  | 'identity-deny'
  | 'boundary-deny'
  | 'session-deny'
  | 'no-session-allow'
  | 'no-boundary-allow'
  | 'no-resource-allow'
  | 'no-identity-allow';

/**
 * The sentence after `on resource: <arn>`. AWS writes "sessions policy" (sic) for an explicit
 * session-policy Deny, and says "explicit deny in a service control policy" even when an SCP
 * merely lacks an Allow (IAM User Guide, ibid.). The resource control policy wording follows
 * the same pattern; no public record confirms it.
 */
const TAILS: Record<DenialReason, (action: string) => string> = {
  'scp-deny': () => 'with an explicit deny in a service control policy',
  'no-scp-allow': () => 'with an explicit deny in a service control policy',
  'rcp-deny': () => 'with an explicit deny in a resource control policy',
  'resource-deny': () => 'with an explicit deny in a resource-based policy',
  'identity-deny': () => 'with an explicit deny in an identity-based policy',
  'boundary-deny': () => 'with an explicit deny in a permissions boundary',
  'session-deny': () => 'with an explicit deny in a sessions policy',
  'no-session-allow': (action) => `because no session policy allows the ${action} action`,
  'no-boundary-allow': (action) => `because no permissions boundary allows the ${action} action`,
  'no-resource-allow': (action) => `because no resource-based policy allows the ${action} action`,
  'no-identity-allow': (action) => `because no identity-based policy allows the ${action} action`,
};

/** AWS's authorization failure sentence: `User: <arn> is not authorized to perform: <action> on resource: <res> <tail>`. */
export function notAuthorizedMessage(
  callerArn: string,
  action: string,
  resource: string | undefined,
  reason: DenialReason,
): string {
  const on = resource ? ` on resource: ${resource}` : '';
  return `User: ${callerArn} is not authorized to perform: ${action}${on} ${TAILS[reason](action)}`;
}

/**
 * EC2 appends an encoded authorization message that only sts:DecodeAuthorizationMessage can
 * read (EC2 API reference, "Error codes": UnauthorizedOperation). Here it is an opaque token.
 */
function encodedFailure(action: string, reason: DenialReason): string {
  return Buffer.from(
    JSON.stringify({ allowed: false, explicitDeny: reason.endsWith('-deny'), action, reason }),
  ).toString('base64url');
}

/** The error code CloudTrail records for a refused call of `service` (EC2 prefixes `Client.`). */
export const TRAIL_DENIAL_CODE: Record<ServiceName, string> = {
  ec2: 'Client.UnauthorizedOperation',
  kms: 'AccessDenied',
  sts: 'AccessDenied',
  iam: 'AccessDenied',
  cloudtrail: 'AccessDenied',
  autoscaling: 'AccessDenied',
};

/** The service's access-denied error, as its API returns it. */
export function accessDenied(
  service: ServiceName,
  callerArn: string,
  action: string,
  resource?: string,
  reason: DenialReason = 'no-identity-allow',
): AwsError {
  const message = notAuthorizedMessage(callerArn, action, resource, reason);
  switch (service) {
    case 'ec2':
      return new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encodedFailure(action, reason)}`,
        403,
      );
    case 'kms':
    case 'cloudtrail':
      return new AwsError('AccessDeniedException', message, 400);
    default:
      return new AwsError('AccessDenied', message, 403);
  }
}
