import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  RebootInstancesCommand,
  type BlockDeviceMapping,
  type DescribeInstancesCommandInput,
  type Image,
  type Instance,
  type LaunchTemplate,
  type LaunchTemplateBlockDeviceMapping,
  type LaunchTemplateVersion,
  type Snapshot,
  type InstanceStateChange,
  type Reservation,
  type Volume,
} from '@aws-sdk/client-ec2';
import type {
  AwsErrorKind,
  ImageInfo,
  InstanceStateName,
  InstanceSummary,
  LaunchBlockDevice,
  LaunchTemplateRef,
  LaunchTemplateVersionInfo,
  Outcome,
  SnapshotInfo,
  VolumeInfo,
} from '../core/model';
import { DEFAULT_REGION } from './partitions';
import type { SessionPort, SignalOption } from './session';

export type { SignalOption } from './session';

/** DescribeInstances returns at most 1,000 instances a page. */
export const INSTANCES_PAGE_SIZE = 1000;
/** A guard against a service that keeps returning NextToken: 1,000 pages is 1,000,000 instances. */
const MAX_PAGES = 1000;

const STATES: ReadonlySet<string> = new Set([
  'pending',
  'running',
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
]);

/**
 * The regions enabled for a profile's account, sorted. Opt-in regions that are not enabled
 * are left out (DescribeRegions with AllRegions false). The `regions` setting, when set,
 * replaces the call.
 */
export async function listRegions(
  session: SessionPort,
  profile: string,
  options: SignalOption = {},
): Promise<Outcome<string[]>> {
  const fixed = session.fixedRegions();
  if (fixed) return { ok: true, value: fixed };
  const home = (await session.profile(profile).catch(() => undefined))?.region ?? DEFAULT_REGION;
  const out = await session.send(
    'EC2',
    profile,
    home,
    new DescribeRegionsCommand({ AllRegions: false }),
    'ec2:DescribeRegions',
    options,
  );
  if (!out.ok) return out;
  const enabled = (out.value.Regions ?? []).filter((r) => r.OptInStatus !== 'not-opted-in');
  return { ok: true, value: enabled.flatMap((r) => (r.RegionName ? [r.RegionName] : [])).sort() };
}

