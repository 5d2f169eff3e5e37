/**
 * Launch readiness before launching: for a launch template, an Auto Scaling group, or a
 * stopped instance before Start, predicts from the key states, the key policies and the IAM
 * simulation whether the launching principal will get EC2's grant (and, for a service-linked
 * role, the use of the key). A prediction, labelled as one: it reads no CloudTrail and no
 * activity, since nothing has failed yet. `unknown` says what could not be read.
 */
import { keyToken, parseArn } from '../arn';
import { defaultAutoScalingRoleArn } from '../launch/launchers';
import { AWS_MANAGED_EBS_ALIAS } from '../launch/launchKeys';
import { abortError } from '../limiter';
import type { CallerIdentity, InstanceSummary, KeyInfo, LaunchTemplateRef, Outcome } from '../model';
import { DEFAULT_DEADLINE_MS, type DiagnoseOptions } from './engine';
import { assessGrant } from './grantVerdict';
import { instrumentPorts } from './instrument';
import { iamStageOf, keyPolicyFromOutcome, keyPolicySkip, keyRecordOf, type CheckContext } from './keyChecks';
import { describeLaunch, launchFailureText, launchKeySources } from './launchSources';
import { messagesFor } from './messages';
import type { DiagnosisPorts } from './ports';
import { principalFromArn } from './principal';
import { knownKey, usableKey } from './rules';
import type {
  InstanceStage,
  KeyPolicyResult,
  KeyRecord,
  KeySource,
  Limitation,
  PrincipalStage,
  VerdictStages,
} from './stages';
import type { CallStats, Fix, PrincipalInfo, VerdictCode } from './types';
import { decideVerdict } from './verdict';

/** What is about to launch. */
export type LaunchSubject =
  | { kind: 'launch-template'; template: LaunchTemplateRef; imageId?: string }
  | { kind: 'auto-scaling-group'; groupName: string }
  | { kind: 'stopped-instance'; instanceId: string };

export interface PredictionInput {
  subject: LaunchSubject;
  /**
   * Who will launch: for a template or an instance, the profile's identity unless given
   * (e.g. a role that calls RunInstances); for a group, always the group's role.
   */
  launchingPrincipalArn?: string;
  profile: string;
  region: string;
  profilesByAccount?: Record<string, string[]>;
  deadlineMs?: number;
}

/** The three answers a prediction gives. */
export type PredictedOutcome = 'will-launch' | 'will-fail' | 'unknown';

export interface LaunchPrediction {
  /** Always `prediction`: this is a forecast from policies and key states, not a diagnosis of a failure. */
  kind: 'prediction';
  outcome: PredictedOutcome;
  /** Why, for people. */
  reason: string;
  /** For `will-fail`: the verdict the launch would get. */
  code?: VerdictCode;
  subject: LaunchSubject;
  principal?: PrincipalInfo;
  keys: KeyInfo[];
  /** For `unknown` (and caveats otherwise): what could not be read, with what would let it be read. */
  unread: string[];
  /** For `will-fail`: the fixes, as for a diagnosis. */
  fixes: Fix[];
  calls: CallStats;
}

/**
 * Predicts whether the launch will get its keys. Never rejects for AWS failures (an unread
 * source makes the answer `unknown` and is listed); rejects with an `AbortError` when
 * `options.signal` aborts.
 */
export async function predictLaunch(
  input: PredictionInput,
  ports: DiagnosisPorts,
  options: Pick<DiagnoseOptions, 'signal'> = {},
): Promise<LaunchPrediction> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const deadlineMs = input.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const callSignal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const meter = instrumentPorts(ports, options.signal, { signal: deadline.signal, ms: deadlineMs });
  const startedAt = performance.now();
  const ctx: CheckContext = {
    ports: meter.ports,
    call: { signal: callSignal },
    say: messagesFor(input.profile),
    input,
  };
  try {
    const prediction = await predict(ctx, input);
    if (options.signal?.aborted) throw abortError(options.signal);
    return { ...prediction, calls: meter.stats(performance.now() - startedAt) };
  } finally {
    clearTimeout(timer);
    meter.dispose();
  }
}

/** The keys and principal of the subject, and what could not be read about them. */
interface Subject {
  sources: KeySource[];
  principal: PrincipalInfo | undefined;
  unread: string[];
  /** Why nothing can be predicted for this subject (an instance that is not stopped). */
  refusal?: string;
}

