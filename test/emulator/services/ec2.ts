/**
 * EC2 in its own Query flavour: lower-camel element names, lists of `<item>`, no Result
 * wrapper, `<requestId>` first. Start/stop move through pending/stopping like EC2 does.
 */
import { randomUUID } from 'node:crypto';
import {
  authorize,
  queryList,
  queryString,
  queryStrings,
  trailIdentity,
  type CallContext,
  type Handler,
  type QueryTree,
} from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import { ec2Grantee, type Ec2GrantInput } from '../authz/requestContext';
import { decideCreateGrant } from '../grant';
import { attachedDevices, instanceFilter, volumeFilter, type Filter } from './ec2Filters';
import type { ScenarioInstanceState, ScenarioStateReason } from '../scenario';
import type { Caller, InstanceRecord, KeyRecord, World } from '../state';
import { document, element, list, text } from '../xml';

const STATE_CODES: Record<ScenarioInstanceState, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const LAUNCH_FAILURE: ScenarioStateReason = {
  code: 'Client.InternalError',
  message: 'Client.InternalError: Client error on launch',
};
export const USER_SHUTDOWN: ScenarioStateReason = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

export function respond(ctx: CallContext, body: string): string {
  return document(`${ctx.action}Response`, XML_NAMESPACES.ec2, text('requestId', ctx.requestId) + body);
}

function stateXml(name: string, state: ScenarioInstanceState): string {
  return element(name, text('code', STATE_CODES[state]) + text('name', state));
}

function instanceXml(i: InstanceRecord, world: World): string {
  let out =
    text('instanceId', i.id) +
    text('imageId', 'ami-0abcdef1234567890') +
    stateXml('instanceState', i.state) +
    text('privateDnsName', `ip-10-0-0-1.${i.region}.compute.internal`) +
    text('reason', i.stateTransitionReason ?? '') +
    text('amiLaunchIndex', 0) +
    text('instanceType', i.instanceType ?? 't3.micro') +
    text('launchTime', i.launchTime ?? '2024-01-15T09:00:00.000Z') +
    element('placement', text('availabilityZone', i.availabilityZone ?? `${i.region}a`) + text('tenancy', 'default')) +
    element('monitoring', text('state', 'disabled'));
  if (i.stateReason)
    out += element('stateReason', text('code', i.stateReason.code) + text('message', i.stateReason.message));
  out +=
    text('architecture', 'x86_64') +
    text('rootDeviceType', 'ebs') +
    text('rootDeviceName', i.blockDevices[0]?.deviceName ?? '/dev/xvda');
  out += list(
    'blockDeviceMapping',
    'item',
    attachedDevices(i).map(
      (b) =>
        text('deviceName', b.deviceName) +
        element(
          'ebs',
          text('volumeId', b.volumeId) +
            text('status', 'attached') +
            text('attachTime', world.volumes.get(b.volumeId)?.createTime) +
            text('deleteOnTermination', true),
        ),
    ),
  );
  if (i.instanceProfileArn)
    out += element(
      'iamInstanceProfile',
      text('arn', i.instanceProfileArn) + text('id', 'AIPA' + i.id.slice(2, 18).toUpperCase()),
    );
  const tags = { ...(i.name !== undefined ? { Name: i.name } : {}), ...(i.tags ?? {}) };
  const tagItems = Object.entries(tags).map(([k, v]) => text('key', k) + text('value', v));
  if (tagItems.length) out += list('tagSet', 'item', tagItems);
  out += text('virtualizationType', 'hvm') + text('hypervisor', 'xen');
  return out;
}

function reservationXml(i: InstanceRecord, world: World): string {
  return (
    '<item>' +
    text('reservationId', i.reservationId) +
    text('ownerId', i.ownerId) +
    '<instancesSet><item>' +
    instanceXml(i, world) +
    '</item></instancesSet></item>'
  );
}

function filtersOf(query: QueryTree): Filter[] {
  return queryList(query.Filter).map((f) => {
    const node = typeof f === 'object' ? f : {};
    return { name: queryString(node.Name) ?? '', values: queryStrings(node.Value) };
  });
}

/** NextToken: the offset in the filtered list, tied to the request so it cannot be replayed against another query. */
function encodeToken(offset: number, signature: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: signature })).toString('base64');
}

function decodeToken(token: string | undefined, signature: string): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === 'number' && parsed.s === signature) return parsed.o;
  } catch {
    // fall through to the error AWS gives for a foreign token
  }
  throw new AwsError('InvalidParameterValue', 'Invalid value for parameter NextToken');
}

