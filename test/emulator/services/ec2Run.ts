/**
 * EC2 launches: RunInstances and CreateFleet of type `instant` (EC2 API reference). The
 * launch is accepted at once; EC2 then creates the volumes, asking KMS as the launching
 * principal, and an encrypted volume needs kms:GenerateDataKeyWithoutPlaintext for a new data
 * key and kms:CreateGrant for the instance (src/aws-records.md Q3, Q4). The emulator's
 * authorization engine decides both; a refusal ends the instance pending -> terminated with
 * an empty block device list, listed for about an hour after (state.ts `TERMINATED_LISTED_MS`),
 * and the caller's trail holds the denied KMS call (F3, F6). `launchInstances` is also how a service (Auto Scaling) launches,
 * with its own caller (`autoScalingCaller`): `scaleOutGroup` and `fillWarmPool` below, from the
 * group's launch template or its launch configuration (`launchConfigurationRequest`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  authorize,
  queryList,
  queryString,
  trailIdentity,
  type CallContext,
  type Handler,
  type QueryTree,
} from '../context';
import { notAuthorizedMessage } from '../authz/denials';
import { ec2Grantee, kmsContext } from '../authz/requestContext';
import { AwsError } from '../errors';
import { decideCreateGrant } from '../grant';
import type { ScenarioAutoScalingGroup, ScenarioLaunchDevice, ScenarioStateReason } from '../scenario';
import type { Caller, InstanceRecord, VolumeRecord, World } from '../state';
import { element, escapeXml, list, text } from '../xml';
import { LAUNCH_FAILURE, respond } from './ec2';
import { resolveTemplateImage } from './ec2Launch';
import { launchConfigurationRequest } from './launchConfiguration';
import { drawFromWarmPool, enterWarmPool, warmPoolMembers, warmPoolTargetSize, whenSettled } from './warmPool';

/** A KMS key EC2 could not use because of its state (src/aws-records.md Q2). */
const INVALID_KEY_STATE: ScenarioStateReason = {
  code: 'Client.InvalidKMSKey.InvalidState',
  message: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
};
const EC2_FRONT_END = 'ec2-frontend-api.amazonaws.com';
const MAX_LAUNCH = 100;

/** What one launch asks for, from the request and its launch template. */
export interface LaunchSpec {
  account: string;
  region: string;
  count: number;
  imageId?: string;
  instanceType?: string;
  template?: { id?: string; name?: string; version?: string };
  /** The request's own block devices; they override the template's and the AMI's. */
  blockDevices?: ScenarioLaunchDevice[];
  tags?: Record<string, string>;
  /** Who the KMS records name as invoker: EC2's front end for a person, the service for a service. */
  invokedBy?: string;
  /** Told when an instance has settled, running or terminated (a service records its outcome). */
  onSettled?: (instance: InstanceRecord) => void;
}

/**
 * The EC2 and Systems Manager parts of AutoScalingServiceRolePolicy, the role's own policy: it
 * has no KMS action, which is why a key policy must name the role, and it allows
 * ssm:GetParameters on every resource (statement `SystemsManagerParameterManagement`), so the
 * group resolves a template's AMI parameter
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AutoScalingServiceRolePolicy.html).
 */
const SERVICE_ROLE_EC2 = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EC2InstanceManagement',
      Effect: 'Allow',
      Action: [
        'ec2:CreateFleet',
        'ec2:CreateTags',
        'ec2:Describe*',
        'ec2:RunInstances',
        'ec2:StartInstances',
        'ec2:StopInstances',
        'ec2:TerminateInstances',
      ],
      Resource: '*',
    },
    { Sid: 'SystemsManagerParameterManagement', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: '*' },
  ],
};

