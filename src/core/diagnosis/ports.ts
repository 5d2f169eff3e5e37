import type {
  AutoScalingGroupSummary,
  CallerIdentity,
  ImageInfo,
  InstanceSummary,
  KeyInfo,
  LaunchConfigurationInfo,
  LaunchTemplateRef,
  LaunchTemplateVersionInfo,
  Outcome,
  ScalingActivity,
  SnapshotInfo,
  TrailEvent,
  VolumeInfo,
} from '../model';

/** Options every port call takes: the diagnosis can be cancelled at any point. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** One answer of IAM `SimulatePrincipalPolicy`. */
export interface SimulationResult {
  action: string;
  resource: string;
  /** `allowed`, `explicitDeny` or `implicitDeny`, as IAM says it. */
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** Statements IAM matched, as `policyId` with a character range when IAM gives one. */
  matchedStatements: { sourcePolicyId?: string; sourcePolicyType?: string }[];
  /** Condition keys IAM needed but was not given. */
  missingContextValues: string[];
  /** `OrganizationsDecisionDetail.AllowedByOrganizations`, when IAM reports it: false means an SCP blocks. */
  allowedByOrganizations?: boolean;
  /** `PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary`, when IAM reports it. */
  allowedByPermissionsBoundary?: boolean;
  /**
   * `EvalDecisionDetails`: in a cross-account simulation, each side's decision by the policy
   * type IAM names (e.g. `IAM Policy`, `Resource Policy`); the request is allowed only if
   * every side allows. Empty or absent for same-account simulations.
   */
  decisionDetails?: SimulationSide[];
  /**
   * `ResourceSpecificResults`: the answer per resource ARN simulated. With resource ARNs IAM
   * reports missing context only here; `missingContextValues` above already includes them.
   */
  resourceResults?: ResourceSimulationResult[];
}

/** One side of a cross-account decision (`EvalDecisionDetails` entry). */
export interface SimulationSide {
  /** The policy type as IAM names it, e.g. `IAM Policy`. */
  source: string;
  decision: SimulationResult['decision'];
}

/** One entry of `ResourceSpecificResults`. */
export interface ResourceSimulationResult {
  resource: string;
  decision: SimulationResult['decision'];
  matchedStatements: SimulationResult['matchedStatements'];
  missingContextValues: string[];
  decisionDetails?: SimulationSide[];
  allowedByPermissionsBoundary?: boolean;
}

/**
 * What the diagnosis needs from AWS for ONE (profile, region). The AWS layer implements it;
 * unit tests use small hand-written fakes. Every method resolves (never rejects) to an
 * Outcome, so a failed call becomes evidence instead of an exception.
 */
export interface DiagnosisPorts {
  describeInstance(instanceId: string, options?: CallOptions): Promise<Outcome<InstanceSummary>>;
  describeVolumes(volumeIds: string[], options?: CallOptions): Promise<Outcome<VolumeInfo[]>>;
  /** The account's default EBS key (context only) and whether encryption by default is on. */
  getEbsDefaults(options?: CallOptions): Promise<Outcome<{ defaultKmsKeyId?: string; encryptionByDefault: boolean }>>;
  describeKey(keyIdOrArn: string, options?: CallOptions): Promise<Outcome<KeyInfo>>;
  getCallerIdentity(options?: CallOptions): Promise<Outcome<CallerIdentity>>;
  /**
   * CloudTrail management events by event name in a time window, newest first. The
   * implementation respects LookupEvents' 2 requests/second limit.
   */
  lookupEvents(
    query: {
      eventName: string;
      startTime: Date;
      endTime: Date;
      maxResults?: number;
      /**
       * The event the caller looks for. Pages come newest first, so once a page holds an
       * event for which this is true, later pages can only hold older ones: the
       * implementation may stop paging there, before `maxResults`. Optional to honour.
       */
      stopWhen?: (event: TrailEvent) => boolean;
      /**
       * Resources the sought event names (the instance id, the key ARN): the implementation
       * looks each up by `ResourceName` before the event name, the most selective first, so
       * in a busy account hundreds of newer events of other resources cannot bury it, and
       * stops once `stopWhen` holds. Optional to honour; the results are still `eventName` only.
       */
      resourceNames?: string[];
    },
    options?: CallOptions,
  ): Promise<Outcome<TrailEvent[]>>;
  /**
   * The key's `default` policy. GetKeyPolicy does not work across accounts, so the
   * implementation uses a configured profile of the key's account when the key lives
   * elsewhere; `via` names the profile that read it.
   */
  getKeyPolicy(
    key: Pick<KeyInfo, 'keyId' | 'arn' | 'accountId'>,
    options?: CallOptions,
  ): Promise<Outcome<{ policy: string; via: string }>>;
  simulatePrincipalPolicy(
    input: {
      policySourceArn: string;
      actionNames: string[];
      resourceArns: string[];
      context: { key: string; type: 'string' | 'boolean'; values: string[] }[];
    },
    options?: CallOptions,
  ): Promise<Outcome<SimulationResult[]>>;
  /**
   * The launch template version(s) `ref.version` names (the default version when none), with
   * the volumes they would create (snapshot, Encrypted, KmsKeyId). Optional: older fakes lack it.
   */
  describeLaunchTemplateVersions?(
    ref: LaunchTemplateRef,
    options?: CallOptions,
  ): Promise<Outcome<LaunchTemplateVersionInfo[]>>;
  /** The named launch configurations with their AMI and block devices (one DescribeLaunchConfigurations). */
  describeLaunchConfigurations?(names: string[], options?: CallOptions): Promise<Outcome<LaunchConfigurationInfo[]>>;
  /** The AMIs with their block devices and snapshot ids. */
  describeImages?(imageIds: string[], options?: CallOptions): Promise<Outcome<ImageInfo[]>>;
  /** The snapshots: encryption, key ARN and owner account (another account's for a shared snapshot). */
  describeSnapshots?(snapshotIds: string[], options?: CallOptions): Promise<Outcome<SnapshotInfo[]>>;
  /**
   * The region's Auto Scaling groups (one paged DescribeAutoScalingGroups); with `groupNames`
   * (e.g. the instance's `aws:autoscaling:groupName` tag) only those, in one request.
   */
  listAutoScalingGroups?(
    options?: CallOptions,
    query?: { groupNames?: string[] },
  ): Promise<Outcome<AutoScalingGroupSummary[]>>;
  /**
   * The latest scaling activities of the named groups, one request per group, newest first,
   * with the instance ids each names. Ask only for groups that need it (`shortOfCapacity`).
   */
  describeScalingActivities?(
    query: { groupNames: string[]; maxRecords?: number },
    options?: CallOptions,
  ): Promise<Outcome<ScalingActivity[]>>;
  /**
   * A running total of the AWS API requests made through these ports so far: every page and
   * every request behind a port (a port may make several, or none when cached).
   */
  apiCallCount?(): number;
}
