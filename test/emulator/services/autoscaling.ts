/**
 * EC2 Auto Scaling in the AWS Query protocol (version 2011-01-01): DescribeAutoScalingGroups,
 * DescribeScalingActivities, DescribeLaunchConfigurations and DescribeWarmPool of the caller's
 * account and region, at most 100 a page (Auto Scaling API reference). Groups, activities and launch
 * configurations come from the scenario.
 */
import { authorize, queryList, queryString, queryStrings, type CallContext, type Handler } from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import type { ScenarioAutoScalingGroup, ScenarioLaunchConfiguration } from '../scenario';
import { resolveEventTime } from '../state';
import { element, list, text } from '../xml';
import { queryResponse } from './sts';
import { warmPoolConfigurationXml, warmPoolInstanceXml, warmPoolMembers } from './warmPool';

function groupsOf(ctx: CallContext): ScenarioAutoScalingGroup[] {
  return (ctx.world.scenario.autoScalingGroups ?? []).filter(
    (g) => g.account === ctx.caller.account && g.region === ctx.region,
  );
}

function groupArn(g: ScenarioAutoScalingGroup): string {
  return `arn:aws:autoscaling:${g.region}:${g.account}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${g.name}`;
}

function maxRecordsOf(ctx: CallContext, fallback: number, limit = 100): number {
  const raw = queryString(ctx.query.MaxRecords);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > limit) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${raw}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to ${limit}`,
    );
  }
  return n;
}

function offsetOf(ctx: CallContext, scope: string): number {
  const token = queryString(ctx.query.NextToken);
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === 'number' && parsed.s === scope) return parsed.o;
  } catch {
    // the error below
  }
  throw new AwsError('InvalidNextToken', 'The token is invalid.');
}

const nextToken = (offset: number, scope: string): string =>
  Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64');

/**
 * One page of `items` as every Describe call here pages: MaxRecords (default `fallback`, at
 * most `limit`) checked first, then NextToken, an offset tied to the request's `scope` so it
 * cannot be replayed against another request. `nextTokenXml` is the answer's `NextToken`,
 * empty on the last page.
 */
function pageOf<T>(
  ctx: CallContext,
  items: readonly T[],
  scope: string,
  fallback: number,
  limit = 100,
): { page: T[]; nextTokenXml: string } {
  const max = maxRecordsOf(ctx, fallback, limit);
  const offset = offsetOf(ctx, scope);
  const end = offset + max;
  return {
    page: items.slice(offset, end),
    nextTokenXml: end < items.length ? text('NextToken', nextToken(end, scope)) : '',
  };
}

function templateXml(t: NonNullable<ScenarioAutoScalingGroup['launchTemplate']>): string {
  return element(
    'LaunchTemplate',
    text('LaunchTemplateId', t.id) + text('LaunchTemplateName', t.name) + text('Version', t.version),
  );
}

function groupXml(g: ScenarioAutoScalingGroup): string {
  const zone = `${g.region}a`;
  return (
    text('AutoScalingGroupName', g.name) +
    text('AutoScalingGroupARN', groupArn(g)) +
    (g.launchTemplate ? templateXml(g.launchTemplate) : '') +
    text('LaunchConfigurationName', g.launchConfigurationName) +
    text('MinSize', g.minSize) +
    text('MaxSize', g.maxSize) +
    text('DesiredCapacity', g.desiredCapacity) +
    text('DefaultCooldown', 300) +
    list('AvailabilityZones', 'member', [zone]) +
    text('HealthCheckType', 'EC2') +
    text('HealthCheckGracePeriod', 300) +
    list(
      'Instances',
      'member',
      (g.instances ?? []).map(
        (i) =>
          text('InstanceId', i.instanceId) +
          text('AvailabilityZone', i.availabilityZone ?? zone) +
          text('LifecycleState', i.lifecycleState) +
          text('HealthStatus', i.healthStatus ?? 'Healthy') +
          text('LaunchConfigurationName', g.launchConfigurationName) +
          (g.launchTemplate ? templateXml(g.launchTemplate) : '') +
          text('ProtectedFromScaleIn', false),
      ),
    ) +
    text('CreatedTime', '2024-01-15T09:00:00.000Z') +
    text(
      'ServiceLinkedRoleARN',
      g.serviceLinkedRoleArn ??
        `arn:aws:iam::${g.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ) +
    (g.warmPool ? warmPoolConfigurationXml(g.warmPool) + text('WarmPoolSize', warmPoolMembers(g).length) : '')
  );
}