/** The caller Auto Scaling launches as: its service-linked role's `AutoScaling` session (src/aws-records.md Q3). */
export function autoScalingCaller(account: string): Caller {
  const roleArn = `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const uniqueId = 'AROA' + account.padStart(12, '0') + 'ASGSLR';
  return {
    principal: {
      name: 'AWSServiceRoleForAutoScaling',
      account,
      arn: roleArn,
      sessionName: 'AutoScaling',
      accessKeyId: 'ASIA' + account.padStart(12, '0') + 'ASGS',
      secretAccessKey: 'not-a-secret-service-linked-role',
      policies: [{ name: 'AutoScalingServiceRolePolicy', document: SERVICE_ROLE_EC2 }],
      uniqueId,
    },
    arn: `arn:aws:sts::${account}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`,
    account,
    userId: `${uniqueId}:AutoScaling`,
  };
}

const hexId = (prefix: string): string => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;

function templateDevices(
  world: World,
  spec: LaunchSpec,
): { imageId?: string; devices: ScenarioLaunchDevice[]; template?: { id: string; version: string } } {
  if (!spec.template) return { devices: [] };
  const { id, name, version } = spec.template;
  const template = (world.scenario.launchTemplates ?? []).find(
    (t) => t.account === spec.account && t.region === spec.region && (id ? t.id === id : t.name === name),
  );
  if (!template)
    throw new AwsError(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id ?? name}, does not exist.`,
    );
  const wanted = version ?? '$Default';
  const latest = Math.max(...template.versions.map((v) => v.versionNumber));
  const n =
    wanted === '$Latest'
      ? latest
      : wanted === '$Default'
        ? template.versions.find((v) => v.default)?.versionNumber
        : Number(wanted);
  const chosen = template.versions.find((v) => v.versionNumber === n);
  if (!chosen)
    throw new AwsError(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${wanted} for template ${template.id}.`,
    );
  return {
    imageId: chosen.imageId,
    devices: chosen.blockDevices ?? [],
    template: { id: template.id, version: String(chosen.versionNumber) },
  };
}

/**
 * The devices a launch creates: the AMI's, then the template's, then the request's, by device
 * name. An AMI named as a Systems Manager parameter (`resolve:ssm:…`, in the template or the
 * request) is resolved first, as the launching caller, who needs ssm:GetParameters on it
 * (`resolveTemplateImage`; https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html).
 */
async function plannedDevices(
  world: World,
  caller: Caller,
  spec: LaunchSpec,
): Promise<{ imageId: string; devices: ScenarioLaunchDevice[]; tags: Record<string, string> }> {
  const fromTemplate = templateDevices(world, spec);
  const named = spec.imageId ?? fromTemplate.imageId;
  if (!named) throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId');
  const imageId = await resolveTemplateImage(world, caller, spec.region, named);
  const image = (world.scenario.images ?? []).find(
    (i) =>
      i.id === imageId &&
      i.region === spec.region &&
      (i.account === spec.account || i.public === true || (i.sharedWith ?? []).includes(spec.account)),
  );
  if (!image) throw new AwsError('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  const byName = new Map<string, ScenarioLaunchDevice>();
  for (const layer of [image.blockDevices, fromTemplate.devices, spec.blockDevices ?? []]) {
    for (const d of layer) byName.set(d.deviceName, { ...byName.get(d.deviceName), ...definedFields(d) });
  }
  // EC2 tags what it launched from a template with the template and the version used.
  const tags: Record<string, string> = {};
  if (fromTemplate.template) {
    tags['aws:ec2launchtemplate:id'] = fromTemplate.template.id;
    tags['aws:ec2launchtemplate:version'] = fromTemplate.template.version;
  }
  return { imageId, devices: [...byName.values()], tags };
}

function definedFields(d: ScenarioLaunchDevice): ScenarioLaunchDevice {
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)) as unknown as ScenarioLaunchDevice;
}

/** The encryption and key of a new volume: explicit, else the snapshot's, else the account default (EBS User Guide). */
function volumeOf(world: World, spec: LaunchSpec, d: ScenarioLaunchDevice): VolumeRecord & { snapshotKeyArn?: string } {
  const snapshot = d.snapshotId
    ? (world.scenario.snapshots ?? []).find((s) => s.id === d.snapshotId && s.region === spec.region)
    : undefined;
  const defaults = world.ebsDefault(spec.account, spec.region);
  const encrypted = d.encrypted === true || snapshot?.encrypted === true || defaults.encryptionByDefault;
  const keyRef =
    d.kmsKeyId ?? (snapshot?.encrypted ? snapshot.kmsKeyId : undefined) ?? (encrypted ? defaults.kmsKeyId : undefined);
  const key = keyRef ? world.findKey(keyRef, spec.account, spec.region) : undefined;
  const snapshotKey =
    snapshot?.encrypted && snapshot.kmsKeyId
      ? world.findKey(snapshot.kmsKeyId, snapshot.account, snapshot.region)
      : undefined;
  return {
    id: hexId('vol'),
    account: spec.account,
    region: spec.region,
    availabilityZone: `${spec.region}a`,
    sizeGiB: d.volumeSizeGiB ?? 8,
    volumeType: d.volumeType ?? 'gp3',
    encrypted,
    ...(encrypted && keyRef ? { kmsKeyId: key?.arn ?? keyRef } : {}),
    createTime: new Date().toISOString(),
    ...(snapshotKey ? { snapshotKeyArn: snapshotKey.arn } : {}),
  };
}

type KmsFailure = { action: string; errorCode: string; errorMessage: string; reason: ScenarioStateReason };

/**
 * What KMS says to the caller's requests for one encrypted volume: a new data key unless the
 * volume keeps its snapshot's key, then EC2's grant. KMS authorizes before it looks at the key state.
 */
async function kmsRefusal(
  world: World,
  caller: Caller,
  instance: InstanceRecord,
  volume: VolumeRecord & { snapshotKeyArn?: string },
): Promise<KmsFailure | undefined> {
  const keyRef = volume.kmsKeyId ?? '';
  const key = world.deletedKeys.has(keyRef) ? undefined : world.findKeyByIdOrArn(keyRef, volume.account, volume.region);
  const needsDataKey = volume.snapshotKeyArn === undefined || volume.snapshotKeyArn !== key?.arn;
  const actions = needsDataKey ? ['kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant'] : ['kms:CreateGrant'];
  if (!key)
    return {
      action: actions[0] ?? 'kms:CreateGrant',
      errorCode: 'NotFoundException',
      errorMessage: `Key '${keyRef}' does not exist`,
      reason: INVALID_KEY_STATE,
    };
  for (const action of actions) {
    const input = {
      region: instance.region,
      instanceId: instance.id,
      instanceAccount: instance.account,
      volumeId: volume.id,
    };
    if (action === 'kms:CreateGrant') {
      const grant = await decideCreateGrant(world, caller, key, input);
      if (!grant.allowed)
        return { action, errorCode: 'AccessDenied', errorMessage: grant.errorMessage, reason: LAUNCH_FAILURE };
    } else {
      const decision = await world.authorizer.decide({
        caller,
        action,
        resource: key.arn,
        resourceAccount: key.account,
        region: instance.region,
        resourcePolicy: world.keyPolicyOf(key),
        context: {
          ...kmsContext(caller),
          'aws:ViaAWSService': 'true',
          'kms:ViaService': `ec2.${instance.region}.amazonaws.com`,
          'kms:EncryptionContextKeys': ['aws:ebs:id'],
          'kms:EncryptionContext:aws:ebs:id': volume.id,
        },
      });
      if (!decision.allowed)
        return {
          action,
          errorCode: 'AccessDenied',
          errorMessage: notAuthorizedMessage(caller.arn, action, key.arn, decision.reason),
          reason: LAUNCH_FAILURE,
        };
    }
  }
  if (key.state === 'Disabled')
    return {
      action: 'kms:CreateGrant',
      errorCode: 'DisabledException',
      errorMessage: `${key.arn} is disabled.`,
      reason: INVALID_KEY_STATE,
    };
  if (key.state !== 'Enabled')
    return {
      action: 'kms:CreateGrant',
      errorCode: 'KMSInvalidStateException',
      errorMessage: `${key.arn} is ${key.state.toLowerCase()}.`,
      reason: INVALID_KEY_STATE,
    };
  return undefined;
}

/** The KMS record of the refused (or granted) call, in the caller's trail (src/aws-records.md F1, F3). */
function kmsRecord(
  caller: Caller,
  instance: InstanceRecord,
  volume: VolumeRecord,
  invokedBy: string,
  failure: KmsFailure,
): Record<string, unknown> {
  const eventName = failure.action.replace(/^kms:/, '');
  const keyArn = volume.kmsKeyId ?? '';
  const requestParameters =
    eventName === 'CreateGrant'
      ? {
          constraints: { encryptionContextSubset: { 'aws:ebs:id': volume.id } },
          retiringPrincipal: `ec2.${instance.region}.amazonaws.com`,
          operations: ['Decrypt'],
          keyId: keyArn,
          granteePrincipal: ec2Grantee({ instanceAccount: instance.account, instanceId: instance.id }),
        }
      : { keyId: keyArn, numberOfBytes: 64, encryptionContext: { 'aws:ebs:id': volume.id } };
  return {
    eventVersion: '1.11',
    userIdentity: { ...trailIdentity(caller), invokedBy },
    eventTime: new Date().toISOString(),
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: instance.region,
    sourceIPAddress: invokedBy,
    userAgent: invokedBy,
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    requestParameters,
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: eventName !== 'CreateGrant',
    resources: [{ accountId: keyArn.split(':')[4] ?? instance.account, type: 'AWS::KMS::Key', ARN: keyArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: caller.account,
    eventCategory: 'Management',
  };
}

/** Ends one launch: running when KMS allows every volume, else terminated with the reason EC2 gives. */
async function settleLaunch(
  world: World,
  caller: Caller,
  instance: InstanceRecord,
  volumes: (VolumeRecord & { snapshotKeyArn?: string })[],
  invokedBy: string,
): Promise<void> {
  for (const volume of volumes) {
    if (!volume.encrypted) continue;
    const failure = await kmsRefusal(world, caller, instance, volume);
    if (!failure) continue;
    world.recordTrailEvent(kmsRecord(caller, instance, volume, invokedBy, failure));
    // Terminated at launch: the reason's bare code as transition reason, no volumes left (F6).
    instance.state = 'terminated';
    instance.stateReason = { ...failure.reason };
    instance.stateTransitionReason = failure.reason.code;
    // EC2 lists it for about an hour more, then no longer knows it (state.ts `isListed`).
    instance.terminatedAt = new Date().toISOString();
    return;
  }
  instance.state = 'running';
}

/**
 * Launches `spec.count` instances as `caller`: they are pending at once and settle after the
 * world's launch delay (at once without one). Returns them in launch order.
 */
export async function launchInstances(world: World, caller: Caller, spec: LaunchSpec): Promise<InstanceRecord[]> {
  const { imageId, devices, tags } = await plannedDevices(world, caller, spec);
  const launchTime = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
  const reservationId = hexId('r');
  const launched: InstanceRecord[] = [];
  const settling: Promise<void>[] = [];
  for (let n = 0; n < spec.count; n++) {
    const volumes = devices.map((d) => volumeOf(world, spec, d));
    const instance: InstanceRecord = {
      id: hexId('i'),
      account: spec.account,
      region: spec.region,
      state: 'pending',
      stateTransitionReason: '',
      instanceType: spec.instanceType ?? 't3.micro',
      availabilityZone: `${spec.region}a`,
      launchTime,
      blockDevices: volumes.map((v, i) => ({ deviceName: devices[i]?.deviceName ?? '/dev/xvda', volumeId: v.id })),
      tags: { ...tags, ...(spec.tags ?? {}) },
      reservationId,
      ownerId: spec.account,
      imageId,
    } as InstanceRecord;
    world.addLaunched(instance, volumes);
    launched.push(instance);
    const settle = (): Promise<void> =>
      settleLaunch(world, caller, instance, volumes, spec.invokedBy ?? EC2_FRONT_END)
        .then(() => spec.onSettled?.(instance))
        .catch((error: unknown) => {
          process.stderr.write(
            `emulator: launch of ${instance.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
          );
        });
    if (world.launchDelayMs <= 0) settling.push(settle());
    else world.later(() => void settle());
  }
  await Promise.all(settling);
  return launched;
}

