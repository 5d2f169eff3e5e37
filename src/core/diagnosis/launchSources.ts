/**
 * What describes the launch of an instance that lists no volumes (src/aws-records.md M1), or
 * of a group before it launches: its launch template version (or launch configuration) and
 * its AMI, read together with the other round-2 calls, then the snapshots, whose keys decide
 * the volumes the template does not. Every read is optional (older ports lack them) and a
 * failure is kept as data.
 */
import type {
  AwsFailure,
  ImageInfo,
  InstanceSummary,
  LaunchConfigurationInfo,
  LaunchTemplateRef,
  LaunchTemplateVersionInfo,
  Outcome,
  SnapshotInfo,
} from '../model';
import {
  launchConfigurationAsTemplate,
  launchKeys,
  resolveTemplateVersion,
  snapshotsToRead,
  type LaunchKey,
} from '../launch/launchKeys';
import type { ProfileMessages } from './messages';
import type { CallOptions, DiagnosisPorts } from './ports';
import type { EbsDefaults, KeySource } from './stages';

/** The keys a launch would create its volumes with, as key sources to check (in the launch's order of evidence). */
export function launchKeySources(keys: readonly LaunchKey[]): KeySource[] {
  return keys.map((k) => ({
    ref: k.ref,
    volumeIds: [],
    fromTrail: true,
    origin: k.origin,
    devices: k.devices,
    createsVolumes: true,
  }));
}

/**
 * What may be an AMI id: `ami-` and letters or digits (EC2's are hexadecimal). Anything else (a
 * Systems Manager parameter a template names, a typo) DescribeImages refuses as
 * InvalidAMIID.Malformed, so it is never asked.
 */
const AMI_ID = /^ami-[0-9a-z]+$/i;

/**
 * A launch template's `ImageId` may name a Systems Manager parameter, `resolve:ssm:<name>` (or
 * `:<version>`, `:<label>`), resolved to the AMI at launch; DescribeLaunchTemplateVersions returns
 * it as written unless asked with ResolveAlias, and resolving needs ssm:GetParameters on it
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html;
 * src/aws-records.md Q3).
 */
const SSM_IMAGE_PREFIX = 'resolve:ssm:';

/** The parameter an image id names (`resolve:ssm:` and the rest, as written); undefined for any other id. */
export function imageParameterOf(imageId: string | undefined): string | undefined {
  return imageId?.startsWith(SSM_IMAGE_PREFIX) ? imageId.slice(SSM_IMAGE_PREFIX.length) : undefined;
}

/** Whether DescribeImages may be asked about `imageId`. */
export function isAmiId(imageId: string | undefined): imageId is string {
  return imageId !== undefined && AMI_ID.test(imageId);
}

/**
 * Why a launch's AMI was not read although one is named: the template still names a Systems
 * Manager parameter (the profile could not resolve it), or the id is not an AMI id at all.
 */
export function unreadImageLine(imageId: string, say: ProfileMessages): string {
  const parameter = imageParameterOf(imageId);
  return parameter !== undefined
    ? `The template's AMI is the Systems Manager parameter ${parameter}: its snapshots are not read; allow ssm:GetParameters on it for the identity of profile "${say.profile}" so DescribeLaunchTemplateVersions resolves it to the AMI.`
    : `The launch names ${imageId} as its AMI, which is not an AMI id (ami-…): its snapshots are not read.`;
}

/** The permission that would let an unread AMI be read: ssm:GetParameters for a parameter, none for a malformed id. */
function unreadImageFailure(imageId: string): AwsFailure {
  const parameter = imageParameterOf(imageId) !== undefined;
  return {
    kind: parameter ? 'access-denied' : 'unknown',
    ...(parameter ? { action: 'ssm:GetParameters' } : {}),
    message: parameter
      ? `The AMI is the Systems Manager parameter ${imageId}, not resolved.`
      : `${imageId} is not an AMI id.`,
    nextStep: parameter
      ? 'Allow ssm:GetParameters on the parameter so the AMI it names can be read.'
      : 'Name an AMI id (ami-…) in the launch template.',
  };
}

/** What was read about the launch, and what could not be. */
export interface LaunchDescriptionStage {
  template?: LaunchTemplateVersionInfo;
  /** The launch configuration read, when the launch names one. */
  configuration?: LaunchConfigurationInfo;
  image?: ImageInfo;
  snapshots: SnapshotInfo[];
  /**
   * The reads that failed, by the action that failed, for the evidence. `unreadImage` is an
   * image id DescribeImages was not asked about (a Systems Manager parameter, a malformed id):
   * `launchFailureText` words it.
   */
  failures: { action: string; failure: AwsFailure; unreadImage?: string }[];
  /** The keys the launch would use, strongest origin first. */
  keys: LaunchKey[];
}

/** The template version a reference names, read and resolved; undefined when not read. */
export async function readTemplate(
  ports: DiagnosisPorts,
  ref: LaunchTemplateRef | undefined,
  call: CallOptions,
): Promise<Outcome<LaunchTemplateVersionInfo | undefined>> {
  if (!ref || !ports.describeLaunchTemplateVersions) return { ok: true, value: undefined };
  const versions = await ports.describeLaunchTemplateVersions(ref, call);
  return versions.ok ? { ok: true, value: resolveTemplateVersion(versions.value, ref.version) } : versions;
}

/**
 * The named launch configuration, read; undefined when none is named, the ports cannot read
 * launch configurations, or it does not exist.
 */
