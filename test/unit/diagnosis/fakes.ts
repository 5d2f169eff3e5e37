/**
 * Small hand-written fakes of the diagnosis ports: a "world" of one account (instance,
 * volumes, keys, policies, CloudTrail events, IAM decisions) that each test bends to its
 * case, plus per-port failures and an artificial latency.
 */
import type {
  AutoScalingGroupSummary,
  AwsFailure,
  CallerIdentity,
  ImageInfo,
  InstanceSummary,
  KeyInfo,
  LaunchConfigurationInfo,
  LaunchTemplateVersionInfo,
  Outcome,
  ScalingActivity,
  SnapshotInfo,
  TrailEvent,
  VolumeInfo,
} from '../../../src/core/model';
import { diagnoseInstance, type DiagnosisReport } from '../../../src/core/diagnosis';
import type { DiagnosisPorts, SimulationResult } from '../../../src/core/diagnosis/ports';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'eu-west-1';
export const INSTANCE_ID = 'i-0123456789abcdef0';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/dev`;
export const NOW = new Date('2024-05-01T12:00:00Z');
export const STOP_TIME = '2024-05-01T10:00:05Z';

export const ADMIN_ONLY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Id: 'key-consolepolicy',
  Statement: [
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` },
      Action: [
        'kms:Describe*',
        'kms:Enable*',
        'kms:List*',
        'kms:Put*',
        'kms:Update*',
        'kms:Revoke*',
        'kms:Disable*',
        'kms:Get*',
        'kms:Delete*',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion',
      ],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: USER_ARN },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
});

export const DELEGATING_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

export const DENYING_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    { Sid: 'NoGrantsForDev', Effect: 'Deny', Principal: { AWS: USER_ARN }, Action: 'kms:CreateGrant', Resource: '*' },
  ],
});

export function allowingPolicy(principalArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowEC2Grants',
        Effect: 'Allow',
        Principal: { AWS: principalArn },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    ],
  });
}

export function key(overrides: Partial<KeyInfo> = {}): KeyInfo {
  return { keyId: KEY_ID, arn: KEY_ARN, accountId: ACCOUNT, state: 'Enabled', manager: 'CUSTOMER', ...overrides };
}

export function deniedGrant(overrides: Partial<TrailEvent> = {}): TrailEvent {
  return {
    eventId: 'ev-grant-1',
    eventName: 'CreateGrant',
    eventTime: STOP_TIME,
    userArn: USER_ARN,
    errorCode: 'AccessDenied',
    errorMessage: `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} because no resource-based policy allows the kms:CreateGrant action`,
    keyId: KEY_ARN,
    granteePrincipal: `${ACCOUNT}:aws:ec2-infrastructure:${INSTANCE_ID}`,
    ...overrides,
  };
}

export function startEvent(overrides: Partial<TrailEvent> = {}): TrailEvent {
  return {
    eventId: 'ev-start-1',
    eventName: 'StartInstances',
    eventTime: '2024-05-01T10:00:00Z',
    userArn: USER_ARN,
    instanceIds: [INSTANCE_ID],
    ...overrides,
  };
}

/**
 * An Auto Scaling group one instance short, with no launch source: each test gives its template
 * or launch configuration (or neither), and whatever else its case bends, in `overrides`.
 */
export function groupSummary(
  name: string,
  region: string,
  overrides: Partial<AutoScalingGroupSummary> = {},
): AutoScalingGroupSummary {
  return {
    name,
    region,
    mixedInstancesTemplates: [],
    desiredCapacity: 1,
    inServiceCount: 0,
    instanceIds: [],
    hasWarmPool: false,
    shortOfCapacity: true,
    ...overrides,
  };
}

export type PortName = keyof DiagnosisPorts;

export interface World {
  instance: InstanceSummary;
  volumes: VolumeInfo[];
  defaults: { defaultKmsKeyId?: string; encryptionByDefault: boolean };
  keys: KeyInfo[];
  /** Key policy text by key ARN. */
  keyPolicies: Record<string, string>;
  caller: CallerIdentity;
  events: TrailEvent[];
  /** IAM decision per key ARN; implicitDeny when absent. */
  iam: Record<string, SimulationResult['decision']>;
  iamExtras?: Partial<SimulationResult>;
  /** A port returning this failure instead of its answer. */
  failures: Partial<Record<PortName, AwsFailure>>;
  /** Failure per key reference for describeKey / getKeyPolicy. */
  keyFailures?: Record<string, AwsFailure>;
  /** Latency of every call, in ms. */
  delayMs: number;
  /** Ignore the AbortSignal, like a careless implementation. */
  ignoreSignal?: boolean;
  /** Launch template versions (all templates), AMIs and snapshots, for launches. */
  templates?: LaunchTemplateVersionInfo[];
  configurations?: LaunchConfigurationInfo[];
  images?: ImageInfo[];
  snapshots?: SnapshotInfo[];
  /** Auto Scaling groups and their activities. */
  groups?: AutoScalingGroupSummary[];
  activities?: ScalingActivity[];
}

