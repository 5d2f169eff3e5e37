/**
 * The DescribeInstances and DescribeVolumes filters EC2 documents, as tables of "filter name ->
 * the values a resource has for it". Values match with EC2's wildcards: `*` any run of
 * characters, `?` one character (EC2 API reference, DescribeInstances / DescribeVolumes, Filter.N).
 * A filter matches when any of its values matches any value of the resource; all filters must match.
 */
import { AwsError } from '../errors';
import type { InstanceRecord, VolumeRecord } from '../state';

export interface Filter {
  name: string;
  values: string[];
}

type Values<T> = (item: T) => (string | undefined)[];

const STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/**
 * The block devices EC2 reports: none once the instance is terminated ("BlockDeviceMappings": []
 * in real describe output, src/aws-records.md Q3); its delete-on-termination volumes are gone.
 */
export function attachedDevices(i: InstanceRecord): InstanceRecord['blockDevices'] {
  return i.state === 'terminated' ? [] : i.blockDevices;
}

function tagsOf(i: { name?: string; tags?: Record<string, string> }): Record<string, string> {
  return { ...(i.name !== undefined ? { Name: i.name } : {}), ...(i.tags ?? {}) };
}

/** DescribeInstances filters; launch and attach times as EC2 writes them (ISO 8601). */
const INSTANCE_FILTERS: Record<string, Values<InstanceRecord>> = {
  'instance-id': (i) => [i.id],
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(STATE_CODES[i.state])],
  'instance-type': (i) => [i.instanceType ?? 't3.micro'],
  'availability-zone': (i) => [i.availabilityZone ?? `${i.region}a`],
  'reservation-id': (i) => [i.reservationId],
  'owner-id': (i) => [i.ownerId],
  'image-id': () => ['ami-0abcdef1234567890'],
  architecture: () => ['x86_64'],
  hypervisor: () => ['xen'],
  'virtualization-type': () => ['hvm'],
  'root-device-type': () => ['ebs'],
  'root-device-name': (i) => [i.blockDevices[0]?.deviceName ?? '/dev/xvda'],
  'launch-time': (i) => [i.launchTime ?? '2024-01-15T09:00:00.000Z'],
  'state-reason-code': (i) => [i.stateReason?.code],
  'state-reason-message': (i) => [i.stateReason?.message],
  reason: (i) => [i.stateTransitionReason],
  'iam-instance-profile.arn': (i) => [i.instanceProfileArn],
  'block-device-mapping.device-name': (i) => attachedDevices(i).map((b) => b.deviceName),
  'block-device-mapping.volume-id': (i) => attachedDevices(i).map((b) => b.volumeId),
  'block-device-mapping.status': (i) => attachedDevices(i).map(() => 'attached'),
  'block-device-mapping.delete-on-termination': (i) => attachedDevices(i).map(() => 'true'),
  'tag-key': (i) => Object.keys(tagsOf(i)),
  'tag-value': (i) => Object.values(tagsOf(i)),
};

/** What DescribeVolumes needs to know about a volume beyond its record. */
export interface VolumeView {
  volume: VolumeRecord;
  attachment?: { instanceId: string; device: string };
}

/** DescribeVolumes filters. */
const VOLUME_FILTERS: Record<string, Values<VolumeView>> = {
  'volume-id': ({ volume }) => [volume.id],
  encrypted: ({ volume }) => [String(volume.encrypted)],
  size: ({ volume }) => [String(volume.sizeGiB ?? 8)],
  'volume-type': ({ volume }) => [volume.volumeType ?? 'gp3'],
  'availability-zone': ({ volume }) => [volume.availabilityZone ?? `${volume.region}a`],
  'create-time': ({ volume }) => [volume.createTime],
  status: ({ attachment }) => [attachment ? 'in-use' : 'available'],
  'snapshot-id': () => [''],
  'attachment.instance-id': ({ attachment }) => [attachment?.instanceId],
  'attachment.device': ({ attachment }) => [attachment?.device],
  'attachment.status': ({ attachment }) => [attachment ? 'attached' : undefined],
  'attachment.delete-on-termination': ({ attachment }) => [attachment ? 'true' : undefined],
};

function wildcard(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    's',
  );
  return (value) => re.test(value);
}

function compile<T>(
  filters: Filter[],
  table: Record<string, Values<T>>,
  tags: (item: T) => Record<string, string>,
): (item: T) => boolean {
  const tests = filters.map(({ name, values }): ((item: T) => boolean) => {
    const matchers = values.map(wildcard);
    const matches = (found: (string | undefined)[]): boolean =>
      found.some((v) => v !== undefined && matchers.some((m) => m(v)));
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      return (item) => matches([tags(item)[key]]);
    }
    const extract = table[name];
    if (!extract) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return (item) => matches(extract(item));
  });
  return (item) => tests.every((t) => t(item));
}

/** The DescribeInstances filter set as one predicate; unknown names fail like EC2. */
export function instanceFilter(filters: Filter[]): (i: InstanceRecord) => boolean {
  return compile(filters, INSTANCE_FILTERS, tagsOf);
}

/** The DescribeVolumes filter set as one predicate (volumes carry no tags here). */
export function volumeFilter(filters: Filter[]): (v: VolumeView) => boolean {
  return compile(filters, VOLUME_FILTERS, () => ({}));
}