async function predict(ctx: CheckContext, input: PredictionInput): Promise<Omit<LaunchPrediction, 'calls'>> {
  const { ports, call } = ctx;
  const callerP = ports.getCallerIdentity(call);
  const subject = await subjectOf(ctx, input, callerP);
  const caller = await callerP;
  const base = {
    kind: 'prediction' as const,
    subject: input.subject,
    ...(subject.principal ? { principal: subject.principal } : {}),
  };
  if (subject.refusal) return { ...base, outcome: 'unknown', reason: subject.refusal, keys: [], unread: [], fixes: [] };
  if (!subject.principal) {
    return {
      ...base,
      outcome: 'unknown',
      reason: 'Who will launch is unknown.',
      keys: [],
      unread: [...subject.unread, caller.ok ? '' : `Caller identity: ${caller.error.nextStep}`].filter((u) => u !== ''),
      fixes: [],
    };
  }
  const principal = subject.principal;
  const outcomes = await Promise.all(subject.sources.map((s) => ports.describeKey(s.ref, call)));
  const records = subject.sources.map((s, i) => keyRecordOf(s, outcomes[i]));
  const usable = records.map(usableKey).filter((k): k is KeyInfo => k !== undefined);
  const [keyPolicies, iam] = await Promise.all([
    Promise.all(records.map((record) => policyOf(ctx, record, principal, caller))),
    iamStageOf(ctx, principal, usable, caller),
  ]);
  const policies = keyPolicies.filter((r): r is KeyPolicyResult => r !== undefined);
  const limitations: Limitation[] = [
    ...subject.unread.map((text): Limitation => ({ step: 'kms-keys', text })),
    ...records.flatMap((r): Limitation[] =>
      r.outcome === 'derived' || r.outcome === 'unreadable'
        ? [{ step: 'kms-keys', text: `Key ${r.ref}: ${ctx.say.permissionHint(r.failure, 'kms:DescribeKey', r.ref)}` }]
        : [],
    ),
    ...policies.flatMap((p): Limitation[] =>
      p.outcome === 'failed' ? [{ step: 'key-policy', text: `Key policy of ${p.keyArn}: ${p.nextStep}` }] : [],
    ),
    ...(iam.outcome === 'failed' ? [{ step: 'iam-policy' as const, text: `IAM: ${iam.nextStep}` }] : []),
    ...(iam.outcome === 'skipped' && iam.notPermitted
      ? [{ step: 'iam-policy' as const, text: `IAM: ${iam.nextStep ?? iam.reason}` }]
      : []),
  ];
  const stages: VerdictStages = {
    target: { instanceId: targetName(input.subject), region: input.region },
    say: ctx.say,
    instance: beforeLaunch(input),
    keys: records,
    principal: noTrail(caller, principal),
    keyPolicies: policies,
    iam,
    limitations,
  };
  const { verdict, fixes } = decideVerdict(stages);
  const keys = records.flatMap((r) => (r.outcome === 'described' ? [r.key] : []));
  const unread = limitations.map((l) => l.text);
  if (verdict.code !== 'unknown') {
    return { ...base, outcome: 'will-fail', code: verdict.code, reason: verdict.summary, keys, unread, fixes };
  }
  const unchecked = records.some((r) => {
    const key = usableKey(r);
    return key !== undefined && assessGrant(r, key, principal, stages) === 'unchecked';
  });
  if (unread.length > 0 || unchecked) {
    return {
      ...base,
      outcome: 'unknown',
      reason: 'Some of what decides the launch could not be read or checked.',
      keys,
      unread,
      fixes: [],
    };
  }
  const reason =
    records.length === 0
      ? `The launch names no KMS key: no key stands in the way of ${principal.arn}.`
      : `Every key is Enabled and ${principal.arn} may have EC2 create the grant${principal.serviceLinked ? ' and use the key' : ''}, by the key policies and IAM.`;
  return { ...base, outcome: 'will-launch', reason, keys, unread, fixes: [] };
}

function targetName(subject: LaunchSubject): string {
  return subject.kind === 'stopped-instance'
    ? subject.instanceId
    : subject.kind === 'auto-scaling-group'
      ? subject.groupName
      : (subject.template.name ?? subject.template.id ?? 'launch template');
}

/** The launch as an instance stage the verdict can weigh: nothing failed yet, the key checks are the question. */
function beforeLaunch(input: PredictionInput): InstanceStage {
  return {
    outcome: 'read',
    instance: { id: targetName(input.subject), region: input.region, state: 'stopped', blockDevices: [] },
    classification: {
      kind: 'no-reason',
      isLaunchFailure: false,
      needsKmsChecks: true,
      summary: 'This is a prediction before launch, from key states, key policies and IAM.',
      nextStep: '',
    },
  };
}

