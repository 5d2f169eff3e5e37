/**
 * Who launches an instance for you, from the role name AWS reports as the caller: the
 * service-linked roles of Auto Scaling, EC2 Fleet and Spot, and Karpenter's controller
 * (a regular role that calls CreateFleet). A service-linked role's permissions are defined
 * by its service and cannot be edited, so its fixes go to the key policy or a grant, never
 * to an IAM policy of the role (src/aws-records.md Q3, M2; src/domain.md section 3.5).
 */
import { parsePrincipalArn } from '../arn';

/** The service (or tool) that launched the instance. */
export type Launcher = 'auto-scaling' | 'ec2-fleet' | 'ec2-spot' | 'karpenter';

export interface LauncherRule {
  launcher: Launcher;
  /** Tested against the role name (no path). */
  roleName: RegExp;
  /** True for an AWS service-linked role: its IAM policies cannot be changed. */
  serviceLinked: boolean;
  /** The IAM path AWS gives the role, when it is fixed. */
  rolePath?: string;
  /** The service principal the role is linked to, for texts. */
  service: string;
}

/**
 * The launchers by role name, first match wins. Auto Scaling also accepts custom suffixes
 * (`AWSServiceRoleForAutoScaling_<suffix>`, EC2 Auto Scaling User Guide "Service-linked
 * roles for Amazon EC2 Auto Scaling": the suffix is `_` then letters, digits and `+=,.@-`).
 * Paths: IAM User Guide "Using service-linked roles" (aws-service-role/<service principal>/).
 */
export const LAUNCHER_RULES: readonly LauncherRule[] = [
  {
    launcher: 'auto-scaling',
    roleName: /^AWSServiceRoleForAutoScaling(?:_[\w+=,.@-]{1,63})?$/,
    serviceLinked: true,
    rolePath: 'aws-service-role/autoscaling.amazonaws.com/',
    service: 'autoscaling.amazonaws.com',
  },
  {
    launcher: 'ec2-fleet',
    roleName: /^AWSServiceRoleForEC2Fleet$/,
    serviceLinked: true,
    rolePath: 'aws-service-role/ec2fleet.amazonaws.com/',
    service: 'ec2fleet.amazonaws.com',
  },
  {
    launcher: 'ec2-spot',
    roleName: /^AWSServiceRoleForEC2Spot$/,
    serviceLinked: true,
    rolePath: 'aws-service-role/spot.amazonaws.com/',
    service: 'spot.amazonaws.com',
  },
  // Karpenter's controller role is the customer's own (its name is chosen at install time,
  // `KarpenterControllerRole-<cluster>` in Karpenter's guide): editable like any role.
  { launcher: 'karpenter', roleName: /karpenter/i, serviceLinked: false, service: 'karpenter' },
];

/** The rule for a role name, or undefined for a role no launcher is known by. */
export function launcherRuleForRoleName(roleName: string | undefined): LauncherRule | undefined {
  if (!roleName) return undefined;
  return LAUNCHER_RULES.find((rule) => rule.roleName.test(roleName));
}

/** The role name of a role or assumed-role ARN, path left out. */
export function roleNameOf(arn: string): string | undefined {
  const parsed = arn.startsWith('arn:') ? parsePrincipalArn(arn) : undefined;
  if (!parsed) return undefined;
  if (parsed.kind === 'assumed-role') return parsed.roleName;
  if (parsed.kind === 'role') return parsed.principalArn.split('/').pop();
  return undefined;
}

/** The launcher rule for a caller ARN (role or session), or undefined. */
export function launcherRuleOf(arn: string | undefined): LauncherRule | undefined {
  return arn ? launcherRuleForRoleName(roleNameOf(arn)) : undefined;
}

/** True when the caller is an AWS service-linked role, whose IAM policies cannot be edited. */
export function isServiceLinkedRole(arn: string | undefined): boolean {
  return launcherRuleOf(arn)?.serviceLinked === true;
}

/** The default role an Auto Scaling group launches as when it names none (`ServiceLinkedRoleARN`). */
export function defaultAutoScalingRoleArn(account: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}