function countOf(value: string | undefined, name: string): number {
  const n = value === undefined ? 1 : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LAUNCH)
    throw new AwsError('InvalidParameterValue', `Invalid value '${value}' for ${name}.`);
  return n;
}

function templateParam(tree: string | QueryTree | undefined): LaunchSpec['template'] {
  if (!tree || typeof tree === 'string') return undefined;
  const id = queryString(tree.LaunchTemplateId);
  const name = queryString(tree.LaunchTemplateName);
  if (id && name)
    throw new AwsError(
      'InvalidParameterCombination',
      'Specify either the launch template ID or the launch template name, but not both.',
    );
  if (!id && !name) return undefined;
  const version = queryString(tree.Version);
  return { ...(id ? { id } : { name }), ...(version ? { version } : {}) };
}

function requestDevices(tree: string | QueryTree | undefined): ScenarioLaunchDevice[] {
  return queryList(tree).flatMap((item) => {
    if (typeof item === 'string') return [];
    const deviceName = queryString(item.DeviceName);
    const ebs = typeof item.Ebs === 'object' ? item.Ebs : undefined;
    if (!deviceName || !ebs) return [];
    const encrypted = queryString(ebs.Encrypted);
    const size = queryString(ebs.VolumeSize);
    const device: ScenarioLaunchDevice = { deviceName };
    if (encrypted !== undefined) device.encrypted = encrypted === 'true';
    const key = queryString(ebs.KmsKeyId);
    if (key) device.kmsKeyId = key;
    const snapshot = queryString(ebs.SnapshotId);
    if (snapshot) device.snapshotId = snapshot;
    if (size !== undefined) device.volumeSizeGiB = Number(size);
    const type = queryString(ebs.VolumeType);
    if (type) device.volumeType = type;
    return [device];
  });
}