export async function readLaunchConfiguration(
  ports: DiagnosisPorts,
  name: string | undefined,
  call: CallOptions,
): Promise<Outcome<LaunchConfigurationInfo | undefined>> {
  if (!name || !ports.describeLaunchConfigurations) return { ok: true, value: undefined };
  const found = await ports.describeLaunchConfigurations([name], call);
  return found.ok ? { ok: true, value: found.value.find((c) => c.name === name) } : found;
}

/** The AMI, read; undefined when not read, or when `imageId` is not an AMI id (never sent to DescribeImages). */
export async function readImage(
  ports: DiagnosisPorts,
  imageId: string | undefined,
  call: CallOptions,
): Promise<Outcome<ImageInfo | undefined>> {
  if (!isAmiId(imageId) || !ports.describeImages) return { ok: true, value: undefined };
  const images = await ports.describeImages([imageId], call);
  return images.ok ? { ok: true, value: images.value.find((i) => i.imageId === imageId) } : images;
}

/** Where a launch is described: its template, or its launch configuration, and its AMI when known. */
export interface LaunchSource {
  launchTemplate?: LaunchTemplateRef;
  /** An Auto Scaling group's launch configuration: its AMI and block devices stand for a template's. */
  launchConfigurationName?: string;
  imageId?: string;
}

/**
 * Reads the launch's template (or launch configuration) and AMI at once, then the snapshots
 * whose keys decide; with the EBS defaults, the keys of the launch. Two rounds at most when the
 * AMI is given (an instance names its own); three when it is not (a template or a group before
 * it launches), since only the template version or the launch configuration, once read, names it.
 */
export async function describeLaunch(
  ports: DiagnosisPorts,
  source: LaunchSource,
  defaultsP: Promise<Outcome<EbsDefaults>>,
  call: CallOptions,
): Promise<LaunchDescriptionStage> {
  const templateP = readTemplate(ports, source.launchTemplate, call);
  const configurationP = readLaunchConfiguration(ports, source.launchConfigurationName, call);
  const imageIdP: Promise<string | undefined> = source.imageId
    ? Promise.resolve(source.imageId)
    : Promise.all([templateP, configurationP]).then(
        ([t, c]) => (t.ok ? t.value?.imageId : undefined) ?? (c.ok ? c.value?.imageId : undefined),
      );
  const imageP = imageIdP.then((id) => readImage(ports, id, call));
  const [template, configuration, image, imageId] = await Promise.all([templateP, configurationP, imageP, imageIdP]);
  const failures: LaunchDescriptionStage['failures'] = [];
  if (imageId !== undefined && !isAmiId(imageId) && ports.describeImages)
    failures.push({
      action: imageParameterOf(imageId) !== undefined ? 'ssm:GetParameters' : 'ec2:DescribeImages',
      failure: unreadImageFailure(imageId),
      unreadImage: imageId,
    });
  if (!template.ok) failures.push({ action: 'ec2:DescribeLaunchTemplateVersions', failure: template.error });
  if (!configuration.ok)
    failures.push({ action: 'autoscaling:DescribeLaunchConfigurations', failure: configuration.error });
  if (!image.ok) failures.push({ action: 'ec2:DescribeImages', failure: image.error });
  const configurationInfo = configuration.ok ? configuration.value : undefined;
  // A launch names a template or a launch configuration, never both (CreateAutoScalingGroup).
  const templateInfo =
    (template.ok ? template.value : undefined) ??
    (configurationInfo ? launchConfigurationAsTemplate(configurationInfo) : undefined);
  const imageInfo = image.ok ? image.value : undefined;
  const snapshotIds = snapshotsToRead(templateInfo, imageInfo);
  const [snapshots, defaults] = await Promise.all([
    snapshotIds.length > 0 && ports.describeSnapshots
      ? ports.describeSnapshots(snapshotIds, call)
      : Promise.resolve<Outcome<SnapshotInfo[]>>({ ok: true, value: [] }),
    defaultsP,
  ]);
  if (!snapshots.ok) failures.push({ action: 'ec2:DescribeSnapshots', failure: snapshots.error });
  const snapshotInfos = snapshots.ok ? snapshots.value : [];
  const keys = launchKeys({
    template: templateInfo,
    image: imageInfo,
    snapshots: snapshotInfos,
    defaults: defaults.ok ? defaults.value : undefined,
  });
  return {
    ...(templateInfo ? { template: templateInfo } : {}),
    ...(configurationInfo ? { configuration: configurationInfo } : {}),
    ...(imageInfo ? { image: imageInfo } : {}),
    snapshots: snapshotInfos,
    failures,
    keys,
  };
}

/** The line a launch read that failed gives: the AWS failure's permission hint, or why the AMI was not read. */
export function launchFailureText(f: LaunchDescriptionStage['failures'][number], say: ProfileMessages): string {
  return f.unreadImage !== undefined ? unreadImageLine(f.unreadImage, say) : say.permissionHint(f.failure, f.action);
}

/** The launch of an instance: where its template and AMI are named. */
export function launchSourceOf(instance: InstanceSummary): { launchTemplate?: LaunchTemplateRef; imageId?: string } {
  return {
    ...(instance.launchTemplate ? { launchTemplate: instance.launchTemplate } : {}),
    ...(instance.imageId ? { imageId: instance.imageId } : {}),
  };
}
