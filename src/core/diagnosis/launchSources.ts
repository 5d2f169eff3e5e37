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
import type { CallOptions, DiagnosisPorts } from './ports';
import type { EbsDefaults } from './stages';

/** What was read about the launch, and what could not be. */
export interface LaunchDescriptionStage {
  template?: LaunchTemplateVersionInfo;
  /** The launch configuration read, when the launch names one. */
  configuration?: LaunchConfigurationInfo;
  image?: ImageInfo;
  snapshots: SnapshotInfo[];
  /** The reads that failed, by the action that failed, for the evidence. */
  failures: { action: string; failure: AwsFailure }[];
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

/** The AMI, read; undefined when not read. */
export async function readImage(
  ports: DiagnosisPorts,
  imageId: string | undefined,
  call: CallOptions,
): Promise<Outcome<ImageInfo | undefined>> {
  if (!imageId || !ports.describeImages) return { ok: true, value: undefined };
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
  const imageP = source.imageId
    ? readImage(ports, source.imageId, call)
    : Promise.all([templateP, configurationP]).then(([t, c]) =>
        readImage(ports, (t.ok ? t.value?.imageId : undefined) ?? (c.ok ? c.value?.imageId : undefined), call),
      );
  const [template, configuration, image] = await Promise.all([templateP, configurationP, imageP]);
  const failures: LaunchDescriptionStage['failures'] = [];
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

/** The launch of an instance: where its template and AMI are named. */
export function launchSourceOf(instance: InstanceSummary): { launchTemplate?: LaunchTemplateRef; imageId?: string } {
  return {
    ...(instance.launchTemplate ? { launchTemplate: instance.launchTemplate } : {}),
    ...(instance.imageId ? { imageId: instance.imageId } : {}),
  };
}