function dryRun(ctx: CallContext): void {
  if (queryString(ctx.query.DryRun) === 'true')
    throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

/** The RunInstances record in the caller's trail, naming the instances as resources. */
function runRecord(ctx: CallContext, instances: InstanceRecord[]): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: trailIdentity(ctx.caller),
    eventTime: new Date().toISOString(),
    eventSource: 'ec2.amazonaws.com',
    eventName: ctx.action,
    awsRegion: ctx.region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-js',
    requestParameters: null,
    responseElements: {
      requestId: ctx.requestId,
      instancesSet: { items: instances.map((i) => ({ instanceId: i.id })) },
    },
    requestID: ctx.requestId,
    eventID: randomUUID(),
    readOnly: false,
    resources: instances.map((i) => ({
      accountId: i.account,
      type: 'AWS::EC2::Instance',
      ARN: `arn:aws:ec2:${i.region}:${i.account}:instance/${i.id}`,
    })),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.caller.account,
    eventCategory: 'Management',
  };
}

function instanceItemXml(i: InstanceRecord & { imageId?: string }, index: number): string {
  return (
    text('instanceId', i.id) +
    text('imageId', i.imageId) +
    element('instanceState', text('code', 0) + text('name', 'pending')) +
    text('reason', '') +
    text('amiLaunchIndex', index) +
    text('instanceType', i.instanceType) +
    text('launchTime', i.launchTime) +
    element('placement', text('availabilityZone', i.availabilityZone) + text('tenancy', 'default')) +
    element('monitoring', text('state', 'disabled')) +
    text('rootDeviceType', 'ebs') +
    // A pending instance lists no block devices yet (src/aws-records.md Q3).
    list('blockDeviceMapping', 'item', [])
  );
}

