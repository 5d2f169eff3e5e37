import {
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  DescribeScalingActivitiesCommand,
  type Activity,
  type AutoScalingGroup,
  type BlockDeviceMapping as LaunchConfigurationDevice,
  type LaunchConfiguration,
  type LaunchTemplateSpecification,
  type WarmPoolConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { isShortOfInstances } from '../core/explorer/groupSummary';
import type {
  AutoScalingGroupSummary,
  LaunchBlockDevice,
  LaunchConfigurationInfo,
  LaunchTemplateRef,
  Outcome,
  ScalingActivity,
} from '../core/model';
import type { SessionPort, SignalOption } from './session';

/** DescribeAutoScalingGroups and DescribeScalingActivities return at most 100 records a page. */
const PAGE_SIZE = 100;
/** A guard against a service that keeps returning NextToken: 100 pages is 10,000 groups. */
const MAX_GROUP_PAGES = 100;
/** Activities asked per group: the latest ones, which hold a launch failure of the last hours. */
const DEFAULT_ACTIVITIES = 50;
/** Groups asked for activities at once; each is one request. */
const MAX_ACTIVITY_GROUPS = 20;

/** Activity status codes that say the activity did not do what it set out to. */
const FAILED_STATUS: ReadonlySet<string> = new Set(['Failed', 'Cancelled']);
/** Instance ids named in an activity's description ("Launching a new EC2 instance: i-..."). */
const INSTANCE_IDS = /\bi-[0-9a-f]{8,17}\b/g;

/**
 * Every Auto Scaling group of a region, read with DescribeAutoScalingGroups, 100 a page,
 * with no per-group calls; with `groupNames`, only those groups (at most 100, one page).
 */
export async function listAutoScalingGroups(
  session: SessionPort,
  profile: string,
  region: string,
  options: SignalOption = {},
  groupNames?: string[],
): Promise<Outcome<AutoScalingGroupSummary[]>> {
  const names = groupNames ? [...new Set(groupNames.filter((name) => name.length > 0))].slice(0, PAGE_SIZE) : undefined;
  if (names && names.length === 0) return { ok: true, value: [] };
  const groups: AutoScalingGroupSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_GROUP_PAGES; page++) {
    const command = new DescribeAutoScalingGroupsCommand({
      ...(names ? { AutoScalingGroupNames: names } : {}),
      MaxRecords: PAGE_SIZE,
      NextToken: nextToken,
    });
    const out = await session.send(
      'Auto Scaling',
      profile,
      region,
      command,
      'autoscaling:DescribeAutoScalingGroups',
      options,
    );
    if (!out.ok) return out;
    groups.push(...(out.value.AutoScalingGroups ?? []).map((group) => mapAutoScalingGroup(group, region)));
    nextToken = out.value.NextToken || undefined;
    if (!nextToken) break;
  }
  return { ok: true, value: groups };
}

/**
 * The groups worth asking for their scaling activities: those with fewer instances in
 * service than they want, or a warm pool smaller than it should be, which is what a group
 * failing to launch looks like (a launch into the warm pool fails as any other). Asking only
 * these keeps a region of many healthy groups at one request.
 */
export function groupsNeedingActivities(groups: readonly AutoScalingGroupSummary[]): AutoScalingGroupSummary[] {
  return groups.filter(isShortOfInstances);
}

/**
 * The size Auto Scaling keeps a warm pool at: MaxGroupPreparedCapacity (the group's MaxSize
 * when unset, or -1) minus the desired capacity, never below the pool's MinSize nor 0; a pool
 * being deleted (`PendingDelete`) is not refilled (src/aws-records.md Q3a). Pure.
 */
export function expectedWarmPoolSize(pool: WarmPoolConfiguration, maxSize: number, desiredCapacity: number): number {
  if (pool.Status === 'PendingDelete') return 0;
  const prepared =
    pool.MaxGroupPreparedCapacity !== undefined && pool.MaxGroupPreparedCapacity >= 0
      ? pool.MaxGroupPreparedCapacity
      : maxSize;
  return Math.max(pool.MinSize ?? 0, prepared - desiredCapacity, 0);
}

/** Which activities to read. */
export interface ActivityQuery {
  /** The groups to ask about, one request each (at most 20 groups). */
  groupNames: string[];
  /** Latest activities per group, at most 100. Default 50. */
  maxRecords?: number;
}

