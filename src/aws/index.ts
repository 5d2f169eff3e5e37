/**
 * The AWS access layer: the only code that loads the AWS SDK. The VS Code layer and the CLI
 * import it lazily, on first use, so activation never pays for the SDK.
 */
export {
  AwsSession,
  type AwsSessionOptions,
  type CallSettings,
  type ClientFor,
  type SdkCommand,
  type SessionPort,
} from './session';
export {
  listProfiles,
  summariseProfiles,
  signInKind,
  accountIdOf,
  accountOfArn,
  type SharedFileOptions,
  type ProfileSection,
} from './profiles';
export { resolveEndpoint, endpointUrlSelectors, ignoreConfiguredEndpointSelectors, type ServiceId } from './endpoints';
export {
  classifyAwsError,
  deniedAction,
  isDryRunSuccess,
  redactSecrets,
  DRY_RUN_CODES,
  OPT_IN_REGIONS,
  type ErrorContext,
  type ErrorLike,
} from './errors';
export {
  listRegions,
  listInstances,
  describeInstance,
  describeInstancesById,
  startInstance,
  stopInstance,
  rebootInstance,
  mapInstance,
  describeVolumes,
  getEbsDefaults,
  mapVolume,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
  describeImages,
  describeSnapshots,
  mapLaunchTemplate,
  mapLaunchTemplateVersion,
  mapImage,
  mapSnapshot,
  INSTANCES_PAGE_SIZE,
  type EbsDefaults,
  type LaunchTemplateSummary,
  type SignalOption,
  type StateChange,
} from './ec2';
export { simulatePrincipalPolicy, mapEvaluation, type SimulationInput } from './iam';
export {
  describeKey,
  listAliases,
  getKeyPolicy,
  putKeyPolicy,
  enableKey,
  cancelKeyDeletion,
  createGrant,
  mapKey,
  type GrantRequest,
} from './kms';
export {
  listAutoScalingGroups,
  describeScalingActivities,
  groupsNeedingActivities,
  mapAutoScalingGroup,
  mapScalingActivity,
  type ActivityQuery,
} from './autoscaling';
export { lookupEvents, mapTrailEvent, resourceLookupOrder, type TrailQuery } from './cloudtrail';
export { getCallerIdentity } from './sts';
export { createDiagnosisPorts } from './diagnosisPorts';
export { DEFAULT_REGION, iamRegionFor, partitionOfRegion, type Partition } from './partitions';
/** Kept here for callers that import them from the AWS layer; the one ARN module is core/arn. */
export { regionOfArn, isAliasReference } from '../core/arn';