const runInstances: Handler = async (ctx) => {
  await authorize(ctx, {
    action: 'ec2:RunInstances',
    resource: `arn:aws:ec2:${ctx.region}:${ctx.caller.account}:instance/*`,
  });
  const min = countOf(queryString(ctx.query.MinCount), 'MinCount');
  const max = countOf(queryString(ctx.query.MaxCount), 'MaxCount');
  if (min > max) throw new AwsError('InvalidParameterValue', 'MinCount must not exceed MaxCount.');
  dryRun(ctx);
  const spec: LaunchSpec = {
    account: ctx.caller.account,
    region: ctx.region,
    count: max,
    imageId: queryString(ctx.query.ImageId),
    instanceType: queryString(ctx.query.InstanceType),
    template: templateParam(ctx.query.LaunchTemplate),
    blockDevices: requestDevices(ctx.query.BlockDeviceMapping),
  };
  const instances = await launchInstances(ctx.world, ctx.caller, spec);
  ctx.world.recordTrailEvent(runRecord(ctx, instances));
  return respond(
    ctx,
    text('reservationId', instances[0]?.reservationId) +
      text('ownerId', ctx.caller.account) +
      list('groupSet', 'item', []) +
      list('instancesSet', 'item', instances.map(instanceItemXml)),
  );
};