/**
 * The latest scaling activities of the given groups (DescribeScalingActivities, one page
 * per group, newest first), mapped with the instance ids they name and whether they failed.
 * A group that no longer exists simply has none.
 */
export async function describeScalingActivities(
  session: SessionPort,
  profile: string,
  region: string,
  query: ActivityQuery,
  options: SignalOption = {},
): Promise<Outcome<ScalingActivity[]>> {
  const names = [...new Set(query.groupNames.filter((name) => name.length > 0))].slice(0, MAX_ACTIVITY_GROUPS);
  const maxRecords = Math.min(PAGE_SIZE, Math.max(1, query.maxRecords ?? DEFAULT_ACTIVITIES));
  const answers = await Promise.all(
    names.map((name) =>
      session.send(
        'Auto Scaling',
        profile,
        region,
        new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: maxRecords }),
        'autoscaling:DescribeScalingActivities',
        options,
      ),
    ),
  );
  const activities: ScalingActivity[] = [];
  for (const answer of answers) {
    if (!answer.ok) return answer;
    activities.push(...(answer.value.Activities ?? []).map(mapScalingActivity));
  }
  return { ok: true, value: activities };
}

/**
 * DescribeLaunchConfigurations takes at most 50 names a request and answers at most 100
 * records a page (`LaunchConfigurationNames`: "Maximum number of 50 items"; `MaxRecords`:
 * default 50, maximum 100; https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLaunchConfigurations.html).
 */
const LAUNCH_CONFIGURATION_NAMES_PER_REQUEST = 50;
const LAUNCH_CONFIGURATION_PAGE_SIZE = 100;
/** A guard against a service that keeps returning NextToken for one request's names. */
const MAX_LAUNCH_CONFIGURATION_PAGES = 10;

/**
 * The named launch configurations (DescribeLaunchConfigurations, 50 names a request, paged),
 * narrowed to their AMI and block devices. A name that does not exist is simply absent.
 * Requests go one after another; the first failure ends it.
 */
export async function describeLaunchConfigurations(
  session: SessionPort,
  profile: string,
  region: string,
  names: string[],
  options: SignalOption = {},
): Promise<Outcome<LaunchConfigurationInfo[]>> {
  const unique = [...new Set(names.filter((name) => name.length > 0))];
  const configurations: LaunchConfigurationInfo[] = [];
  for (let start = 0; start < unique.length; start += LAUNCH_CONFIGURATION_NAMES_PER_REQUEST) {
    const chunk = unique.slice(start, start + LAUNCH_CONFIGURATION_NAMES_PER_REQUEST);
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LAUNCH_CONFIGURATION_PAGES; page++) {
      const command = new DescribeLaunchConfigurationsCommand({
        LaunchConfigurationNames: chunk,
        MaxRecords: LAUNCH_CONFIGURATION_PAGE_SIZE,
        NextToken: nextToken,
      });
      const out = await session.send(
        'Auto Scaling',
        profile,
        region,
        command,
        'autoscaling:DescribeLaunchConfigurations',
        options,
      );
      if (!out.ok) return out;
      configurations.push(...(out.value.LaunchConfigurations ?? []).map(mapLaunchConfiguration));
      nextToken = out.value.NextToken || undefined;
      if (!nextToken) break;
    }
  }
  return { ok: true, value: configurations };
}

/**
 * Maps an SDK launch configuration to its AMI and block devices. Pure. A launch
 * configuration's `Ebs` has `Encrypted` but no `KmsKeyId` ("you cannot specify a KMS key ID
 * when using a launch configuration",
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Ebs.html): an encrypted volume
 * takes its snapshot's key, else the account's default EBS key.
 */
export function mapLaunchConfiguration(configuration: LaunchConfiguration): LaunchConfigurationInfo {
  const info: LaunchConfigurationInfo = {
    name: configuration.LaunchConfigurationName ?? '',
    blockDevices: (configuration.BlockDeviceMappings ?? []).map(mapLaunchConfigurationDevice),
  };
  if (configuration.ImageId) info.imageId = configuration.ImageId;
  return info;
}

