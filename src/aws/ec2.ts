import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type InstanceStateChange,
  type Reservation,
} from '@aws-sdk/client-ec2';
import type { InstanceStateName, InstanceSummary, Outcome } from '../core/model';
import type { AwsSession } from './session';

/** Cancellation for one listing or action, and an optional count of its API requests. */
export interface SignalOption {
  signal?: AbortSignal;
  /** Told once per API request sent (every page counts). */
  onRequest?: () => void;
}

/** DescribeInstances returns at most 1,000 instances a page. */
export const INSTANCES_PAGE_SIZE = 1000;
/** A guard against a service that keeps returning NextToken: 1,000 pages is 1,000,000 instances. */
const MAX_PAGES = 1000;
/** Region asked for the region list when the profile names none. */
const FALLBACK_REGION = 'us-east-1';

const STATES: ReadonlySet<string> = new Set(['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']);

/**
 * The regions enabled for a profile's account, sorted. Opt-in regions that are not enabled
 * are left out (DescribeRegions with AllRegions false). The `regions` setting, when set,
 * replaces the call.
 */
export async function listRegions(
  session: AwsSession,
  profile: string,
  options: SignalOption = {},
): Promise<Outcome<string[]>> {
  const fixed = session.fixedRegions();
  if (fixed) return { ok: true, value: fixed };
  const home = (await session.profile(profile).catch(() => undefined))?.region ?? FALLBACK_REGION;
  return session.call(
    'EC2',
    profile,
    home,
    async (ec2, abortSignal) => {
      const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }), { abortSignal });
      return (out.Regions ?? [])
        .filter((r) => r.RegionName && r.OptInStatus !== 'not-opted-in')
        .map((r) => r.RegionName!)
        .sort();
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'ec2:DescribeRegions' },
  );
}

/** Every instance of a region, 1,000 per DescribeInstances page, with no per-instance calls. */
export function listInstances(
  session: AwsSession,
  profile: string,
  region: string,
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary[]>> {
  return describeAllPages(session, profile, region, { MaxResults: INSTANCES_PAGE_SIZE }, options);
}

/**
 * The given instances in ONE call (a page per 1,000 ids), for polling pending and stopping
 * instances. Ids that no longer exist are simply absent, instead of failing the whole poll.
 */
export async function describeInstancesById(
  session: AwsSession,
  profile: string,
  region: string,
  ids: string[],
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary[]>> {
  if (ids.length === 0) return { ok: true, value: [] };
  const results: InstanceSummary[] = [];
  for (let start = 0; start < ids.length; start += INSTANCES_PAGE_SIZE) {
    const chunk = ids.slice(start, start + INSTANCES_PAGE_SIZE);
    const page = await describeAllPages(
      session,
      profile,
      region,
      { Filters: [{ Name: 'instance-id', Values: chunk }], MaxResults: INSTANCES_PAGE_SIZE },
      options,
    );
    if (!page.ok) return page;
    results.push(...page.value);
  }
  return { ok: true, value: results };
}

/**
 * One instance by id (InstanceIds, so a missing instance is a `not-found` failure rather
 * than an empty answer).
 */
export async function describeInstance(
  session: AwsSession,
  profile: string,
  region: string,
  instanceId: string,
  options: SignalOption = {},
): Promise<Outcome<InstanceSummary>> {
  const outcome = await session.call(
    'EC2',
    profile,
    region,
    async (ec2, abortSignal) => {
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal });
      return instancesOf(out.Reservations, region);
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'ec2:DescribeInstances' },
  );
  if (!outcome.ok) return outcome;
  const found = outcome.value.find((i) => i.id === instanceId);
  if (found) return { ok: true, value: found };
  return {
    ok: false,
    error: {
      kind: 'not-found',
      message: `Instance ${instanceId} was not found in ${region}.`,
      nextStep: 'Check the instance id, the profile and the region.',
      action: 'ec2:DescribeInstances',
      code: 'InvalidInstanceID.NotFound',
    },
  };
}

/** The state change EC2 reports for a start or stop. */
export interface StateChange {
  instanceId: string;
  previousState?: InstanceStateName;
  currentState?: InstanceStateName;
}