const createFleet: Handler = async (ctx) => {
  await authorize(ctx, {
    action: 'ec2:CreateFleet',
    resource: `arn:aws:ec2:${ctx.region}:${ctx.caller.account}:fleet/*`,
  });
  if (queryString(ctx.query.Type) !== 'instant')
    throw new AwsError('InvalidParameterValue', 'The emulator supports fleets of type instant only.');
  const configs = queryList(ctx.query.LaunchTemplateConfigs).filter((c): c is QueryTree => typeof c === 'object');
  const first = configs[0];
  const template = templateParam(first?.LaunchTemplateSpecification);
  if (!template)
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateConfigs.1.LaunchTemplateSpecification',
    );
  const capacity =
    typeof ctx.query.TargetCapacitySpecification === 'object' ? ctx.query.TargetCapacitySpecification : {};
  const count = countOf(queryString(capacity.TotalTargetCapacity), 'TotalTargetCapacity');
  dryRun(ctx);
  const override =
    typeof first?.Overrides === 'object'
      ? queryList(first.Overrides).find((o): o is QueryTree => typeof o === 'object')
      : undefined;
  const instanceType = override ? queryString(override.InstanceType) : undefined;
  const instances = await launchInstances(ctx.world, ctx.caller, {
    account: ctx.caller.account,
    region: ctx.region,
    count,
    template,
    ...(instanceType ? { instanceType } : {}),
  });
  ctx.world.recordTrailEvent(runRecord(ctx, instances));
  const spec = element(
    'launchTemplateSpecification',
    text('launchTemplateId', template.id) +
      text('launchTemplateName', template.name) +
      text('version', template.version),
  );
  return respond(
    ctx,
    text('fleetId', `fleet-${randomUUID()}`) +
      list('errorSet', 'item', []) +
      list('fleetInstanceSet', 'item', [
        element('launchTemplateAndOverrides', spec) +
          text('lifecycle', 'on-demand') +
          list(
            'instanceIds',
            'item',
            instances.map((i) => escapeXml(i.id)),
          ) +
          text('instanceType', instances[0]?.instanceType),
      ]),
  );
};

/** EC2 launch operations by action name. */
export const ec2RunHandlers: Record<string, Handler> = {
  RunInstances: runInstances,
  CreateFleet: createFleet,
};

/** How Auto Scaling words a launch: into the group, into its warm pool, or out of the pool (src/aws-records.md Q3a). */
type GroupLaunchKind = 'group' | 'into-warm-pool' | 'from-warm-pool';
const LAUNCH_WORDS: Record<GroupLaunchKind, string> = {
  group: 'Launching a new EC2 instance',
  'into-warm-pool': 'Launching a new EC2 instance into warm pool',
  'from-warm-pool': 'Launching a new EC2 instance from warm pool',
};

function groupOf(world: World, groupName: string, account: string, region: string): ScenarioAutoScalingGroup {
  const group = (world.scenario.autoScalingGroups ?? []).find(
    (g) => g.name === groupName && g.account === account && g.region === region,
  );
  if (!group) throw new Error(`no Auto Scaling group ${groupName} in ${account}/${region}`);
  if (!group.launchTemplate && !group.launchConfigurationName)
    throw new Error(`group ${groupName} has neither a launch template nor a launch configuration`);
  return group;
}

/**
 * The launch Auto Scaling asks of EC2 for `count` of a group's instances: from its launch
 * template, or with its launch configuration's AMI, instance type and block devices in the
 * request (a warm pool takes either: PutWarmPool refuses only a mixed instances policy or Spot
 * requests, https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html),
 * tagged with the group and invoked by the service.
 */
function groupLaunch(
  world: World,
  group: ScenarioAutoScalingGroup,
  count: number,
  onSettled: (instance: InstanceRecord) => void,
): LaunchSpec {
  const configuration = !group.launchTemplate && group.launchConfigurationName;
  return {
    account: group.account,
    region: group.region,
    count,
    ...(configuration ? launchConfigurationRequest(world, group, configuration) : { template: group.launchTemplate }),
    invokedBy: 'autoscaling.amazonaws.com',
    tags: { 'aws:autoscaling:groupName': group.name },
    onSettled,
  };
}