function mapLaunchConfigurationDevice(mapping: LaunchConfigurationDevice): LaunchBlockDevice {
  const device: LaunchBlockDevice = {};
  if (mapping.DeviceName) device.deviceName = mapping.DeviceName;
  // NoDevice suppresses the AMI's mapping of that device name: no volume, so no key.
  if (mapping.NoDevice === true) device.noDevice = true;
  const ebs = mapping.Ebs;
  if (ebs?.SnapshotId) device.snapshotId = ebs.SnapshotId;
  if (ebs?.Encrypted !== undefined) device.encrypted = ebs.Encrypted;
  if (ebs?.VolumeSize !== undefined) device.volumeSizeGiB = ebs.VolumeSize;
  if (ebs?.VolumeType) device.volumeType = ebs.VolumeType;
  return device;
}

/** Maps an SDK group to the narrow view. Pure. */
export function mapAutoScalingGroup(group: AutoScalingGroup, region: string): AutoScalingGroupSummary {
  const instances = group.Instances ?? [];
  const inService = instances.filter((i) => i.LifecycleState === 'InService').length;
  const desired = group.DesiredCapacity ?? 0;
  const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
  const mixedTemplates = [
    templateRef(mixed?.LaunchTemplateSpecification),
    ...(mixed?.Overrides ?? []).map((override) => templateRef(override.LaunchTemplateSpecification)),
  ].filter((ref): ref is LaunchTemplateRef => ref !== undefined);
  const summary: AutoScalingGroupSummary = {
    name: group.AutoScalingGroupName ?? '',
    region,
    mixedInstancesTemplates: uniqueRefs(mixedTemplates),
    desiredCapacity: desired,
    inServiceCount: inService,
    instanceIds: instances.flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])),
    hasWarmPool: group.WarmPoolConfiguration !== undefined,
    shortOfCapacity: desired > inService,
  };
  if (group.AutoScalingGroupARN) summary.arn = group.AutoScalingGroupARN;
  if (group.ServiceLinkedRoleARN) summary.serviceLinkedRoleArn = group.ServiceLinkedRoleARN;
  const template = templateRef(group.LaunchTemplate);
  if (template) summary.launchTemplate = template;
  if (group.LaunchConfigurationName) summary.launchConfigurationName = group.LaunchConfigurationName;
  const pool = group.WarmPoolConfiguration;
  // A group with a warm pool reports WarmPoolSize; none reported is read as an empty pool.
  if (pool)
    summary.warmPoolShortfall = Math.max(
      0,
      expectedWarmPoolSize(pool, group.MaxSize ?? 0, desired) - (group.WarmPoolSize ?? 0),
    );
  return summary;
}

/** Maps an SDK activity, reading the instance ids its description names. Pure. */
export function mapScalingActivity(activity: Activity): ScalingActivity {
  const statusCode = activity.StatusCode ?? '';
  const description = typeof activity.Description === 'string' ? activity.Description : undefined;
  const mapped: ScalingActivity = {
    activityId: activity.ActivityId ?? '',
    groupName: activity.AutoScalingGroupName ?? '',
    statusCode,
    instanceIds: [...new Set(description?.match(INSTANCE_IDS) ?? [])],
    failed: FAILED_STATUS.has(statusCode),
  };
  if (activity.StatusMessage) mapped.statusMessage = activity.StatusMessage;
  if (description) mapped.description = description;
  if (activity.Cause) mapped.cause = activity.Cause;
  const start = isoTime(activity.StartTime);
  if (start) mapped.startTime = start;
  const end = isoTime(activity.EndTime);
  if (end) mapped.endTime = end;
  return mapped;
}

function templateRef(spec: LaunchTemplateSpecification | undefined): LaunchTemplateRef | undefined {
  if (!spec || (!spec.LaunchTemplateId && !spec.LaunchTemplateName)) return undefined;
  const ref: LaunchTemplateRef = {};
  if (spec.LaunchTemplateId) ref.id = spec.LaunchTemplateId;
  if (spec.LaunchTemplateName) ref.name = spec.LaunchTemplateName;
  if (spec.Version) ref.version = spec.Version;
  return ref;
}

function uniqueRefs(refs: LaunchTemplateRef[]): LaunchTemplateRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.id ?? ''}\u0000${ref.name ?? ''}\u0000${ref.version ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
