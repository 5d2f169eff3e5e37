/**
 * The sentences that name the diagnosing profile, in one place. Stages, step builders and
 * the verdict decide with data; when a sentence must say which profile needs which
 * permission, they ask the `ProfileMessages` made for that profile.
 */
import type { AwsFailure } from '../model';

export interface ProfileMessages {
  /** The profile the diagnosis acts as. */
  readonly profile: string;
  /**
   * What would let a failed call succeed: for access denied, the permission and the identity
   * that needs it; otherwise the AWS layer's own next step.
   */
  permissionHint(failure: AwsFailure, action: string, resource?: string): string;
  /** The evidence label of the profile's own identity. */
  profileIdentityLabel(): string;
  /** Where the principal came from when nothing in CloudTrail named who started the instance. */
  assumedFromProfile(): string;
  /** The next step when the instance is not found. */
  instanceNotFound(region: string): string;
  /** Which profile could read a key policy in another account. */
  crossAccountKeyPolicy(keyAccount: string, profiles: readonly string[]): string;
  /** Whom the checks assume when no record names who started the instance. */
  assumedPrincipal(assumedArn: string): string;
  /** Opens a verdict about a principal nothing named: who started the instance is unknown, and whom the checks assume. */
  unknownPrincipal(assumedArn: string): string;
  /** The note on a fix that names a principal nothing named. */
  assumedPrincipalNote(assumedArn: string): string;
  /** Why the profile cannot simulate a principal of another account, and what would. */
  crossAccountSimulation(
    policyArn: string,
    principalAccount: string,
    callerAccount: string,
  ): { reason: string; nextStep: string };
}

/**
 * Why a real instance id may not be found, and the way on: EC2 lists a terminated instance only
 * for a while after it ends ("usually less than one hour", DescribeInstances API reference,
 * src/aws-records.md Q3), and an instance terminated at launch is most often a group's, whose
 * diagnosis needs no instance (its keys come from the launch template or configuration, the
 * AMI, the default EBS key and CloudTrail).
 */
export const TERMINATED_GONE =
  'EC2 stops listing a terminated instance within about an hour after it ends: if an Auto Scaling group launched it, diagnose the group instead (EC2: Diagnose Auto Scaling Group, or ec2-launch-doctor diagnose --auto-scaling-group NAME).';

/** AWS's denial tail when the resource's own policy (a key policy) is what lacks the Allow. */
function deniedByResourcePolicy(message: string): boolean {
  return /because no resource-based policy allows/i.test(message);
}

/** The messages for `profile`. */
export function messagesFor(profile: string): ProfileMessages {
  const quoted = `"${profile}"`;
  const assumedPrincipal = (assumedArn: string): string =>
    `The checks assume ${assumedArn}, the identity of profile ${quoted}.`;
  return {
    profile,
    permissionHint(failure, action, resource) {
      if (failure.kind === 'access-denied' && deniedByResourcePolicy(failure.message)) {
        // KMS: without the key policy's delegation to the account, IAM policies cannot grant
        // access to the key (KMS Developer Guide, "Key policies in AWS KMS"), so only the key
        // policy can let this profile read it.
        return `The key policy${resource ? ` of ${resource}` : ''} must allow ${failure.action ?? action} for the identity of profile ${quoted} to let this check run: AWS refused it because no resource-based policy allows it, and an IAM policy cannot help while the key policy does not delegate to the account.`;
      }
      if (failure.kind === 'access-denied') {
        return `Allow ${failure.action ?? action}${resource ? ` on ${resource}` : ''} for the identity of profile ${quoted} to let this check run.`;
      }
      return failure.nextStep;
    },
    profileIdentityLabel: () => `Identity of profile ${quoted}`,
    assumedFromProfile: () => `the identity of profile ${quoted} (assumed: CloudTrail did not name who started it)`,
    instanceNotFound: (region) =>
      `Check the instance id and the Region (${region}), and that profile ${quoted} is in the instance's account. ${TERMINATED_GONE}`,
    crossAccountKeyPolicy: (keyAccount, profiles) =>
      profiles.length > 0
        ? `The key is in account ${keyAccount} and GetKeyPolicy does not work across accounts: allow kms:GetKeyPolicy on the key for profile ${profiles.map((p) => `"${p}"`).join(' or ')} of that account.`
        : `The key is in account ${keyAccount} and GetKeyPolicy does not work across accounts: configure a profile for account ${keyAccount} with kms:GetKeyPolicy on the key, or ask the key's owner for its policy.`,
    assumedPrincipal,
    unknownPrincipal: (assumedArn) =>
      `Who started the instance is unknown: no CloudTrail record names them. ${assumedPrincipal(assumedArn)}`,
    assumedPrincipalNote: (assumedArn) =>
      `This names ${assumedArn}, the identity of profile ${quoted}, because no CloudTrail record names who started the instance: name whoever starts it instead.`,
    crossAccountSimulation: (policyArn, principalAccount, callerAccount) => ({
      reason: `${policyArn} is in account ${principalAccount}; profile ${quoted} is in ${callerAccount} and cannot simulate it.`,
      nextStep: `Diagnose with a profile of account ${principalAccount} allowed iam:SimulatePrincipalPolicy on ${policyArn} to check the IAM side.`,
    }),
  };
}

/** A failure as evidence: its kind and AWS's message. */
export function failureText(failure: AwsFailure): string {
  return `${failure.kind}: ${failure.message}`;
}

/** Why a service-linked role's fix goes to the key (EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with encrypted volumes"). */
export function serviceRoleText(roleArn: string): string {
  return `${roleArn} is a service-linked role: its permissions are set by AWS and cannot be edited, so the key must allow it (AWS documents two key policy statements: use of the key, and attachment of persistent resources).`;
}

/** The key policy lets a service-linked role create the grant but not use the key. */
export function keyUseGapText(principalArn: string, actions: readonly string[]): string {
  return `It does not let ${principalArn} use the key (${actions.join(', ')}), which a launch that creates volumes needs before the grant; the role's own permissions cannot be edited.`;
}

/**
 * A key policy naming deleted users or roles by unique id: KMS refuses PutKeyPolicy of it with
 * MalformedPolicyDocumentException (re:Post knowledge-center/kms-policy-error-invalid-principals),
 * so the fix cannot be saved until they are gone. The key policy document's quick fix removes them.
 */
export function orphanedPrincipalsText(ids: readonly string[]): string {
  const one = ids.length === 1;
  return (
    `The key policy also names ${ids.join(', ')}, the unique id${one ? '' : 's'} of ${one ? 'a deleted user or role' : 'deleted users or roles'}: ` +
    `KMS refuses to save the policy ("Policy contains a statement with one or more invalid principals.") until ${one ? 'it is' : 'they are'} removed or replaced, ` +
    `so remove ${one ? 'it' : 'them'} when adding the fix (Open key policy offers that quick fix).`
  );
}
