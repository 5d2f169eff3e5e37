/**
 * Domain types shared by every layer. Plain data only: the AWS layer maps SDK shapes into
 * these, the VS Code layer renders them, the core reasons about them.
 */

/**
 * The region used when nothing names one (a profile without `region`, a template without a
 * Region): the standard partition's first region. Every layer takes it from here.
 */
export const DEFAULT_REGION = 'us-east-1';

/** How a profile signs in; shown on the profile node and used to word credential errors. */
export type SignInKind =
  'static-keys' | 'assume-role' | 'credential-process' | 'sso' | 'sso-legacy' | 'web-identity' | 'unknown';

/** A profile of the user's shared config / credentials files. */
export interface ProfileSummary {
  name: string;
  signIn: SignInKind;
  /** The profile's default region, when it has one. */
  region?: string;
  /** The account id when the config alone reveals it (sso_account_id, role_arn). */
  accountId?: string;
  /**
   * Signing in asks the person for an MFA code (a role with `mfa_serial`, here or along its
   * `source_profile` chain). Set only when true.
   */
  needsMfa?: boolean;
  /**
   * Signing in runs a `credential_process` command (here or along its `source_profile`
   * chain), which may open a prompt of its own. Set only when true.
   */
  runsProcess?: boolean;
}

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's `Instance.StateReason`. Both fields matter: see classifyStateReason. */
export interface StateReason {
  code: string;
  message: string;
}

export interface BlockDevice {
  deviceName: string;
  volumeId?: string;
}

/** The narrow view of an EC2 instance that the tree and the diagnosis need. */
export interface InstanceSummary {
  id: string;
  region: string;
  name?: string;
  state: InstanceStateName;
  stateReason?: StateReason;
  stateTransitionReason?: string;
  instanceType?: string;
  availabilityZone?: string;
  /** ISO 8601. */
  launchTime?: string;
  blockDevices: BlockDevice[];
  instanceProfileArn?: string;
  /** The AMI it launched from: a terminated-at-launch instance lists no volumes, its AMI still names their snapshots. */
  imageId?: string;
  /** The Auto Scaling group that launched it (its `aws:autoscaling:groupName` tag). */
  autoScalingGroupName?: string;
  /** The launch template it launched from (its `aws:ec2launchtemplate:id` and `:version` tags). */
  launchTemplate?: LaunchTemplateRef;
}

export interface VolumeInfo {
  id: string;
  encrypted: boolean;
  /** Key id or ARN as EC2 reports it (EC2 reports the ARN). */
  kmsKeyId?: string;
  sizeGiB?: number;
  state?: string;
  attachedTo?: string;
}

export type KeyState =
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'PendingReplicaDeletion'
  | 'Unavailable'
  | 'Creating'
  | 'Updating';