const describeAutoScalingGroups: Handler = async (ctx) => {
  await authorize(ctx, { action: 'autoscaling:DescribeAutoScalingGroups' });
  const names = new Set(queryStrings(ctx.query.AutoScalingGroupNames));
  const groups = groupsOf(ctx).filter((g) => !names.size || names.has(g.name));
  const scope = JSON.stringify([ctx.caller.account, ctx.region, [...names]]);
  const { page, nextTokenXml } = pageOf(ctx, groups, scope, 50);
  return queryResponse(
    ctx,
    XML_NAMESPACES.autoscaling,
    list('AutoScalingGroups', 'member', page.map(groupXml)) + nextTokenXml,
  );
};

const describeScalingActivities: Handler = async (ctx) => {
  await authorize(ctx, { action: 'autoscaling:DescribeScalingActivities' });
  const name = queryString(ctx.query.AutoScalingGroupName);
  const ids = new Set(queryList(ctx.query.ActivityIds).filter((v): v is string => typeof v === 'string'));
  const activities = groupsOf(ctx)
    .filter((g) => name === undefined || g.name === name)
    .flatMap((g) => (g.activities ?? []).map((a) => ({ g, a })))
    .filter(({ a }) => !ids.size || ids.has(a.activityId));
  const scope = JSON.stringify([ctx.caller.account, ctx.region, name ?? null, [...ids]]);
  const { page, nextTokenXml } = pageOf(ctx, activities, scope, 100);
  const items = page.map(
    ({ g, a }) =>
      text('ActivityId', a.activityId) +
      text('AutoScalingGroupName', g.name) +
      text('Description', a.description) +
      text('Cause', a.cause) +
      text('StartTime', resolveEventTime(a.startTime)) +
      text('EndTime', a.endTime === undefined ? undefined : resolveEventTime(a.endTime)) +
      text('StatusCode', a.statusCode) +
      text('StatusMessage', a.statusMessage) +
      text('Progress', 100) +
      text('Details', JSON.stringify({ 'Subnet ID': 'subnet-0example', 'Availability Zone': `${g.region}a` })) +
      text('AutoScalingGroupARN', groupArn(g)),
  );
  return queryResponse(ctx, XML_NAMESPACES.autoscaling, list('Activities', 'member', items) + nextTokenXml);
};

/** `LaunchConfigurationNames` takes at most 50 names (API_DescribeLaunchConfigurations, Request Parameters). */
const MAX_LAUNCH_CONFIGURATION_NAMES = 50;

function launchConfigurationArn(c: ScenarioLaunchConfiguration): string {
  return `arn:aws:autoscaling:${c.region}:${c.account}:launchConfiguration:00000000-0000-4000-8000-000000000001:launchConfigurationName/${c.name}`;
}