function maxResultsOf(query: QueryTree, min: number, max: number): number | undefined {
  const raw = queryString(query.MaxResults);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return n;
}

export function page<T>(
  items: readonly T[],
  query: QueryTree,
  signature: string,
  min: number,
  max: number,
): { items: readonly T[]; nextToken?: string } {
  const maxResults = maxResultsOf(query, min, max);
  const offset = decodeToken(queryString(query.NextToken), signature);
  if (maxResults === undefined) return { items: offset ? items.slice(offset) : items };
  const end = offset + maxResults;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken(end, signature) : undefined };
}

function notFound(kind: 'instance' | 'volume', missing: string[]): AwsError {
  if (kind === 'volume') {
    return new AwsError(
      'InvalidVolume.NotFound',
      `The volume${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' ${missing.length > 1 ? 'do' : 'does'} not exist.`,
    );
  }
  return missing.length > 1
    ? new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`)
    : new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
}

/**
 * The caller's instances named by `ids`, or InvalidInstanceID errors like EC2's; an instance
 * terminated more than about an hour ago is not found either (state.ts `isListed`).
 */
function namedInstances(ctx: CallContext, ids: string[]): InstanceRecord[] {
  const malformed = ids.find((id) => !/^i-[0-9a-f]{8,17}$/.test(id));
  if (malformed !== undefined) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const found: InstanceRecord[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const i = ctx.world.listedInstance(id);
    if (i && i.account === ctx.caller.account && i.region === ctx.region) found.push(i);
    else missing.push(id);
  }
  if (missing.length) throw notFound('instance', missing);
  return found;
}

const describeRegions: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeRegions' });
  dryRunCheck(ctx);
  const all = queryString(ctx.query.AllRegions) === 'true';
  const names = new Set(queryStrings(ctx.query.RegionName));
  const items: string[] = [];
  for (const region of ctx.world.regions.values()) {
    if (names.size && !names.has(region.name)) continue;
    const enabled = ctx.world.regionEnabled(ctx.caller.account, region.name);
    if (!enabled && !all) continue;
    const optInStatus = !region.optIn ? 'opt-in-not-required' : enabled ? 'opted-in' : 'not-opted-in';
    items.push(
      text('regionName', region.name) +
        text('regionEndpoint', `ec2.${region.name}.amazonaws.com`) +
        text('optInStatus', optInStatus),
    );
  }
  return respond(ctx, list('regionInfo', 'item', items));
};

const describeInstances: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeInstances' });
  dryRunCheck(ctx);
  const ids = queryStrings(ctx.query.InstanceId);
  if (ids.length && queryString(ctx.query.MaxResults) !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const filters = filtersOf(ctx.query);
  const keep = instanceFilter(filters);
  const source = ids.length ? namedInstances(ctx, ids) : ctx.world.listedInstancesIn(ctx.caller.account, ctx.region);
  const matching = filters.length ? source.filter(keep) : source;
  const signature = JSON.stringify([ctx.caller.account, ctx.region, ids, filters]);
  const { items, nextToken } = page(matching, ctx.query, signature, 5, 1000);
  let body = '<reservationSet>';
  for (const i of items) body += reservationXml(i, ctx.world);
  body += '</reservationSet>' + text('nextToken', nextToken);
  return respond(ctx, body);
};

const describeVolumes: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:DescribeVolumes' });
  dryRunCheck(ctx);
  const ids = queryStrings(ctx.query.VolumeId);
  if (ids.length && queryString(ctx.query.MaxResults) !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter volumeSet cannot be used with the parameter maxResults',
    );
  }
  const instances = ctx.world.instancesIn(ctx.caller.account, ctx.region);
  // Root volumes are deleted with their terminated instance (every volume here deletes on termination).
  const deleted = new Set(
    instances.filter((i) => i.state === 'terminated').flatMap((i) => i.blockDevices.map((b) => b.volumeId)),
  );
  const scoped = ctx.world.volumesIn(ctx.caller.account, ctx.region).filter((v) => !deleted.has(v.id));
  let volumes = scoped;
  if (ids.length) {
    const byId = new Map(scoped.map((v) => [v.id, v]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw notFound('volume', missing);
    volumes = ids.map((id) => byId.get(id)!);
  }
  const attachments = new Map<string, { instanceId: string; device: string }>();
  for (const i of instances) {
    for (const b of attachedDevices(i)) attachments.set(b.volumeId, { instanceId: i.id, device: b.deviceName });
  }
  const filters = filtersOf(ctx.query);
  const keep = volumeFilter(filters);
  if (filters.length) volumes = volumes.filter((volume) => keep({ volume, attachment: attachments.get(volume.id) }));
  const signature = JSON.stringify([ctx.caller.account, ctx.region, ids, filtersOf(ctx.query)]);
  const { items, nextToken } = page(volumes, ctx.query, signature, 5, 500);
  const xmlItems = items.map((v) => {
    const attachment = attachments.get(v.id);
    return (
      text('volumeId', v.id) +
      text('size', v.sizeGiB ?? 8) +
      text('snapshotId', '') +
      text('availabilityZone', v.availabilityZone ?? `${v.region}a`) +
      text('status', attachment ? 'in-use' : 'available') +
      text('createTime', v.createTime) +
      list(
        'attachmentSet',
        'item',
        attachment
          ? [
              text('volumeId', v.id) +
                text('instanceId', attachment.instanceId) +
                text('device', attachment.device) +
                text('status', 'attached') +
                text('attachTime', v.createTime) +
                text('deleteOnTermination', true),
            ]
          : [],
      ) +
      text('volumeType', v.volumeType ?? 'gp3') +
      text('encrypted', v.encrypted) +
      (v.encrypted ? text('kmsKeyId', v.kmsKeyId) : '')
    );
  });
  return respond(ctx, list('volumeSet', 'item', xmlItems) + text('nextToken', nextToken));
};

const getEbsDefaultKmsKeyId: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:GetEbsDefaultKmsKeyId' });
  dryRunCheck(ctx);
  return respond(ctx, text('kmsKeyId', ctx.world.ebsDefault(ctx.caller.account, ctx.region).kmsKeyId));
};

const getEbsEncryptionByDefault: Handler = async (ctx) => {
  await authorize(ctx, { action: 'ec2:GetEbsEncryptionByDefault' });
  dryRunCheck(ctx);
  return respond(
    ctx,
    text('ebsEncryptionByDefault', ctx.world.ebsDefault(ctx.caller.account, ctx.region).encryptionByDefault) +
      text('sseType', 'sse-ebs'),
  );
};

function changeXml(i: InstanceRecord, previous: ScenarioInstanceState): string {
  return (
    '<item>' +
    text('instanceId', i.id) +
    stateXml('currentState', i.state) +
    stateXml('previousState', previous) +
    '</item>'
  );
}

function trailRecord(
  ctx: { caller: Caller; region: string },
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: trailIdentity(ctx.caller),
    eventTime: new Date().toISOString(),
    awsRegion: ctx.region,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'aws-sdk-js',
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.caller.account,
    eventCategory: 'Management',
    ...fields,
  };
}

function instanceEvent(
  ctx: CallContext,
  eventName: string,
  changes: { i: InstanceRecord; previous: ScenarioInstanceState }[],
): void {
  ctx.world.recordTrailEvent(
    trailRecord(ctx, {
      eventSource: 'ec2.amazonaws.com',
      eventName,
      requestParameters: { instancesSet: { items: changes.map((c) => ({ instanceId: c.i.id })) } },
      responseElements: {
        requestId: ctx.requestId,
        instancesSet: {
          items: changes.map((c) => ({
            instanceId: c.i.id,
            currentState: { code: STATE_CODES[c.i.state], name: c.i.state },
            previousState: { code: STATE_CODES[c.previous], name: c.previous },
          })),
        },
      },
      resources: changes.map((c) => ({
        accountId: ctx.caller.account,
        type: 'AWS::EC2::Instance',
        ARN: `arn:aws:ec2:${ctx.region}:${ctx.caller.account}:instance/${c.i.id}`,
      })),
    }),
  );
}

function userInitiatedReason(): string {
  const stamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' GMT');
  return `User initiated (${stamp})`;
}

/** The failure of the grant EC2 asks KMS for on the caller's behalf, in CloudTrail's words; undefined when it succeeds. */
async function grantFailure(
  world: World,
  caller: Caller,
  key: KeyRecord | undefined,
  keyRef: string,
  input: Ec2GrantInput,
): Promise<{ errorCode: string; errorMessage: string } | undefined> {
  // A deleted key (or one that never existed) is not found, whoever asks.
  if (!key) return { errorCode: 'NotFoundException', errorMessage: `Key '${keyRef}' does not exist` };
  // KMS authorizes before it looks at the key state (KMS Developer Guide, "Key states").
  const decision = await decideCreateGrant(world, caller, key, input);
  if (!decision.allowed) return { errorCode: 'AccessDenied', errorMessage: decision.errorMessage };
  if (key.state === 'Disabled') return { errorCode: 'DisabledException', errorMessage: `${key.arn} is disabled.` };
  if (key.state === 'PendingDeletion')
    return { errorCode: 'KMSInvalidStateException', errorMessage: `${key.arn} is pending deletion.` };
  if (key.state !== 'Enabled')
    return { errorCode: 'KMSInvalidStateException', errorMessage: `${key.arn} is ${key.state.toLowerCase()}.` };
  return undefined;
}

/**
 * EC2's CreateGrant as CloudTrail records it today (src/aws-records.md F1, F5): the caller's
 * identity invoked by the EC2 front end, and the instance's ec2-infrastructure session as grantee.
 */
function grantRecord(
  caller: Caller,
  instance: InstanceRecord,
  volumeId: string,
  keyArn: string,
  keyAccount: string,
  failure: { errorCode: string; errorMessage: string } | undefined,
): Record<string, unknown> {
  const frontEnd = 'ec2-frontend-api.amazonaws.com';
  return {
    ...trailRecord(
      { caller, region: instance.region },
      {
        eventSource: 'kms.amazonaws.com',
        eventName: 'CreateGrant',
        sourceIPAddress: frontEnd,
        userAgent: frontEnd,
        ...(failure ?? {}),
        requestParameters: {
          constraints: { encryptionContextSubset: { 'aws:ebs:id': volumeId } },
          retiringPrincipal: `ec2.${instance.region}.amazonaws.com`,
          operations: ['Decrypt'],
          keyId: keyArn,
          granteePrincipal: ec2Grantee({ instanceAccount: instance.account, instanceId: instance.id }),
        },
        responseElements: failure
          ? null
          : { grantId: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''), keyId: keyArn },
        resources: [{ accountId: keyAccount, type: 'AWS::KMS::Key', ARN: keyArn }],
      },
    ),
    userIdentity: { ...trailIdentity(caller), invokedBy: frontEnd },
  };
}

/** Ends a launch the way EC2 does: every encrypted volume needs a grant on a usable key. */
async function settleStart(world: World, caller: Caller, instance: InstanceRecord): Promise<void> {
  if (instance.state !== 'pending') return;
  let failed = false;
  for (const device of instance.blockDevices) {
    const volume = world.volumes.get(device.volumeId);
    if (!volume?.encrypted || !volume.kmsKeyId) continue;
    const key = world.deletedKeys.has(volume.kmsKeyId)
      ? undefined
      : world.findKeyByIdOrArn(volume.kmsKeyId, volume.account, volume.region);
    const input = {
      region: instance.region,
      instanceId: instance.id,
      instanceAccount: instance.account,
      volumeId: volume.id,
    };
    const failure = await grantFailure(world, caller, key, volume.kmsKeyId, input);
    const keyArn = key?.arn ?? volume.kmsKeyId;
    const keyAccount = key?.account ?? keyArn.split(':')[4] ?? instance.account;
    const crossAccount = key !== undefined && key.account !== caller.account && !failure;
    // The two copies of a cross-account event share a sharedEventID (CloudTrail record contents).
    const event = {
      ...grantRecord(caller, instance, volume.id, keyArn, keyAccount, failure),
      ...(crossAccount ? { sharedEventID: randomUUID() } : {}),
    };
    world.recordTrailEvent(event);
    // A cross-account call is logged in both accounts, but a refused one only in the caller's
    // (KMS Developer Guide, "Logging AWS KMS API calls with AWS CloudTrail").
    if (crossAccount)
      world.recordTrailEvent({
        ...event,
        eventID: randomUUID(),
        recipientAccountId: key.account,
        awsRegion: key.region,
      });
    if (failure) {
      failed = true;
      break;
    }
  }
  if (instance.state !== 'pending') return;
  // A failed launch leaves a bare code as the transition reason, without the timestamp a user
  // stop carries (src/aws-records.md Q2, M4).
  if (!failed && instance.startFailure) {
    instance.state = 'stopped';
    instance.stateReason = { ...instance.startFailure };
    instance.stateTransitionReason = instance.startFailure.code;
    return;
  }
  if (failed) {
    instance.state = 'stopped';
    instance.stateReason = { ...LAUNCH_FAILURE };
    instance.stateTransitionReason = LAUNCH_FAILURE.code;
    return;
  }
  instance.state = 'running';
  instance.stateReason = undefined;
  instance.stateTransitionReason = '';
}

/** EC2's DryRun answer: the caller has the permission, nothing happened (EC2 API, "DryRun"). */
function dryRunCheck(ctx: CallContext): void {
  if (queryString(ctx.query.DryRun) === 'true')
    throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

const instanceArn = (ctx: CallContext, id: string): string =>
  `arn:aws:ec2:${ctx.region}:${ctx.caller.account}:instance/${id}`;

const startInstances: Handler = async (ctx) => {
  const ids = queryStrings(ctx.query.InstanceId);
  if (!ids.length) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = namedInstances(ctx, ids);
  for (const i of instances) await authorize(ctx, { action: 'ec2:StartInstances', resource: instanceArn(ctx, i.id) });
  dryRunCheck(ctx);
  const blocked = instances.find((i) => i.state !== 'stopped' && i.state !== 'running' && i.state !== 'pending');
  if (blocked)
    throw new AwsError(
      'IncorrectInstanceState',
      `The instance '${blocked.id}' is not in a state from which it can be started.`,
    );
  const changes = instances.map((i) => {
    const previous = i.state;
    if (i.state === 'stopped') {
      i.state = 'pending';
      i.stateReason = undefined;
      i.stateTransitionReason = '';
      i.launchTime = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
    }
    return { i, previous };
  });
  const body = '<instancesSet>' + changes.map((c) => changeXml(c.i, c.previous)).join('') + '</instancesSet>';
  instanceEvent(ctx, 'StartInstances', changes);
  const { world, caller } = ctx;
  const settling: Promise<void>[] = [];
  for (const c of changes) {
    if (c.previous !== 'stopped') continue;
    const settle = (): Promise<void> =>
      settleStart(world, caller, c.i).catch((error: unknown) => {
        process.stderr.write(
          `emulator: launch of ${c.i.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      });
    // With no launch delay the start settles before the answer, as the scenario asks.
    if (world.launchDelayMs <= 0) settling.push(settle());
    else world.later(() => void settle());
  }
  await Promise.all(settling);
  return respond(ctx, body);
};

