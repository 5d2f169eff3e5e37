/**
 * What describes the launch of an instance that lists no volumes (src/aws-records.md M1):
 * its launch template version and its AMI, read together with the other round-2 calls,
 * then the AMI's snapshots, whose keys decide the volumes the template does not. Every read
 * is optional (older ports lack them) and a failure is kept as data.
 */
import type {
  AwsFailure,
  ImageInfo,
  InstanceSummary,
  LaunchTemplateRef,
  LaunchTemplateVersionInfo,
  Outcome,
  SnapshotInfo,
} from '../model';
import { launchKeys, resolveTemplateVersion, snapshotsToRead, type LaunchKey } from '../launch/launchKeys';
import type { CallOptions, DiagnosisPorts } from './ports';
import type { EbsDefaults } from './stages';

/** What was read about the launch, and what could not be. */
export interface LaunchDescriptionStage {
  template?: LaunchTemplateVersionInfo;
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

/**
 * Reads the launch's template and AMI at once, then the snapshots whose keys decide; with
 * the EBS defaults, the keys of the launch. Two rounds at most.
 */
export async function describeLaunch(
  ports: DiagnosisPorts,
  source: { launchTemplate?: LaunchTemplateRef; imageId?: string },
  defaultsP: Promise<Outcome<EbsDefaults>>,
  call: CallOptions,
): Promise<LaunchDescriptionStage> {
  const [template, image] = await Promise.all([
    readTemplate(ports, source.launchTemplate, call),
    readImage(ports, source.imageId, call),
  ]);
  const failures: LaunchDescriptionStage['failures'] = [];
  if (!template.ok) failures.push({ action: 'ec2:DescribeLaunchTemplateVersions', failure: template.error });
  if (!image.ok) failures.push({ action: 'ec2:DescribeImages', failure: image.error });
  const templateInfo = template.ok ? template.value : undefined;
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