/** A principal stage without CloudTrail: a prediction has no failed call to read. */
function noTrail(caller: Outcome<CallerIdentity>, principal: PrincipalInfo): PrincipalStage {
  const now = new Date();
  return {
    window: { startTime: now, endTime: now, anchor: 'not read: a prediction before launch' },
    caller,
    grantLookup: { outcome: 'read', events: [] },
    startLookup: { outcome: 'not-looked-up' },
    failedGrants: [],
    denials: [],
    starts: [],
    principal,
  };
}

async function policyOf(
  ctx: CheckContext,
  record: KeyRecord,
  principal: PrincipalInfo,
  caller: Outcome<CallerIdentity>,
): Promise<KeyPolicyResult | undefined> {
  const key = knownKey(record);
  if (!key) return undefined;
  const skipped = keyPolicySkip(record, key, principal);
  if (skipped) return skipped;
  return keyPolicyFromOutcome(ctx, key, await ctx.ports.getKeyPolicy(key, ctx.call), principal, caller);
}

/** The keys and the launching principal of the subject, by its kind. */
function subjectOf(
  ctx: CheckContext,
  input: PredictionInput,
  callerP: Promise<Outcome<CallerIdentity>>,
): Promise<Subject> {
  const defaultsP = ctx.ports.getEbsDefaults(ctx.call);
  const subject = input.subject;
  switch (subject.kind) {
    case 'launch-template':
      return templateSubject(ctx, subject, givenPrincipal(input, callerP), defaultsP);
    case 'auto-scaling-group':
      return groupSubject(ctx, subject, input.region, callerP, defaultsP);
    case 'stopped-instance':
      return instanceSubject(ctx, subject, givenPrincipal(input, callerP));
  }
}

type EbsDefaultsRead = ReturnType<DiagnosisPorts['getEbsDefaults']>;

/** Who launches a template or starts an instance: the principal given, else the profile's identity. */
async function givenPrincipal(
  input: PredictionInput,
  callerP: Promise<Outcome<CallerIdentity>>,
): Promise<PrincipalInfo | undefined> {
  if (input.launchingPrincipalArn) return principalFromArn(input.launchingPrincipalArn, 'caller-identity');
  const caller = await callerP;
  return caller.ok ? principalFromArn(caller.value.arn, 'caller-identity') : undefined;
}

/** A launch template: its version's block devices and its AMI's snapshots (or the AMI given). */
async function templateSubject(
  ctx: CheckContext,
  subject: Extract<LaunchSubject, { kind: 'launch-template' }>,
  principalP: Promise<PrincipalInfo | undefined>,
  defaultsP: EbsDefaultsRead,
): Promise<Subject> {
  const { ports, call, say } = ctx;
  const [launch, principal] = await Promise.all([
    describeLaunch(
      ports,
      { launchTemplate: subject.template, ...(subject.imageId ? { imageId: subject.imageId } : {}) },
      defaultsP,
      call,
    ),
    principalP,
  ]);
  const unread = launch.failures.map((f) => `Launch keys: ${launchFailureText(f, say)}`);
  if (!ports.describeLaunchTemplateVersions) unread.push('Launch keys: the launch template cannot be read here.');
  return { sources: launchKeySources(launch.keys), principal, unread };
}