/** The demo case: a user started the instance, the key policy names it only for crypto use, KMS denied the grant. */
export function baseWorld(overrides: Partial<World> = {}): World {
  return {
    instance: {
      id: INSTANCE_ID,
      region: REGION,
      name: 'web-1',
      state: 'stopped',
      stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
      stateTransitionReason: 'Client.InternalError (2024-05-01 10:00:05 GMT)',
      instanceType: 't3.micro',
      launchTime: '2024-05-01T10:00:00.000Z',
      blockDevices: [{ deviceName: '/dev/xvda', volumeId: 'vol-1' }],
    },
    volumes: [
      { id: 'vol-1', encrypted: true, kmsKeyId: KEY_ARN, sizeGiB: 8, state: 'in-use', attachedTo: INSTANCE_ID },
    ],
    defaults: { encryptionByDefault: false },
    keys: [key()],
    keyPolicies: { [KEY_ARN]: ADMIN_ONLY_POLICY },
    caller: { account: ACCOUNT, arn: USER_ARN, userId: 'AIDAEXAMPLE' },
    events: [startEvent(), deniedGrant()],
    iam: {},
    failures: {},
    delayMs: 0,
    ...overrides,
  };
}

export function failure(kind: AwsFailure['kind'], action?: string): AwsFailure {
  return {
    kind,
    message: `${kind} (test)`,
    nextStep: `fix ${kind}`,
    ...(action ? { action } : {}),
    code: kind === 'access-denied' ? 'AccessDeniedException' : undefined,
  };
}

export interface FakePorts extends DiagnosisPorts {
  /** Port methods in call order, with their first argument when it helps. */
  log: string[];
  simulateInputs: Parameters<DiagnosisPorts['simulatePrincipalPolicy']>[0][];
  lookupQueries: Parameters<DiagnosisPorts['lookupEvents']>[0][];
}

/** LookupEvents' page size. */
const TRAIL_PAGE = 50;

/**
 * Events as LookupEvents would return them: newest first, 50 a page, at most `maxResults`
 * (all when absent), stopping after a page that holds an event `stopWhen` accepts.
 */
function pagedEvents(events: TrailEvent[], query: Parameters<DiagnosisPorts['lookupEvents']>[0]): TrailEvent[] {
  const newestFirst = [...events].sort((a, b) => Date.parse(b.eventTime) - Date.parse(a.eventTime));
  const limit = query.maxResults ?? newestFirst.length;
  const read: TrailEvent[] = [];
  while (read.length < Math.min(limit, newestFirst.length)) {
    const page = newestFirst.slice(read.length, Math.min(read.length + TRAIL_PAGE, limit));
    read.push(...page);
    if (query.stopWhen && page.some(query.stopWhen)) break;
  }
  return read;
}

function sameRef(a: string, b: KeyInfo): boolean {
  return a === b.arn || a === b.keyId || a.endsWith(`/${b.keyId}`);
}