/** Every instance of a region, 1,000 per DescribeInstances page, with no per-instance calls. */
export function listInstances(
  session: SessionPort,
  profile: string,
  region: string,
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary[]>> {
  return describeAllPages(session, profile, region, { MaxResults: INSTANCES_PAGE_SIZE }, options);
}

/**
 * The given instances in ONE call (a page per 1,000 ids), for polling pending and stopping
 * instances. Ids that no longer exist are simply absent, instead of failing the whole poll.
 */
export async function describeInstancesById(
  session: SessionPort,
  profile: string,
  region: string,
  ids: string[],
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary[]>> {
  if (ids.length === 0) return { ok: true, value: [] };
  const results: InstanceSummary[] = [];
  for (let start = 0; start < ids.length; start += INSTANCES_PAGE_SIZE) {
    const chunk = ids.slice(start, start + INSTANCES_PAGE_SIZE);
    const page = await describeAllPages(
      session,
      profile,
      region,
      { Filters: [{ Name: 'instance-id', Values: chunk }], MaxResults: INSTANCES_PAGE_SIZE },
      options,
    );
    if (!page.ok) return page;
    results.push(...page.value);
  }
  return { ok: true, value: results };
}

/**
 * One instance by id (InstanceIds, so a missing instance is a `not-found` failure rather
 * than an empty answer).
 */
export async function describeInstance(
  session: SessionPort,
  profile: string,
  region: string,
  instanceId: string,
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary>> {
  const out = await session.send(
    'EC2',
    profile,
    region,
    new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
    'ec2:DescribeInstances',
    options,
  );
  if (!out.ok) return out;
  const found = instancesOf(out.value.Reservations, region).find((i) => i.id === instanceId);
  if (found) return { ok: true, value: found };
  return {
    ok: false,
    error: {
      kind: 'not-found',
      message: `Instance ${instanceId} was not found in ${region}.`,
      nextStep: 'Check the instance id, the profile and the region.',
      action: 'ec2:DescribeInstances',
      code: 'InvalidInstanceID.NotFound',
    },
  };
}

/** The state change EC2 reports for a start or stop. */
export interface StateChange {
  instanceId: string;
  previousState?: InstanceStateName;
  currentState?: InstanceStateName;
}

/** Starts a stopped instance. Callers confirm with the person first. */
export function startInstance(
  session: SessionPort,
  profile: string,
  region: string,
  instanceId: string,
  options: SignalOption = {},
): Promise<Outcome<StateChange>> {
  return changeState(session, profile, region, instanceId, 'start', options);
}

/** Stops a running instance. Callers confirm with the person first. */
export function stopInstance(
  session: SessionPort,
  profile: string,
  region: string,
  instanceId: string,
  options: SignalOption = {},
): Promise<Outcome<StateChange>> {
  return changeState(session, profile, region, instanceId, 'stop', options);
}

/** Reboots a running instance (RebootInstances: the OS restarts, the instance keeps running). Callers confirm first. */
export async function rebootInstance(
  session: SessionPort,
  profile: string,
  region: string,
  instanceId: string,
  options: SignalOption = {},
): Promise<Outcome<void>> {
  const out = await session.send(
    'EC2',
    profile,
    region,
    new RebootInstancesCommand({ InstanceIds: [instanceId] }),
    'ec2:RebootInstances',
    options,
  );
  return out.ok ? { ok: true, value: undefined } : out;
}

async function changeState(
  session: SessionPort,
  profile: string,
  region: string,
  instanceId: string,
  change: 'start' | 'stop',
  options: SignalOption,
): Promise<Outcome<StateChange>> {
  if (change === 'start') {
    const out = await session.send(
      'EC2',
      profile,
      region,
      new StartInstancesCommand({ InstanceIds: [instanceId] }),
      'ec2:StartInstances',
      options,
    );
    return out.ok ? { ok: true, value: mapStateChange(out.value.StartingInstances, instanceId) } : out;
  }
  const out = await session.send(
    'EC2',
    profile,
    region,
    new StopInstancesCommand({ InstanceIds: [instanceId] }),
    'ec2:StopInstances',
    options,
  );
  return out.ok ? { ok: true, value: mapStateChange(out.value.StoppingInstances, instanceId) } : out;
}

/** The given volumes (DescribeVolumes), mapped to VolumeInfo. */
export async function describeVolumes(
  session: SessionPort,
  profile: string,
  region: string,
  volumeIds: string[],
  options: SignalOption = {},
): Promise<Outcome<VolumeInfo[]>> {
  if (volumeIds.length === 0) return { ok: true, value: [] };
  const out = await session.send(
    'EC2',
    profile,
    region,
    new DescribeVolumesCommand({ VolumeIds: volumeIds }),
    'ec2:DescribeVolumes',
    options,
  );
  return out.ok ? { ok: true, value: (out.value.Volumes ?? []).map(mapVolume) } : out;
}

/** The region's EBS encryption defaults: whether new volumes are encrypted, and with which key. */
export interface EbsDefaults {
  defaultKmsKeyId?: string;
  encryptionByDefault: boolean;
}

/** GetEbsDefaultKmsKeyId and GetEbsEncryptionByDefault, asked together. */
export async function getEbsDefaults(
  session: SessionPort,
  profile: string,
  region: string,
  options: SignalOption = {},
): Promise<Outcome<EbsDefaults>> {
  const [keyId, byDefault] = await Promise.all([
    session.send('EC2', profile, region, new GetEbsDefaultKmsKeyIdCommand({}), 'ec2:GetEbsDefaultKmsKeyId', options),
    session.send(
      'EC2',
      profile,
      region,
      new GetEbsEncryptionByDefaultCommand({}),
      'ec2:GetEbsEncryptionByDefault',
      options,
    ),
  ]);
  if (!keyId.ok) return keyId;
  if (!byDefault.ok) return byDefault;
  const value: EbsDefaults = { encryptionByDefault: byDefault.value.EbsEncryptionByDefault === true };
  if (keyId.value.KmsKeyId) value.defaultKmsKeyId = keyId.value.KmsKeyId;
  return { ok: true, value };
}

/** DescribeLaunchTemplateVersions returns at most 200 versions a page. */
const TEMPLATE_VERSIONS_PAGE_SIZE = 200;
/** A template has at most 10,000 versions; a question about one never needs more than a few pages. */
const MAX_TEMPLATE_PAGES = 5;
/** Ids asked in one DescribeImages or DescribeSnapshots request. */
const IDS_PER_REQUEST = 100;

/**
 * The failures of a resolving read worth one more read without ResolveAlias: a refusal (the
 * parameter's ssm:GetParameters, as far as the profile can tell) and an error AWS does not
 * classify (a parameter that does not resolve). Throttling, timeouts, cancellations, missing
 * templates and credentials would fail the same way again.
 */
const RETRY_UNRESOLVED: ReadonlySet<AwsErrorKind> = new Set(['access-denied', 'unknown']);
/** A refusal that names the read itself: asking again without ResolveAlias would be refused too. */
const READ_ITSELF_REFUSED = /\bec2:DescribeLaunchTemplateVersions\b/;

/**
 * The versions of one launch template (by id, else name) that `ref.version` names, or the
 * default version when it names none, as Auto Scaling and RunInstances do. With the
 * volumes each would create: their snapshots, `Encrypted` and `KmsKeyId`.
 *
 * Asked with `ResolveAlias: true`, so a version whose `ImageId` is a Systems Manager parameter
 * (`resolve:ssm:…`) comes back with the AMI id the parameter holds instead
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html).
 * Resolving needs ssm:GetParameters on the parameter
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html);
 * how EC2 refuses a caller without it is not documented (src/aws-records.md Q3), so a refused
 * resolving read is asked again without ResolveAlias: the template is still read, and its
 * `imageId` stays the parameter for the diagnosis to name.
 */
export async function describeLaunchTemplateVersions(
  session: SessionPort,
  profile: string,
  region: string,
  ref: LaunchTemplateRef,
  options: SignalOption = {},
): Promise<Outcome<LaunchTemplateVersionInfo[]>> {
  if (!ref.id && !ref.name) return { ok: true, value: [] };
  const resolved = await readTemplateVersions(session, profile, region, ref, true, options);
  if (resolved.ok || !RETRY_UNRESOLVED.has(resolved.error.kind) || READ_ITSELF_REFUSED.test(resolved.error.message))
    return resolved;
  return readTemplateVersions(session, profile, region, ref, false, options);
}

async function readTemplateVersions(
  session: SessionPort,
  profile: string,
  region: string,
  ref: LaunchTemplateRef,
  resolveAlias: boolean,
  options: SignalOption,
): Promise<Outcome<LaunchTemplateVersionInfo[]>> {
  const versions: LaunchTemplateVersionInfo[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TEMPLATE_PAGES; page++) {
    const command = new DescribeLaunchTemplateVersionsCommand({
      // The id wins: names can be reused after a template is deleted.
      ...(ref.id ? { LaunchTemplateId: ref.id } : { LaunchTemplateName: ref.name }),
      Versions: [ref.version ?? '$Default'],
      MaxResults: TEMPLATE_VERSIONS_PAGE_SIZE,
      NextToken: nextToken,
      ...(resolveAlias ? { ResolveAlias: true } : {}),
    });
    const out = await session.send('EC2', profile, region, command, 'ec2:DescribeLaunchTemplateVersions', options);
    if (!out.ok) return out;
    versions.push(...(out.value.LaunchTemplateVersions ?? []).map(mapLaunchTemplateVersion));
    nextToken = out.value.NextToken || undefined;
    if (!nextToken) break;
  }
  return { ok: true, value: versions };
}

/** A launch template as DescribeLaunchTemplates lists it, for a pick: no versions' contents. */
export interface LaunchTemplateSummary {
  id: string;
  name?: string;
  defaultVersion?: number;
  latestVersion?: number;
}

/** DescribeLaunchTemplates returns at most 200 templates a page. */
const TEMPLATES_PAGE_SIZE = 200;
/** A guard against a service that keeps returning NextToken: 100 pages is 20,000 templates (the quota is 5,000 a region). */
const MAX_TEMPLATE_LIST_PAGES = 100;

/**
 * The launch templates of a region (paged DescribeLaunchTemplates, 200 a page, read-only),
 * each with its default and latest version numbers, for the palette's pick.
 */
export async function describeLaunchTemplates(
  session: SessionPort,
  profile: string,
  region: string,
  options: SignalOption = {},
): Promise<Outcome<LaunchTemplateSummary[]>> {
  const templates: LaunchTemplateSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_TEMPLATE_LIST_PAGES; page++) {
    const command = new DescribeLaunchTemplatesCommand({
      MaxResults: TEMPLATES_PAGE_SIZE,
      NextToken: nextToken,
    });
    const out = await session.send('EC2', profile, region, command, 'ec2:DescribeLaunchTemplates', options);
    if (!out.ok) return out;
    templates.push(...(out.value.LaunchTemplates ?? []).flatMap(mapLaunchTemplate));
    nextToken = out.value.NextToken || undefined;
    if (!nextToken) break;
  }
  return { ok: true, value: templates };
}

/** Maps an SDK launch template; one without an id is left out. Pure. */
export function mapLaunchTemplate(template: LaunchTemplate): LaunchTemplateSummary[] {
  if (!template.LaunchTemplateId) return [];
  const summary: LaunchTemplateSummary = { id: template.LaunchTemplateId };
  if (template.LaunchTemplateName) summary.name = template.LaunchTemplateName;
  if (template.DefaultVersionNumber !== undefined) summary.defaultVersion = template.DefaultVersionNumber;
  if (template.LatestVersionNumber !== undefined) summary.latestVersion = template.LatestVersionNumber;
  return [summary];
}

/** The given AMIs (DescribeImages) with their block devices and snapshots. Unknown ids fail as not-found. */
export async function describeImages(
  session: SessionPort,
  profile: string,
  region: string,
  imageIds: string[],
  options: SignalOption = {},
): Promise<Outcome<ImageInfo[]>> {
  return inChunks(imageIds, async (chunk) => {
    const out = await session.send(
      'EC2',
      profile,
      region,
      new DescribeImagesCommand({ ImageIds: chunk }),
      'ec2:DescribeImages',
      options,
    );
    return out.ok ? { ok: true, value: (out.value.Images ?? []).map(mapImage) } : out;
  });
}

/**
 * The given snapshots (DescribeSnapshots): encryption, key and owner. A snapshot shared from
 * another account shows that account as its owner, and its key is that account's.
 */
export async function describeSnapshots(
  session: SessionPort,
  profile: string,
  region: string,
  snapshotIds: string[],
  options: SignalOption = {},
): Promise<Outcome<SnapshotInfo[]>> {
  return inChunks(snapshotIds, async (chunk) => {
    const out = await session.send(
      'EC2',
      profile,
      region,
      new DescribeSnapshotsCommand({ SnapshotIds: chunk }),
      'ec2:DescribeSnapshots',
      options,
    );
    return out.ok ? { ok: true, value: (out.value.Snapshots ?? []).map(mapSnapshot) } : out;
  });
}

/** Asks for distinct ids in requests of IDS_PER_REQUEST, one after another; the first failure ends it. */
async function inChunks<T>(ids: string[], ask: (chunk: string[]) => Promise<Outcome<T[]>>): Promise<Outcome<T[]>> {
  const unique = [...new Set(ids.filter((id) => id.length > 0))];
  const results: T[] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_REQUEST) {
    const out = await ask(unique.slice(start, start + IDS_PER_REQUEST));
    if (!out.ok) return out;
    results.push(...out.value);
  }
  return { ok: true, value: results };
}

/** Maps an SDK launch template version. Pure. */
export function mapLaunchTemplateVersion(version: LaunchTemplateVersion): LaunchTemplateVersionInfo {
  const data = version.LaunchTemplateData;
  const info: LaunchTemplateVersionInfo = {
    templateId: version.LaunchTemplateId ?? '',
    versionNumber: version.VersionNumber ?? 0,
    defaultVersion: version.DefaultVersion === true,
    blockDevices: (data?.BlockDeviceMappings ?? []).map(mapLaunchDevice),
  };
  if (version.LaunchTemplateName) info.templateName = version.LaunchTemplateName;
  if (data?.ImageId) info.imageId = data.ImageId;
  const profileRef = data?.IamInstanceProfile?.Arn ?? data?.IamInstanceProfile?.Name;
  if (profileRef) info.instanceProfile = profileRef;
  return info;
}

/** Maps an SDK image. Pure. */
export function mapImage(image: Image): ImageInfo {
  const info: ImageInfo = {
    imageId: image.ImageId ?? '',
    blockDevices: (image.BlockDeviceMappings ?? []).map(mapLaunchDevice),
  };
  if (image.Name) info.name = image.Name;
  if (image.OwnerId) info.ownerId = image.OwnerId;
  if (image.State) info.state = image.State;
  if (image.RootDeviceName) info.rootDeviceName = image.RootDeviceName;
  return info;
}

/** Maps an SDK snapshot. Pure. */
export function mapSnapshot(snapshot: Snapshot): SnapshotInfo {
  const info: SnapshotInfo = { snapshotId: snapshot.SnapshotId ?? '', encrypted: snapshot.Encrypted === true };
  if (snapshot.OwnerId) info.ownerId = snapshot.OwnerId;
  if (snapshot.KmsKeyId) info.kmsKeyId = snapshot.KmsKeyId;
  if (snapshot.State) info.state = snapshot.State;
  if (snapshot.VolumeSize !== undefined) info.volumeSizeGiB = snapshot.VolumeSize;
  return info;
}

/**
 * A block device of a template or an AMI; instance store and `NoDevice` entries have no EBS
 * part. `NoDevice` is a string in both SDK shapes, and its presence is what counts: EC2 sends
 * it empty (`<noDevice/>`, read as ""), and such an entry suppresses the AMI's device of that
 * name (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateBlockDeviceMapping.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_BlockDeviceMapping.html).
 */
function mapLaunchDevice(mapping: BlockDeviceMapping | LaunchTemplateBlockDeviceMapping): LaunchBlockDevice {
  const device: LaunchBlockDevice = {};
  if (mapping.DeviceName) device.deviceName = mapping.DeviceName;
  if (mapping.NoDevice !== undefined) device.noDevice = true;
  const ebs = mapping.Ebs;
  if (ebs?.SnapshotId) device.snapshotId = ebs.SnapshotId;
  if (ebs?.Encrypted !== undefined) device.encrypted = ebs.Encrypted;
  if (ebs?.KmsKeyId) device.kmsKeyId = ebs.KmsKeyId;
  if (ebs?.VolumeSize !== undefined) device.volumeSizeGiB = ebs.VolumeSize;
  if (ebs?.VolumeType) device.volumeType = ebs.VolumeType;
  return device;
}

async function describeAllPages(
  session: SessionPort,
  profile: string,
  region: string,
  input: DescribeInstancesCommandInput,
  options: SignalOption,
): Promise<Outcome<InstanceSummary[]>> {
  const instances: InstanceSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const command = new DescribeInstancesCommand({ ...input, NextToken: nextToken });
    const outcome = await session.send('EC2', profile, region, command, 'ec2:DescribeInstances', options);
    if (!outcome.ok) return outcome;
    instances.push(...instancesOf(outcome.value.Reservations, region));
    nextToken = outcome.value.NextToken || undefined;
    if (!nextToken) break;
  }
  return { ok: true, value: instances };
}