export interface KeyInfo {
  keyId: string;
  arn: string;
  accountId: string;
  state: KeyState | string;
  manager: 'AWS' | 'CUSTOMER';
  /** ISO 8601, for keys pending deletion. */
  deletionDate?: string;
  aliases?: string[];
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** One CloudTrail management event, already parsed out of its `CloudTrailEvent` JSON string. */
export interface TrailEvent {
  eventId: string;
  eventName: string;
  /** ISO 8601. */
  eventTime: string;
  /**
   * The record's `eventSource`, e.g. `kms.amazonaws.com`. LookupEvents filters on the event
   * name only, and other services (License Manager) log a `CreateGrant` of their own.
   */
  eventSource?: string;
  userArn?: string;
  errorCode?: string;
  errorMessage?: string;
  /** `requestParameters.keyId` for KMS events. */
  keyId?: string;
  /** Instance ids named in the request (StartInstances) or the grantee principal (CreateGrant). */
  instanceIds?: string[];
  granteePrincipal?: string;
  /**
   * For assumed-role callers, `userIdentity.sessionContext.sessionIssuer.arn`: the role ARN
   * WITH its path, which the session ARN in `userArn` omits.
   */
  sessionIssuerArn?: string;
  /**
   * `userIdentity.invokedBy`: the service that made the call for the caller, e.g.
   * `ec2-frontend-api.amazonaws.com` (today) or `AWS Internal` (older records).
   */
  invokedBy?: string;
  /** `userIdentity.type`: `AssumedRole`, `IAMUser`, `AWSService`, ... */
  userType?: string;
  /**
   * True for a DryRun call (`requestParameters.dryRun`, or a DryRun error code): it only
   * checked permissions and changed nothing, so its error code is no failure. Set only when true.
   */
  dryRun?: boolean;
  /** The resources the record names (`resources[]`, or LookupEvents' `Resources`). */
  resources?: TrailResource[];
}

/** One resource a CloudTrail record names, e.g. `AWS::KMS::Key` with the key ARN. */
export interface TrailResource {
  type?: string;
  /** The ARN or id, as the record gives it. */
  name?: string;
  accountId?: string;
}

/**
 * One block device a launch would create, as a launch template, an AMI or a launch request
 * describes it. `kmsKeyId` is absent when the volume takes the snapshot's key or the
 * account's default; the AMI's snapshots say which.
 */
export interface LaunchBlockDevice {
  deviceName?: string;
  snapshotId?: string;
  /** True, false, or absent when the template leaves it to the snapshot and the account default. */
  encrypted?: boolean;
  /** Key id, alias or ARN as given. */
  kmsKeyId?: string;
  volumeSizeGiB?: number;
  volumeType?: string;
  /** `NoDevice`: the mapping suppresses the AMI's device of this name, so no volume is created. */
  noDevice?: boolean;
}

/** Which launch template (and version) something launches from. */
export interface LaunchTemplateRef {
  id?: string;
  name?: string;
  /** A number, `$Latest` or `$Default`. */
  version?: string;
}

/** One version of a launch template (DescribeLaunchTemplateVersions), narrowed. */
export interface LaunchTemplateVersionInfo {
  templateId: string;
  templateName?: string;
  versionNumber: number;
  defaultVersion: boolean;
  imageId?: string;
  blockDevices: LaunchBlockDevice[];
  /** The instance profile ARN or name the template launches with. */
  instanceProfile?: string;
}

/**
 * A launch configuration (DescribeLaunchConfigurations), narrowed to what decides its volumes'
 * keys. Its block devices never carry `kmsKeyId`: a launch configuration cannot name a key.
 */
export interface LaunchConfigurationInfo {
  name: string;
  imageId?: string;
  blockDevices: LaunchBlockDevice[];
}

/** An AMI (DescribeImages), narrowed to what decides its volumes' keys. */
export interface ImageInfo {
  imageId: string;
  name?: string;
  /** The account that owns the AMI: another account's AMI brings its snapshots' keys along. */
  ownerId?: string;
  state?: string;
  rootDeviceName?: string;
  blockDevices: LaunchBlockDevice[];
}

/** An EBS snapshot (DescribeSnapshots), narrowed. */
export interface SnapshotInfo {
  snapshotId: string;
  /** The snapshot's account: not the caller's for a snapshot shared from another account. */
  ownerId?: string;
  encrypted: boolean;
  /** The key ARN of an encrypted snapshot. */
  kmsKeyId?: string;
  state?: string;
  volumeSizeGiB?: number;
}

/** An EC2 Auto Scaling group (DescribeAutoScalingGroups), narrowed. */
export interface AutoScalingGroupSummary {
  name: string;
  arn?: string;
  region: string;
  /** The role the group launches as; absent means the default `AWSServiceRoleForAutoScaling`. */
  serviceLinkedRoleArn?: string;
  launchTemplate?: LaunchTemplateRef;
  launchConfigurationName?: string;
  /** The templates of a mixed instances policy: its own and those of its overrides. */
  mixedInstancesTemplates: LaunchTemplateRef[];
  desiredCapacity: number;
  /** Instances in the `InService` lifecycle state. */
  inServiceCount: number;
  instanceIds: string[];
  hasWarmPool: boolean;
  /** Desired capacity above the instances in service: the group is failing to launch, or busy. */
  shortOfCapacity: boolean;
  /**
   * Instances the warm pool lacks: its expected size (`expectedWarmPoolSize`) above
   * `WarmPoolSize`. Launches into the pool fail just as the group's own do. Absent without a
   * warm pool.
   */
  warmPoolShortfall?: number;
}

/** One scaling activity (DescribeScalingActivities), narrowed. */
export interface ScalingActivity {
  activityId: string;
  groupName: string;
  /** `Successful`, `Failed`, `Cancelled`, `InProgress`, ... as Auto Scaling says it. */
  statusCode: string;
  statusMessage?: string;
  description?: string;
  cause?: string;
  /** ISO 8601. */
  startTime?: string;
  /** ISO 8601. */
  endTime?: string;
  /** Instance ids the description names ("Launching a new EC2 instance: i-..."). */
  instanceIds: string[];
  /** True for `Failed` and `Cancelled`: the activity did not do what it set out to. */
  failed: boolean;
}

/** A grant KMS created (CreateGrant). */
export interface GrantCreated {
  grantId: string;
  grantToken?: string;
}

/** Stable kinds of AWS failure; the UI words them, tests and JSON output match on them. */
export type AwsErrorKind =
  | 'expired-credentials'
  | 'no-credentials'
  | 'access-denied'
  | 'region-disabled'
  | 'throttled'
  | 'network'
  /** AWS did not answer within the call's deadline (or an attempt's request timeout). */
  | 'timeout'
  | 'not-found'
  /**
   * A DryRun call's "the request would have succeeded" (KMS DryRunOperationException, EC2
   * DryRunOperation): the permissions are there. Not a failure, though it arrives as one.
   */
  | 'dry-run'
  /** A quota was reached, e.g. the grants a KMS key may hold (KMS LimitExceededException). */
  | 'limit-exceeded'
  | 'cancelled'
  | 'unknown';

/** An AWS call that failed, classified, with what a person can do next. */
export interface AwsFailure {
  kind: AwsErrorKind;
  message: string;
  nextStep: string;
  /** The API action that failed, e.g. `kms:GetKeyPolicy`. */
  action?: string;
  /** The service's own error code, e.g. `AccessDeniedException`. */
  code?: string;
}

/** Either a value or a classified failure: expected failures are data, not exceptions. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsFailure };
