/**
 * From the caller ARN AWS reports to the IAM entity whose policies decide: a role session
 * is governed by its role, whose path the session ARN does not carry.
 */
import type { TrailEvent } from '../model';
import { parsePrincipalArn, type ParsedPrincipal } from '../arn';
import { launcherRuleForRoleName, launcherRuleOf } from '../launch/launchers';
import { eventCaller, eventInstance } from './trail';
import type { PrincipalInfo, PrincipalSource } from './types';

/**
 * Builds the principal under test. `sessionIssuerArn` (CloudTrail's sessionIssuer) gives a
 * session's role with its path; without it the role is assumed to have no path, and
 * `policyArnCertain` says so.
 */
export function principalFromArn(arn: string, source: PrincipalSource, sessionIssuerArn?: string): PrincipalInfo {
  // parsePrincipalArn also reads a bare account id; AWS reports callers as ARNs only.
  const parsed = arn.startsWith('arn:') ? parsePrincipalArn(arn) : undefined;
  if (!parsed) return { arn, source, kind: 'other', policyArnCertain: false };
  const info = principalOfParsed(arn, source, parsed, sessionIssuerArn);
  const launcher = launcherRuleOf(info.policyArn ?? arn);
  return launcher ? { ...info, launcher: launcher.launcher, serviceLinked: launcher.serviceLinked } : info;
}

function principalOfParsed(
  arn: string,
  source: PrincipalSource,
  parsed: ParsedPrincipal,
  sessionIssuerArn: string | undefined,
): PrincipalInfo {
  const { account, kind } = parsed;
  switch (kind) {
    case 'root':
    case 'user':
    case 'role':
      return { arn, source, account, kind, policyArn: arn, policyArnCertain: true };
    case 'assumed-role':
      return { arn, source, account, kind, ...sessionRole(parsed, sessionIssuerArn) };
    case 'federated-user':
      return { arn, source, account, kind, policyArnCertain: false };
    default:
      return { arn, source, account, kind: 'other', policyArnCertain: false };
  }
}

/** The role governing a session: the issuer when it names that role, else a known or guessed path. */
function sessionRole(
  session: ParsedPrincipal,
  sessionIssuerArn: string | undefined,
): Pick<PrincipalInfo, 'policyArn' | 'policyArnCertain'> {
  const { partition, account } = session;
  const roleName = session.roleName ?? '';
  const issuer = sessionIssuerArn ? parsePrincipalArn(sessionIssuerArn) : undefined;
  if (issuer?.kind === 'role' && issuer.account === account && issuer.roleName === roleName) {
    return { policyArn: issuer.principalArn, policyArnCertain: true };
  }
  // Service-linked roles have the path AWS gives them (src/domain.md section 3.5).
  const knownPath = launcherRuleForRoleName(roleName)?.rolePath;
  if (knownPath)
    return { policyArn: `arn:${partition}:iam::${account}:role/${knownPath}${roleName}`, policyArnCertain: true };
  if (roleName.startsWith('AWSReservedSSO_')) {
    // Identity Center roles live under aws-reserved/sso.amazonaws.com/, sometimes with a Region segment.
    return {
      policyArn: `arn:${partition}:iam::${account}:role/aws-reserved/sso.amazonaws.com/${roleName}`,
      policyArnCertain: false,
    };
  }
  return { policyArn: session.principalArn, policyArnCertain: false };
}

/**
 * True when `callerArn` (an event's caller) is the principal under test: the same ARN, or
 * another session of the same role, whose policies are the same.
 */
export function isPrincipalUnderTest(callerArn: string, principal: PrincipalInfo): boolean {
  if (callerArn === principal.arn) return true;
  const caller = callerArn.startsWith('arn:') ? parsePrincipalArn(callerArn) : undefined;
  const tested = principal.arn.startsWith('arn:') ? parsePrincipalArn(principal.arn) : undefined;
  if (caller === undefined || tested === undefined || caller.kind === 'other') return false;
  if (caller.principalArn === tested.principalArn) return true;
  // A session ARN omits its role's path; role names are unique in an account, so name and account decide.
  const roleName = (p: ParsedPrincipal): string | undefined =>
    p.kind === 'assumed-role' ? p.roleName : p.kind === 'role' ? p.principalArn.split('/').pop() : undefined;
  const name = roleName(caller);
  return name !== undefined && caller.account === tested.account && name === roleName(tested);
}

/**
 * True when a CloudTrail event is evidence about the principal under test: its caller is
 * that principal, or, naming no caller, it names this instance. On a key shared by several
 * instances, other callers' failures say nothing about this one.
 */
export function concernsPrincipal(event: TrailEvent, principal: PrincipalInfo, instanceId: string): boolean {
  const caller = eventCaller(event);
  return caller ? isPrincipalUnderTest(caller, principal) : eventInstance(event, instanceId) === 'this';
}

/** Why the role ARN may be wrong, for evidence and fix notes; undefined when it is certain. */
export function rolePathCaveat(principal: PrincipalInfo): string | undefined {
  if (principal.policyArnCertain || !principal.policyArn) return undefined;
  if (principal.policyArn.includes('/aws-reserved/sso.amazonaws.com/')) {
    return `${principal.policyArn} is inferred from the session ARN: IAM Identity Center roles may carry a Region in their path (aws-reserved/sso.amazonaws.com/<region>/), and their policies are managed through the permission set, not in IAM.`;
  }
  return `${principal.policyArn} is inferred from the session ARN, which omits the role's path: if the role has a path (e.g. role/service/${principal.policyArn.split('/').pop()}), use the role's full ARN from IAM.`;
}

/** The IAM entity to simulate for the principal; undefined when IAM cannot (it simulates users and roles only). */
export function simulatedEntity(principal: PrincipalInfo): string | undefined {
  const simulable = principal.kind === 'user' || principal.kind === 'role' || principal.kind === 'assumed-role';
  return simulable ? principal.policyArn : undefined;
}
