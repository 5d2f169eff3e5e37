/**
 * EC2 Auto Scaling in the AWS Query protocol (version 2011-01-01): DescribeAutoScalingGroups
 * and DescribeScalingActivities of the caller's account and region, at most 100 a page
 * (Auto Scaling API reference). Groups and activities come from the scenario.
 */
import { authorize, queryList, queryString, queryStrings, type CallContext, type Handler } from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import type { ScenarioAutoScalingGroup } from '../scenario';
import { resolveEventTime } from '../state';
import { element, list, text } from '../xml';
import { queryResponse } from './sts';

function groupsOf(ctx: CallContext): ScenarioAutoScalingGroup[] {
  return (ctx.world.scenario.autoScalingGroups ?? []).filter(
    (g) => g.account === ctx.caller.account && g.region === ctx.region,
  );
}

function groupArn(g: ScenarioAutoScalingGroup): string {
  return `arn:aws:autoscaling:${g.region}:${g.account}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${g.name}`;
}

function maxRecordsOf(ctx: CallContext, fallback: number): number {
  const raw = queryString(ctx.query.MaxRecords);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${raw}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
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
          (g.launchTemplate ? templateXml(g.launchTemplate) : '') +
          text('ProtectedFromScaleIn', false),
      ),
    ) +
    text('CreatedTime', '2024-01-15T09:00:00.000Z') +
    text(
      'ServiceLinkedRoleARN',
      g.serviceLinkedRoleArn ??
        `arn:aws:iam::${g.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    )
  );
}

const describeAutoScalingGroups: Handler = async (ctx) => {
  await authorize(ctx, { action: 'autoscaling:DescribeAutoScalingGroups' });
  const names = new Set(queryStrings(ctx.query.AutoScalingGroupNames));
  const groups = groupsOf(ctx).filter((g) => !names.size || names.has(g.name));
  const max = maxRecordsOf(ctx, 50);
  const scope = JSON.stringify([ctx.caller.account, ctx.region, [...names]]);
  const offset = offsetOf(ctx, scope);
  const page = groups.slice(offset, offset + max);
  const more = offset + max < groups.length;
  return queryResponse(
    ctx,
    XML_NAMESPACES.autoscaling,
    list('AutoScalingGroups', 'member', page.map(groupXml)) +
      (more ? text('NextToken', nextToken(offset + max, scope)) : ''),
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
  const max = maxRecordsOf(ctx, 100);
  const scope = JSON.stringify([ctx.caller.account, ctx.region, name ?? null, [...ids]]);
  const offset = offsetOf(ctx, scope);
  const page = activities.slice(offset, offset + max);
  const more = offset + max < activities.length;
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
  return queryResponse(
    ctx,
    XML_NAMESPACES.autoscaling,
    list('Activities', 'member', items) + (more ? text('NextToken', nextToken(offset + max, scope)) : ''),
  );
};

/** Auto Scaling operations by action name. */
export const autoScalingHandlers: Record<string, Handler> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
  DescribeScalingActivities: describeScalingActivities,
};