const stopInstances: Handler = async (ctx) => {
  const ids = queryStrings(ctx.query.InstanceId);
  if (!ids.length) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = namedInstances(ctx, ids);
  for (const i of instances) await authorize(ctx, { action: 'ec2:StopInstances', resource: instanceArn(ctx, i.id) });
  dryRunCheck(ctx);
  const blocked = instances.find((i) => i.state === 'terminated' || i.state === 'shutting-down');
  if (blocked)
    throw new AwsError(
      'IncorrectInstanceState',
      `This instance '${blocked.id}' is not in a state from which it can be stopped.`,
    );
  const changes = instances.map((i) => {
    const previous = i.state;
    if (i.state === 'running' || i.state === 'pending') {
      i.state = 'stopping';
      i.stateReason = { code: 'Client.UserInitiatedShutdown', message: USER_SHUTDOWN.message };
      i.stateTransitionReason = userInitiatedReason();
    }
    return { i, previous };
  });
  instanceEvent(ctx, 'StopInstances', changes);
  for (const c of changes) {
    if (c.i.state !== 'stopping') continue;
    const i = c.i;
    ctx.world.later(() => {
      if (i.state === 'stopping') i.state = 'stopped';
    });
  }
  return respond(ctx, '<instancesSet>' + changes.map((c) => changeXml(c.i, c.previous)).join('') + '</instancesSet>');
};

