/**
 * From the caller ARN AWS reports to the IAM entity whose policies decide: a role session
 * is governed by its role, whose path the session ARN does not carry.
 */
import type { PrincipalInfo, PrincipalSource } from './types';

/** Service-linked role paths documented by AWS, by role name (domain.md section 3.5). */
const KNOWN_ROLE_PATHS: Record<string, string> = {
  AWSServiceRoleForAutoScaling: 'aws-service-role/autoscaling.amazonaws.com/',
};

/**
 * Builds the principal under test. `sessionIssuerArn` (CloudTrail's sessionIssuer) gives a
 * session's role with its path; without it the role is assumed to have no path, and
 * `policyArnCertain` says so.
 */
export function principalFromArn(arn: string, source: PrincipalSource, sessionIssuerArn?: string): PrincipalInfo {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return { arn, source, kind: 'other', policyArnCertain: false };
  }
  const [, partition, service, , account] = parts;
  const resource = parts.slice(5).join(':');
  if (service === 'iam') {
    if (resource === 'root') return { arn, source, account, kind: 'root', policyArn: arn, policyArnCertain: true };
    if (resource.startsWith('user/')) return { arn, source, account, kind: 'user', policyArn: arn, policyArnCertain: true };
    if (resource.startsWith('role/')) return { arn, source, account, kind: 'role', policyArn: arn, policyArnCertain: true };
  }
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const roleName = resource.split('/')[1] ?? '';
    if (sessionIssuerArn && /:iam::\d{12}:role\//.test(sessionIssuerArn) && sessionIssuerArn.endsWith(`/${roleName}`)) {
      return { arn, source, account, kind: 'assumed-role', policyArn: sessionIssuerArn, policyArnCertain: true };
    }
    const knownPath = KNOWN_ROLE_PATHS[roleName];
    if (knownPath) {
      return { arn, source, account, kind: 'assumed-role', policyArn: `arn:${partition}:iam::${account}:role/${knownPath}${roleName}`, policyArnCertain: true };
    }
    if (roleName.startsWith('AWSReservedSSO_')) {
      // Identity Center roles live under aws-reserved/sso.amazonaws.com/, sometimes with a Region segment.
      return {
        arn,
        source,
        account,
        kind: 'assumed-role',
        policyArn: `arn:${partition}:iam::${account}:role/aws-reserved/sso.amazonaws.com/${roleName}`,
        policyArnCertain: false,
      };
    }
    return { arn, source, account, kind: 'assumed-role', policyArn: `arn:${partition}:iam::${account}:role/${roleName}`, policyArnCertain: false };
  }
  if (service === 'sts' && resource.startsWith('federated-user/')) {
    return { arn, source, account, kind: 'federated-user', policyArnCertain: false };
  }
  return { arn, source, account, kind: 'other', policyArnCertain: false };
}

/** Why the role ARN may be wrong, for evidence and fix notes; undefined when it is certain. */
export function rolePathCaveat(principal: PrincipalInfo): string | undefined {
  if (principal.policyArnCertain || !principal.policyArn) return undefined;
  if (principal.policyArn.includes('/aws-reserved/sso.amazonaws.com/')) {
    return `${principal.policyArn} is inferred from the session ARN: IAM Identity Center roles may carry a Region in their path (aws-reserved/sso.amazonaws.com/<region>/), and their policies are managed through the permission set, not in IAM.`;
  }
  return `${principal.policyArn} is inferred from the session ARN, which omits the role's path: if the role has a path (e.g. role/service/${principal.policyArn.split('/').pop()}), use the role's full ARN from IAM.`;
}

/** IAM can simulate users and roles only. */
export function canSimulate(principal: PrincipalInfo): boolean {
  return principal.policyArn !== undefined && (principal.kind === 'user' || principal.kind === 'role' || principal.kind === 'assumed-role');
}
