/**
 * Auto Scaling warm pools (src/aws-records.md Q3a): a pool of pre-initialized instances beside
 * a group. Auto Scaling keeps MaxSize (or MaxGroupPreparedCapacity) minus DesiredCapacity of
 * them, never fewer than the pool's MinSize
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html).
 * An instance launched into the pool is stopped (or hibernated) as soon as it finishes
 * launching, or kept running, and a scale-out draws on the pool first
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html).
 * The group's service-linked role stops and starts those instances through EC2's own
 * StopInstances and StartInstances, so EC2 asks KMS for the volumes' grant as that role.
 * Here: the sizing rule, the pool's wire form, and moving an instance into and out of the pool.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext, QueryTree } from '../context';
import type { ScenarioAutoScalingGroup, ScenarioWarmPool } from '../scenario';
import type { Caller, InstanceRecord, World } from '../state';
import { element, text } from '../xml';
import { ec2Handlers } from './ec2';

type WarmPoolInstance = NonNullable<ScenarioWarmPool['instances']>[number];

/** The lifecycle state a warmed instance rests in, by pool state (API reference, LifecycleState). */
const WARMED_STATE: Record<ScenarioWarmPool['poolState'], string> = {
  Stopped: 'Warmed:Stopped',
  Running: 'Warmed:Running',
  Hibernated: 'Warmed:Hibernated',
};
/** Warmed instances a scale-out can take: launched, initialized and resting. */
const READY_STATES: ReadonlySet<string> = new Set(Object.values(WARMED_STATE));

/**
 * How many instances the pool should hold: (MaxGroupPreparedCapacity, else MaxSize) minus
 * DesiredCapacity, at least the pool's MinSize. A MaxGroupPreparedCapacity of -1 means unset
 * (API reference, PutWarmPool).
 */
export function warmPoolTargetSize(group: ScenarioAutoScalingGroup): number {
  const pool = group.warmPool;
  if (!pool) return 0;
  const prepared =
    pool.maxGroupPreparedCapacity !== undefined && pool.maxGroupPreparedCapacity >= 0
      ? pool.maxGroupPreparedCapacity
      : group.maxSize;
  return Math.max(pool.minSize ?? 0, prepared - group.desiredCapacity, 0);
}

/** The instances in the pool now, a terminated one no longer counted. */
export function warmPoolMembers(group: ScenarioAutoScalingGroup): WarmPoolInstance[] {
  return (group.warmPool?.instances ?? []).filter((i) => i.lifecycleState !== 'Warmed:Terminated');
}

/** `WarmPoolConfiguration` as DescribeAutoScalingGroups and DescribeWarmPool return it. */
export function warmPoolConfigurationXml(pool: ScenarioWarmPool): string {
  return element(
    'WarmPoolConfiguration',
    text('MaxGroupPreparedCapacity', pool.maxGroupPreparedCapacity) +
      text('MinSize', pool.minSize ?? 0) +
      text('PoolState', pool.poolState) +
      element('InstanceReusePolicy', text('ReuseOnScaleIn', false)),
  );
}

/** One pool instance in the shape of the API's `Instance`. */
export function warmPoolInstanceXml(group: ScenarioAutoScalingGroup, i: WarmPoolInstance, templateXml: string): string {
  return (
    text('InstanceId', i.instanceId) +
    text('AvailabilityZone', i.availabilityZone ?? `${group.region}a`) +
    text('LifecycleState', i.lifecycleState) +
    text('HealthStatus', i.healthStatus ?? 'Healthy') +
    templateXml +
    text('ProtectedFromScaleIn', false)
  );
}

/** Calls one of EC2's own operations as `caller`, as a service does on the caller's behalf. */
async function callEc2(world: World, caller: Caller, region: string, action: string, query: QueryTree): Promise<void> {
  const handler = ec2Handlers[action];
  if (!handler) throw new Error(`EC2 has no ${action}`);
  const ctx: CallContext = {
    world,
    caller,
    service: 'ec2',
    region,
    action,
    requestId: randomUUID(),
    query,
    json: {},
  };
  await handler(ctx);
}

/** Runs `then` once the instance has left pending and stopping (at once without a launch delay). */
export function whenSettled(world: World, instance: InstanceRecord, then: () => void): void {
  if (world.launchDelayMs <= 0 || (instance.state !== 'pending' && instance.state !== 'stopping')) {
    then();
    return;
  }
  world.later(() => whenSettled(world, instance, then));
}

/**
 * Puts a freshly launched, running instance into the group's pool: Warmed:Pending, then its
 * resting state; for a Stopped or Hibernated pool the group's role stops it first
 * (StopInstances, with Hibernate for a hibernated pool).
 */
export async function enterWarmPool(
  world: World,
  group: ScenarioAutoScalingGroup,
  instance: InstanceRecord,
  caller: Caller,
): Promise<void> {
  const pool = group.warmPool;
  if (!pool) throw new Error(`group ${group.name} has no warm pool`);
  const member: WarmPoolInstance = { instanceId: instance.id, lifecycleState: 'Warmed:Pending' };
  pool.instances = [...(pool.instances ?? []), member];
  if (pool.poolState !== 'Running')
    await callEc2(world, caller, instance.region, 'StopInstances', {
      InstanceId: { 1: instance.id },
      ...(pool.poolState === 'Hibernated' ? { Hibernate: 'true' } : {}),
    });
  whenSettled(world, instance, () => {
    member.lifecycleState = WARMED_STATE[pool.poolState];
  });
}

/**
 * Takes up to `count` warmed instances out of the pool for a scale-out, oldest first; the
 * group's role starts each one that rests stopped or hibernated (StartInstances, so EC2 asks
 * KMS for the volumes' grant as that role). Returns the instances taken, as EC2 holds them.
 */
export async function drawFromWarmPool(
  world: World,
  group: ScenarioAutoScalingGroup,
  caller: Caller,
  count: number,
): Promise<InstanceRecord[]> {
  const pool = group.warmPool;
  if (!pool || count <= 0) return [];
  const taken = (pool.instances ?? []).filter((i) => READY_STATES.has(i.lifecycleState)).slice(0, count);
  pool.instances = (pool.instances ?? []).filter((i) => !taken.includes(i));
  const instances = taken
    .map((i) => world.instances.get(i.instanceId))
    .filter((i): i is InstanceRecord => i !== undefined);
  const stopped = instances.filter((i) => i.state === 'stopped');
  if (stopped.length > 0)
    await callEc2(world, caller, group.region, 'StartInstances', {
      InstanceId: Object.fromEntries(stopped.map((i, n) => [String(n + 1), i.id])),
    });
  return instances;
}