const rebootInstances: Handler = async (ctx) => {
  const ids = queryStrings(ctx.query.InstanceId);
  if (!ids.length) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = namedInstances(ctx, ids);
  for (const i of instances) await authorize(ctx, { action: 'ec2:RebootInstances', resource: instanceArn(ctx, i.id) });
  dryRunCheck(ctx);
  const blocked = instances.find((i) => i.state !== 'running');
  if (blocked)
    throw new AwsError(
      'IncorrectInstanceState',
      `The instance '${blocked.id}' is not in a state from which it can be rebooted.`,
    );
  // A reboot keeps the instance running: no launch, no grant, no state change to show.
  return respond(ctx, '<return>true</return>');
};

/** EC2 operations by action name. */
export const ec2Handlers: Record<string, Handler> = {
  DescribeRegions: describeRegions,
  DescribeInstances: describeInstances,
  DescribeVolumes: describeVolumes,
  GetEbsDefaultKmsKeyId: getEbsDefaultKmsKeyId,
  GetEbsEncryptionByDefault: getEbsEncryptionByDefault,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  RebootInstances: rebootInstances,
};

/** Exposed for the control endpoint: the instance as plain JSON. */
export function instanceSnapshot(i: InstanceRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify(i)) as Record<string, unknown>;
}