/** Ports over a world. Each call waits `delayMs` (honouring the signal unless told not to). */
export function fakePorts(world: World): FakePorts {
  const log: string[] = [];
  const simulateInputs: FakePorts['simulateInputs'] = [];
  const lookupQueries: FakePorts['lookupQueries'] = [];
  const wait = (signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (world.delayMs <= 0) return resolve();
      const listen = signal !== undefined && !world.ignoreSignal;
      const onAbort = (): void => {
        clearTimeout(timer);
        const error = new Error('aborted');
        error.name = 'AbortError';
        reject(error);
      };
      const timer = setTimeout(() => {
        if (listen) signal.removeEventListener('abort', onAbort);
        resolve();
      }, world.delayMs);
      if (listen) signal.addEventListener('abort', onAbort, { once: true });
    });
  const answer = async <T>(
    name: PortName,
    signal: AbortSignal | undefined,
    value: () => Outcome<T>,
  ): Promise<Outcome<T>> => {
    await wait(signal);
    const failed = world.failures[name];
    if (failed) return { ok: false, error: failed };
    return value();
  };
  return {
    log,
    simulateInputs,
    lookupQueries,
    describeInstance: (id, o) => {
      log.push(`describeInstance ${id}`);
      return answer('describeInstance', o?.signal, () =>
        id === world.instance.id ? { ok: true, value: world.instance } : { ok: false, error: failure('not-found') },
      );
    },
    describeVolumes: (ids, o) => {
      log.push(`describeVolumes ${ids.join(',')}`);
      return answer('describeVolumes', o?.signal, () => ({
        ok: true,
        value: world.volumes.filter((v) => ids.includes(v.id)),
      }));
    },
    getEbsDefaults: (o) => {
      log.push('getEbsDefaults');
      return answer('getEbsDefaults', o?.signal, () => ({ ok: true, value: world.defaults }));
    },
    describeKey: (ref, o) => {
      log.push(`describeKey ${ref}`);
      return answer('describeKey', o?.signal, () => {
        const keyFailure = world.keyFailures?.[ref];
        if (keyFailure) return { ok: false, error: keyFailure };
        const found = world.keys.find((k) => sameRef(ref, k));
        return found ? { ok: true, value: found } : { ok: false, error: failure('not-found') };
      });
    },
    getCallerIdentity: (o) => {
      log.push('getCallerIdentity');
      return answer('getCallerIdentity', o?.signal, () => ({ ok: true, value: world.caller }));
    },
    lookupEvents: (query, o) => {
      log.push(`lookupEvents ${query.eventName}`);
      lookupQueries.push(query);
      return answer('lookupEvents', o?.signal, () => ({
        ok: true,
        value: pagedEvents(
          world.events.filter((e) => {
            const t = Date.parse(e.eventTime);
            return e.eventName === query.eventName && t >= query.startTime.getTime() && t <= query.endTime.getTime();
          }),
          query,
        ),
      }));
    },
    getKeyPolicy: (k, o) => {
      log.push(`getKeyPolicy ${k.arn}`);
      return answer('getKeyPolicy', o?.signal, () => {
        const keyFailure = world.keyFailures?.[`policy:${k.arn}`];
        if (keyFailure) return { ok: false, error: keyFailure };
        const policy = world.keyPolicies[k.arn];
        return policy ? { ok: true, value: { policy, via: 'dev' } } : { ok: false, error: failure('not-found') };
      });
    },
    describeLaunchTemplateVersions: (ref, o) => {
      log.push(`describeLaunchTemplateVersions ${ref.id ?? ref.name ?? ''} ${ref.version ?? ''}`);
      return answer('describeLaunchTemplateVersions', o?.signal, () => {
        const versions = (world.templates ?? []).filter(
          (t) => t.templateId === ref.id || (ref.name !== undefined && t.templateName === ref.name),
        );
        return versions.length > 0 ? { ok: true, value: versions } : { ok: false, error: failure('not-found') };
      });
    },
    describeLaunchConfigurations: (names, o) => {
      log.push(`describeLaunchConfigurations ${names.join(',')}`);
      return answer('describeLaunchConfigurations', o?.signal, () => ({
        ok: true,
        value: (world.configurations ?? []).filter((c) => names.includes(c.name)),
      }));
    },
    describeImages: (ids, o) => {
      log.push(`describeImages ${ids.join(',')}`);
      return answer('describeImages', o?.signal, () => ({
        ok: true,
        value: (world.images ?? []).filter((i) => ids.includes(i.imageId)),
      }));
    },
    describeSnapshots: (ids, o) => {
      log.push(`describeSnapshots ${ids.join(',')}`);
      return answer('describeSnapshots', o?.signal, () => ({
        ok: true,
        value: (world.snapshots ?? []).filter((sn) => ids.includes(sn.snapshotId)),
      }));
    },
    listAutoScalingGroups: (o, query) => {
      log.push(`listAutoScalingGroups ${query?.groupNames?.join(',') ?? ''}`.trim());
      const names = query?.groupNames;
      return answer('listAutoScalingGroups', o?.signal, () => ({
        ok: true,
        value: (world.groups ?? []).filter((g) => !names || names.includes(g.name)),
      }));
    },
    describeScalingActivities: (query, o) => {
      log.push(`describeScalingActivities ${query.groupNames.join(',')}`);
      return answer('describeScalingActivities', o?.signal, () => ({
        ok: true,
        value: (world.activities ?? []).filter((a) => query.groupNames.includes(a.groupName)),
      }));
    },
    simulatePrincipalPolicy: (input, o) => {
      log.push(`simulatePrincipalPolicy ${input.policySourceArn}`);
      simulateInputs.push(input);
      return answer('simulatePrincipalPolicy', o?.signal, () => ({
        ok: true,
        value: input.resourceArns.map((resource) => ({
          action: 'kms:CreateGrant',
          resource,
          decision: world.iam[resource] ?? 'implicitDeny',
          matchedStatements:
            world.iam[resource] === 'explicitDeny'
              ? [{ sourcePolicyId: 'DenyKmsGrants', sourcePolicyType: 'IAM Policy' }]
              : [],
          missingContextValues: [],
          ...world.iamExtras,
        })),
      }));
    },
  };
}

/** Diagnoses the world's instance INSTANCE_ID in REGION as profile `dev`, with the clock at NOW. */
export async function diagnose(world: World, profilesByAccount?: Record<string, string[]>): Promise<DiagnosisReport> {
  return diagnoseInstance(
    { instanceId: INSTANCE_ID, profile: 'dev', region: REGION, profilesByAccount },
    fakePorts(world),
    { now: () => NOW },
  );
}