/** Starts a stopped instance. Callers confirm with the person first. */
export function startInstance(session: AwsSession, profile: string, region: string, instanceId: string, options: SignalOption = {}): Promise<Outcome<StateChange>> {
  return changeState(session, profile, region, instanceId, 'start', options);
}

/** Stops a running instance. Callers confirm with the person first. */
export function stopInstance(session: AwsSession, profile: string, region: string, instanceId: string, options: SignalOption = {}): Promise<Outcome<StateChange>> {
  return changeState(session, profile, region, instanceId, 'stop', options);
}

function changeState(
  session: AwsSession,
  profile: string,
  region: string,
  instanceId: string,
  change: 'start' | 'stop',
  options: SignalOption,
): Promise<Outcome<StateChange>> {
  return session.call(
    'EC2',
    profile,
    region,
    async (ec2, abortSignal) => {
      if (change === 'start') {
        const out = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal });
        return mapStateChange(out.StartingInstances, instanceId);
      }
      const out = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal });
      return mapStateChange(out.StoppingInstances, instanceId);
    },
    { signal: options.signal, onRequest: options.onRequest, action: change === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances' },
  );
}

async function describeAllPages(
  session: AwsSession,
  profile: string,
  region: string,
  input: DescribeInstancesCommandInput,
  options: SignalOption,
): Promise<Outcome<InstanceSummary[]>> {
  const instances: InstanceSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const outcome = await session.call(
      'EC2',
      profile,
      region,
      (ec2, abortSignal) => ec2.send(new DescribeInstancesCommand({ ...input, NextToken: nextToken }), { abortSignal }),
      { signal: options.signal, onRequest: options.onRequest, action: 'ec2:DescribeInstances' },
    );
    if (!outcome.ok) return outcome;
    instances.push(...instancesOf(outcome.value.Reservations, region));
    nextToken = outcome.value.NextToken || undefined;
    if (!nextToken) break;
  }
  return { ok: true, value: instances };
}

function instancesOf(reservations: Reservation[] | undefined, region: string): InstanceSummary[] {
  return (reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => mapInstance(i, region)));
}

/** Maps an SDK instance to the narrow domain view. Pure. */
export function mapInstance(instance: Instance, region: string): InstanceSummary {
  const summary: InstanceSummary = {
    id: instance.InstanceId ?? '',
    region,
    state: stateName(instance.State?.Name) ?? 'pending',
    blockDevices: (instance.BlockDeviceMappings ?? []).map((mapping) => {
      const device: InstanceSummary['blockDevices'][number] = { deviceName: mapping.DeviceName ?? '' };
      if (mapping.Ebs?.VolumeId) device.volumeId = mapping.Ebs.VolumeId;
      return device;
    }),
  };
  const name = instance.Tags?.find((t) => t.Key === 'Name')?.Value;
  if (name) summary.name = name;
  if (instance.StateReason && (instance.StateReason.Code || instance.StateReason.Message)) {
    summary.stateReason = { code: instance.StateReason.Code ?? '', message: instance.StateReason.Message ?? '' };
  }
  if (instance.StateTransitionReason) summary.stateTransitionReason = instance.StateTransitionReason;
  if (instance.InstanceType) summary.instanceType = instance.InstanceType;
  if (instance.Placement?.AvailabilityZone) summary.availabilityZone = instance.Placement.AvailabilityZone;
  if (instance.LaunchTime) summary.launchTime = toIso(instance.LaunchTime);
  if (instance.IamInstanceProfile?.Arn) summary.instanceProfileArn = instance.IamInstanceProfile.Arn;
  return summary;
}

function mapStateChange(changes: InstanceStateChange[] | undefined, instanceId: string): StateChange {
  const change = changes?.find((c) => c.InstanceId === instanceId) ?? changes?.[0];
  const result: StateChange = { instanceId: change?.InstanceId ?? instanceId };
  const previous = stateName(change?.PreviousState?.Name);
  const current = stateName(change?.CurrentState?.Name);
  if (previous) result.previousState = previous;
  if (current) result.currentState = current;
  return result;
}

function stateName(value: string | undefined): InstanceStateName | undefined {
  return value && STATES.has(value) ? (value as InstanceStateName) : undefined;
}

function toIso(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
