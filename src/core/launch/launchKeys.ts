/**
 * The keys a launch would use, from what describes the launch rather than the instance: a
 * terminated-at-launch instance lists no volumes (src/aws-records.md M1, F6), so its keys
 * come from the launch template version's (or launch configuration's) block devices, the
 * AMI's snapshots, and the account's default EBS key when encryption by default is on (Q4).
 * Pure: the stages read the records, this decides which key each volume would take.
 */
import { keyToken } from '../arn';
import type {
  ImageInfo,
  LaunchBlockDevice,
  LaunchConfigurationInfo,
  LaunchTemplateVersionInfo,
  SnapshotInfo,
} from '../model';

/** Where a key came from, strongest evidence first. */
export type LaunchKeyOrigin = 'kms-event' | 'launch-template' | 'ami-snapshot' | 'ebs-default';

/** The strength order of the origins (lower is stronger). */
export const ORIGIN_ORDER: Record<LaunchKeyOrigin, number> = {
  'kms-event': 0,
  'launch-template': 1,
  'ami-snapshot': 2,
  'ebs-default': 3,
};

export interface LaunchKey {
  /** The key as the record names it (id, alias or ARN). */
  ref: string;
  origin: LaunchKeyOrigin;
  /** The devices (or snapshots) that take it, for evidence. */
  devices: string[];
}

/** What the launch is described by; any part may be missing (not read, or not used). */
export interface LaunchDescription {
  template?: LaunchTemplateVersionInfo;
  image?: ImageInfo;
  snapshots: SnapshotInfo[];
  defaults?: { defaultKmsKeyId?: string; encryptionByDefault: boolean };
}

/** The account's default EBS key when none is configured: the AWS managed key. */
export const AWS_MANAGED_EBS_ALIAS = 'alias/aws/ebs';

/** One device the launch creates, and whether a launch template mapping set it. */
export interface PlannedDevice {
  device: LaunchBlockDevice;
  fromTemplate: boolean;
}

/**
 * The block devices the launch creates: the AMI's, with the template's entries for the same
 * device name laid over them (a template mapping overrides the AMI's), plus the template's
 * other devices. A `NoDevice` entry removes the AMI's device of that name and creates none
 * (EC2 User Guide, "Block device mappings":
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-device-mapping-concepts.html).
 */
export function launchDevices(
  template: LaunchTemplateVersionInfo | undefined,
  image: ImageInfo | undefined,
): PlannedDevice[] {
  const fromImage = image?.blockDevices ?? [];
  const fromTemplate = template?.blockDevices ?? [];
  const merged = fromImage.flatMap((device): PlannedDevice[] => {
    const override = fromTemplate.find((t) => t.deviceName !== undefined && t.deviceName === device.deviceName);
    if (override?.noDevice) return [];
    return override
      ? [{ device: { ...device, ...definedFields(override) }, fromTemplate: override.kmsKeyId !== undefined }]
      : [{ device, fromTemplate: false }];
  });
  const extra = fromTemplate
    .filter((t) => !t.noDevice)
    .filter((t) => t.deviceName === undefined || !fromImage.some((d) => d.deviceName === t.deviceName))
    .map((device): PlannedDevice => ({ device, fromTemplate: true }));
  return [...merged, ...extra];
}

/**
 * A launch configuration as the template version it stands for: its AMI and block devices
 * decide the launch as a version's do. Its devices name no key (a launch configuration cannot),
 * so each encrypted volume takes its snapshot's key or the account's default EBS key.
 */
export function launchConfigurationAsTemplate(configuration: LaunchConfigurationInfo): LaunchTemplateVersionInfo {
  return {
    templateId: configuration.name,
    templateName: configuration.name,
    versionNumber: 0,
    defaultVersion: true,
    ...(configuration.imageId ? { imageId: configuration.imageId } : {}),
    blockDevices: configuration.blockDevices,
  };
}

function definedFields(device: LaunchBlockDevice): LaunchBlockDevice {
  return Object.fromEntries(Object.entries(device).filter(([, value]) => value !== undefined)) as LaunchBlockDevice;
}

/**
 * The key each device would take, EBS's precedence: a KmsKeyId in the mapping; else the
 * snapshot's key when the snapshot is encrypted; else, when the mapping asks for encryption
 * or encryption by default is on, the account's default key. Unencrypted devices take none.
 */
export function deviceKey(
  device: LaunchBlockDevice,
  snapshots: readonly SnapshotInfo[],
  defaults: LaunchDescription['defaults'],
  fromTemplate: boolean,
): Omit<LaunchKey, 'devices'> | undefined {
  if (device.kmsKeyId) return { ref: device.kmsKeyId, origin: fromTemplate ? 'launch-template' : 'ami-snapshot' };
  const snapshot = device.snapshotId ? snapshots.find((s) => s.snapshotId === device.snapshotId) : undefined;
  if (snapshot?.encrypted && snapshot.kmsKeyId) return { ref: snapshot.kmsKeyId, origin: 'ami-snapshot' };
  if (device.encrypted === true || defaults?.encryptionByDefault === true) {
    return { ref: defaults?.defaultKmsKeyId ?? AWS_MANAGED_EBS_ALIAS, origin: 'ebs-default' };
  }
  return undefined;
}

/** The distinct keys of a launch, strongest origin first, each with the devices that take it. */
export function launchKeys(description: LaunchDescription): LaunchKey[] {
  const { template, image, snapshots, defaults } = description;
  const keys: LaunchKey[] = [];
  for (const { device, fromTemplate } of launchDevices(template, image)) {
    const found = deviceKey(device, snapshots, defaults, fromTemplate);
    if (!found) continue;
    const name = device.deviceName ?? device.snapshotId ?? 'a volume';
    const existing = keys.find((k) => keyToken(k.ref) === keyToken(found.ref));
    if (existing) {
      existing.devices.push(name);
      if (ORIGIN_ORDER[found.origin] < ORIGIN_ORDER[existing.origin]) existing.origin = found.origin;
    } else {
      keys.push({ ...found, devices: [name] });
    }
  }
  return keys.sort((a, b) => ORIGIN_ORDER[a.origin] - ORIGIN_ORDER[b.origin]);
}

/** The snapshot ids whose key decides a device: no KmsKeyId in the mapping. */
export function snapshotsToRead(
  template: LaunchTemplateVersionInfo | undefined,
  image: ImageInfo | undefined,
): string[] {
  const ids = launchDevices(template, image).flatMap(({ device }) =>
    !device.kmsKeyId && device.snapshotId ? [device.snapshotId] : [],
  );
  return [...new Set(ids)];
}

/**
 * The template version a reference names among versions read: a number, `$Latest` (the
 * highest) or `$Default` (or none given: the default version).
 */
export function resolveTemplateVersion(
  versions: readonly LaunchTemplateVersionInfo[],
  version: string | undefined,
): LaunchTemplateVersionInfo | undefined {
  if (versions.length === 0) return undefined;
  if (version === '$Latest') return [...versions].sort((a, b) => b.versionNumber - a.versionNumber)[0];
  if (version === undefined || version === '' || version === '$Default')
    return versions.find((v) => v.defaultVersion) ?? (versions.length === 1 ? versions[0] : undefined);
  const number = Number(version);
  return Number.isInteger(number) ? versions.find((v) => v.versionNumber === number) : undefined;
}