/** The session a group acts as: its service-linked role's, a custom-suffix role's when it names one. */
function groupCaller(group: ScenarioAutoScalingGroup): Caller {
  const caller = autoScalingCaller(group.account);
  if (group.serviceLinkedRoleArn) {
    // A custom-suffix role (AWSServiceRoleForAutoScaling_<suffix>) has its own session name.
    const roleName = group.serviceLinkedRoleArn.split('/').pop() ?? 'AWSServiceRoleForAutoScaling';
    caller.principal = { ...caller.principal, arn: group.serviceLinkedRoleArn, name: roleName };
    caller.arn = `arn:aws:sts::${group.account}:assumed-role/${roleName}/AutoScaling`;
  }
  return caller;
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Records one launch as a scaling activity, newest first, in the words Auto Scaling uses
 * (src/aws-records.md Q3, F7): Successful for a running instance, Cancelled with the
 * termination reason for one that did not come up. Returns whether it failed.
 */
function recordLaunch(
  group: ScenarioAutoScalingGroup,
  instance: InstanceRecord,
  kind: GroupLaunchKind,
  started: Date,
  cause: string,
): boolean {
  const failed = instance.state !== 'running';
  const statusMessage = failed
    ? `Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: ${instance.stateReason?.message ?? ''}`
    : undefined;
  group.activities = [
    {
      activityId: randomUUID(),
      description: `${LAUNCH_WORDS[kind]}: ${instance.id}${failed ? `.  Status Reason: ${statusMessage}` : ''}`,
      cause,
      statusCode: failed ? 'Cancelled' : 'Successful',
      ...(statusMessage ? { statusMessage } : {}),
      startTime: started.toISOString(),
      endTime: new Date().toISOString(),
    },
    ...(group.activities ?? []),
  ];
  return failed;
}

/**
 * Auto Scaling raising a group to its desired capacity, as its service-linked role's session
 * (the group's own role when it names one): warmed instances first, started out of the warm
 * pool when they rest stopped, then one launch for the rest (`groupLaunch`); a scaling
 * activity per instance. Refilling the pool afterwards is `fillWarmPool`'s. Returns the
 * instances taken from the pool, then those launched.
 */
export async function scaleOutGroup(
  world: World,
  groupName: string,
  account: string,
  region: string,
): Promise<InstanceRecord[]> {
  const group = groupOf(world, groupName, account, region);
  const inService = (group.instances ?? []).filter((i) => i.lifecycleState === 'InService').length;
  const missing = Math.max(0, group.desiredCapacity - inService);
  if (missing === 0) return [];
  const caller = groupCaller(group);
  const started = new Date();
  const cause = `At ${isoSeconds(started)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${inService} to ${group.desiredCapacity}.`;
  const intoService = (kind: GroupLaunchKind) => (instance: InstanceRecord) => {
    if (!recordLaunch(group, instance, kind, started, cause))
      group.instances = [...(group.instances ?? []), { instanceId: instance.id, lifecycleState: 'InService' }];
  };
  const warmed = await drawFromWarmPool(world, group, caller, missing);
  for (const instance of warmed) whenSettled(world, instance, () => intoService('from-warm-pool')(instance));
  if (warmed.length === missing) return warmed;
  const launched = await launchInstances(
    world,
    caller,
    groupLaunch(world, group, missing - warmed.length, intoService('group')),
  );
  return [...warmed, ...launched];
}

/**
 * Auto Scaling filling a group's warm pool up to its size (`warmPoolTargetSize`): the missing
 * instances launched like any of the group's launches, as its role, so KMS decides each. A
 * launch that ends terminated is a Cancelled "into warm pool" activity and stays out of the
 * pool; one that runs enters the pool, stopped (or hibernated) by the role, or kept running
 * (src/aws-records.md Q3a). Returns the instances launched.
 */
export async function fillWarmPool(
  world: World,
  groupName: string,
  account: string,
  region: string,
): Promise<InstanceRecord[]> {
  const group = groupOf(world, groupName, account, region);
  if (!group.warmPool) throw new Error(`group ${groupName} has no warm pool`);
  const size = warmPoolMembers(group).length;
  const target = warmPoolTargetSize(group);
  if (size >= target) return [];
  const caller = groupCaller(group);
  const started = new Date();
  // The wording of this cause is not from a record (src/aws-records.md Q3a).
  const cause = `At ${isoSeconds(started)} an instance was launched into the warm pool in response to a difference between desired and actual warm pool capacity, increasing the warm pool size from ${size} to ${target}.`;
  const entering: Promise<void>[] = [];
  const settled = (instance: InstanceRecord): void => {
    if (recordLaunch(group, instance, 'into-warm-pool', started, cause)) return;
    const entry = enterWarmPool(world, group, instance, caller).catch((error: unknown) => {
      process.stderr.write(
        `emulator: ${instance.id} did not enter the warm pool: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    });
    entering.push(entry);
  };
  const launched = await launchInstances(world, caller, groupLaunch(world, group, target - size, settled));
  // Without a launch delay every launch has settled: wait for the pool to take them in.
  await Promise.all(entering);
  return launched;
}