/** An Auto Scaling group: its templates (or launch configuration) and their AMIs, launched as its role. */
async function groupSubject(
  ctx: CheckContext,
  subject: Extract<LaunchSubject, { kind: 'auto-scaling-group' }>,
  region: string,
  callerP: Promise<Outcome<CallerIdentity>>,
  defaultsP: EbsDefaultsRead,
): Promise<Subject> {
  const { ports, call, say } = ctx;
  const groups = ports.listAutoScalingGroups
    ? await ports.listAutoScalingGroups(call, { groupNames: [subject.groupName] })
    : undefined;
  const group = groups?.ok ? groups.value.find((g) => g.name === subject.groupName) : undefined;
  if (!group) {
    const why = !groups
      ? 'Auto Scaling groups cannot be read here.'
      : !groups.ok
        ? say.permissionHint(groups.error, 'autoscaling:DescribeAutoScalingGroups')
        : `No Auto Scaling group named ${subject.groupName} in ${region}.`;
    return { sources: [], principal: undefined, unread: [`Auto Scaling group: ${why}`] };
  }
  const caller = await callerP;
  const roleArn =
    group.serviceLinkedRoleArn ??
    (caller.ok ? defaultAutoScalingRoleArn(caller.value.account, parseArn(caller.value.arn)?.partition) : undefined);
  const refs = [...(group.launchTemplate ? [group.launchTemplate] : []), ...group.mixedInstancesTemplates];
  const configurationName = group.launchConfigurationName;
  const launches = await Promise.all([
    ...refs.map((ref) => describeLaunch(ports, { launchTemplate: ref }, defaultsP, call)),
    // A launch configuration describes the launch as a template does: its AMI and block devices.
    ...(configurationName
      ? [describeLaunch(ports, { launchConfigurationName: configurationName }, defaultsP, call)]
      : []),
  ]);
  const unread = launches.flatMap((l) =>
    l.failures.map((f) =>
      f.action === 'autoscaling:DescribeLaunchConfigurations'
        ? `Launch configuration ${configurationName ?? ''}: ${say.permissionHint(f.failure, f.action)}`
        : `Launch keys: ${launchFailureText(f, say)}`,
    ),
  );
  if (configurationName) {
    const read = launches[launches.length - 1];
    if (!ports.describeLaunchConfigurations)
      unread.push(`Launch configuration ${configurationName}: its block devices are not read.`);
    else if (read && !read.configuration && read.failures.length === 0)
      unread.push(
        `Launch configuration ${configurationName} is not listed by DescribeLaunchConfigurations: its block devices are not read.`,
      );
  }
  const sources: KeySource[] = [];
  for (const source of launchKeySources(launches.flatMap((l) => l.keys)))
    if (!sources.some((s) => s.ref === source.ref)) sources.push(source);
  return { sources, principal: roleArn ? principalFromArn(roleArn, 'auto-scaling-group') : undefined, unread };
}

/** A stopped instance before Start: the keys of its encrypted volumes. */
async function instanceSubject(
  ctx: CheckContext,
  subject: Extract<LaunchSubject, { kind: 'stopped-instance' }>,
  principalP: Promise<PrincipalInfo | undefined>,
): Promise<Subject> {
  const { ports, call, say } = ctx;
  const [instance, principal] = await Promise.all([ports.describeInstance(subject.instanceId, call), principalP]);
  if (!instance.ok)
    return {
      sources: [],
      principal,
      unread: [`Instance: ${say.permissionHint(instance.error, 'ec2:DescribeInstances')}`],
    };
  const notStopped = notStartable(instance.value);
  if (notStopped) return { sources: [], principal, unread: [], refusal: notStopped };
  const volumeIds = instance.value.blockDevices.flatMap((b) => (b.volumeId ? [b.volumeId] : []));
  const volumes =
    volumeIds.length > 0 ? await ports.describeVolumes(volumeIds, call) : { ok: true as const, value: [] };
  if (!volumes.ok)
    return {
      sources: [],
      principal,
      unread: [`Volumes: ${say.permissionHint(volumes.error, 'ec2:DescribeVolumes')}`],
    };
  const sources: KeySource[] = [];
  for (const volume of volumes.value) {
    if (!volume.encrypted) continue;
    const ref = volume.kmsKeyId ?? AWS_MANAGED_EBS_ALIAS;
    const existing = sources.find((s) => keyToken(s.ref) === keyToken(ref));
    if (existing) existing.volumeIds.push(volume.id);
    else sources.push({ ref, volumeIds: [volume.id], fromTrail: false });
  }
  return { sources, principal, unread: [] };
}

/** States whose instance can never be started again: its group, if it has one, is what launches next. */
const GONE_STATES: ReadonlySet<string> = new Set(['shutting-down', 'terminated']);

/**
 * Why an instance cannot be the subject of a start prediction, or undefined when it is
 * stopped. A prediction is for StartInstances, which EC2 accepts only for a stopped instance;
 * a terminated one lists no volumes any more and would otherwise look like a launch with no
 * key in the way.
 */
export function notStartable(
  instance: Pick<InstanceSummary, 'id' | 'state' | 'autoScalingGroupName'>,
): string | undefined {
  if (instance.state === 'stopped') return undefined;
  if (!GONE_STATES.has(instance.state))
    return `${instance.id} is ${instance.state}: a prediction is for starting a stopped instance.`;
  const group = instance.autoScalingGroupName;
  return (
    `${instance.id} is ${instance.state}: ${instance.state === 'terminated' ? 'a terminated instance' : 'an instance shutting down'} cannot be started. ` +
    (group
      ? `It was launched by Auto Scaling group ${group}: check that group's readiness instead`
      : "If an Auto Scaling group launched it, check that group's readiness instead") +
    ' (EC2: Check Launch Readiness, or ec2-launch-doctor readiness --auto-scaling-group NAME).'
  );
}