/** One `LaunchConfiguration` as the model shapes it; its `Ebs` carries no KmsKeyId (API_Ebs). */
function launchConfigurationXml(c: ScenarioLaunchConfiguration): string {
  const devices = (c.blockDevices ?? []).map(
    (d) =>
      text('DeviceName', d.deviceName) +
      (d.noDevice
        ? text('NoDevice', true)
        : element(
            'Ebs',
            text('SnapshotId', d.snapshotId) +
              text('VolumeSize', d.volumeSizeGiB) +
              text('VolumeType', d.volumeType) +
              text('DeleteOnTermination', true) +
              text('Encrypted', d.encrypted),
          )),
  );
  return (
    text('LaunchConfigurationName', c.name) +
    text('LaunchConfigurationARN', launchConfigurationArn(c)) +
    text('ImageId', c.imageId) +
    list('SecurityGroups', 'member', []) +
    list('ClassicLinkVPCSecurityGroups', 'member', []) +
    text('InstanceType', c.instanceType ?? 't3.micro') +
    list('BlockDeviceMappings', 'member', devices) +
    element('InstanceMonitoring', text('Enabled', true)) +
    text('CreatedTime', '2019-03-01T09:00:00.000Z') +
    text('EbsOptimized', false)
  );
}

/**
 * DescribeLaunchConfigurations: the named ones (a name that does not exist is left out, no
 * error), or every one of the account and region; MaxRecords default 50, at most 100
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLaunchConfigurations.html).
 */
const describeLaunchConfigurations: Handler = async (ctx) => {
  await authorize(ctx, { action: 'autoscaling:DescribeLaunchConfigurations' });
  const names = queryStrings(ctx.query.LaunchConfigurationNames);
  // The limit of 50 is the API reference's; the message is this model's own wording, UNCONFIRMED
  // (no real record of it found): the shape of AWS's other validation errors in this file, with
  // the list rendered as `[a, b]`, a guess.
  if (names.length > MAX_LAUNCH_CONFIGURATION_NAMES)
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '[${names.join(', ')}]' at 'launchConfigurationNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_LAUNCH_CONFIGURATION_NAMES}`,
    );
  const wanted = new Set(names);
  const configurations = (ctx.world.scenario.launchConfigurations ?? []).filter(
    (c) => c.account === ctx.caller.account && c.region === ctx.region && (!wanted.size || wanted.has(c.name)),
  );
  const scope = JSON.stringify([ctx.caller.account, ctx.region, 'launch-configurations', [...wanted]]);
  const { page, nextTokenXml } = pageOf(ctx, configurations, scope, 50);
  return queryResponse(
    ctx,
    XML_NAMESPACES.autoscaling,
    list('LaunchConfigurations', 'member', page.map(launchConfigurationXml)) + nextTokenXml,
  );
};

/**
 * DescribeWarmPool: a group's warm pool configuration and the instances in it, MaxRecords at
 * most 50 (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeWarmPool.html);
 * a group without a warm pool has neither.
 */
const describeWarmPool: Handler = async (ctx) => {
  await authorize(ctx, { action: 'autoscaling:DescribeWarmPool' });
  const name = queryString(ctx.query.AutoScalingGroupName);
  if (!name)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null",
    );
  const group = groupsOf(ctx).find((g) => g.name === name);
  // A group name not found is a ValidationError; the message is this model's own wording,
  // UNCONFIRMED (not in the DescribeWarmPool reference; src/aws-records.md Q3a).
  if (!group) throw new AwsError('ValidationError', `Group ${name} not found`);
  const members = warmPoolMembers(group);
  const scope = JSON.stringify([ctx.caller.account, ctx.region, 'warm-pool', name]);
  const { page, nextTokenXml } = pageOf(ctx, members, scope, 50, 50);
  const template = group.launchTemplate ? templateXml(group.launchTemplate) : '';
  return queryResponse(
    ctx,
    XML_NAMESPACES.autoscaling,
    (group.warmPool ? warmPoolConfigurationXml(group.warmPool) : '') +
      list(
        'Instances',
        'member',
        page.map((i) => warmPoolInstanceXml(group, i, template)),
      ) +
      nextTokenXml,
  );
};

/** Auto Scaling operations by action name. */
export const autoScalingHandlers: Record<string, Handler> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
  DescribeScalingActivities: describeScalingActivities,
  DescribeLaunchConfigurations: describeLaunchConfigurations,
  DescribeWarmPool: describeWarmPool,
};