function instancesOf(reservations: Reservation[] | undefined, region: string): InstanceSummary[] {
  return (reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => mapInstance(i, region)));
}

/** Maps an SDK instance to the narrow domain view. Pure. */
export function mapInstance(instance: Instance, region: string): InstanceSummary {
  const summary: InstanceSummary = {
    id: instance.InstanceId ?? '',
    region,
    state: stateName(instance.State?.Name) ?? 'pending',
    blockDevices: (instance.BlockDeviceMappings ?? []).map((mapping) => {
      const device: InstanceSummary['blockDevices'][number] = { deviceName: mapping.DeviceName ?? '' };
      if (mapping.Ebs?.VolumeId) device.volumeId = mapping.Ebs.VolumeId;
      return device;
    }),
  };
  const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
  if (name) summary.name = name;
  if (instance.StateReason && (instance.StateReason.Code || instance.StateReason.Message)) {
    summary.stateReason = { code: instance.StateReason.Code ?? '', message: instance.StateReason.Message ?? '' };
  }
  if (instance.StateTransitionReason) summary.stateTransitionReason = instance.StateTransitionReason;
  if (instance.InstanceType) summary.instanceType = instance.InstanceType;
  if (instance.Placement?.AvailabilityZone) summary.availabilityZone = instance.Placement.AvailabilityZone;
  if (instance.LaunchTime) summary.launchTime = toIso(instance.LaunchTime);
  if (instance.IamInstanceProfile?.Arn) summary.instanceProfileArn = instance.IamInstanceProfile.Arn;
  if (instance.ImageId) summary.imageId = instance.ImageId;
  // Tags AWS itself puts on what a service or a template launched; people cannot set aws: tags.
  const tag = (key: string): string | undefined => instance.Tags?.find((t) => t.Key === key)?.Value || undefined;
  const group = tag('aws:autoscaling:groupName');
  if (group) summary.autoScalingGroupName = group;
  const templateId = tag('aws:ec2launchtemplate:id');
  if (templateId) {
    const version = tag('aws:ec2launchtemplate:version');
    summary.launchTemplate = version ? { id: templateId, version } : { id: templateId };
  }
  return summary;
}

function mapStateChange(changes: InstanceStateChange[] | undefined, instanceId: string): StateChange {
  const change = changes?.find((c) => c.InstanceId === instanceId) ?? changes?.[0];
  const result: StateChange = { instanceId: change?.InstanceId ?? instanceId };
  const previous = stateName(change?.PreviousState?.Name);
  const current = stateName(change?.CurrentState?.Name);
  if (previous) result.previousState = previous;
  if (current) result.currentState = current;
  return result;
}

function stateName(value: string | undefined): InstanceStateName | undefined {
  return value && STATES.has(value) ? (value as InstanceStateName) : undefined;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** Maps an SDK volume to VolumeInfo. Pure. */
export function mapVolume(volume: Volume): VolumeInfo {
  const info: VolumeInfo = { id: volume.VolumeId ?? '', encrypted: volume.Encrypted === true };
  if (volume.KmsKeyId) info.kmsKeyId = volume.KmsKeyId;
  if (volume.Size !== undefined) info.sizeGiB = volume.Size;
  if (volume.State) info.state = volume.State;
  const attachedTo = volume.Attachments?.find((a) => a.InstanceId)?.InstanceId;
  if (attachedTo) info.attachedTo = attachedTo;
  return info;
}
