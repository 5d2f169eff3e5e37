/**
 * The diagnosis of an Auto Scaling group (an EKS managed node group is one): why its
 * launches fail, or whether the next one can use its keys. The group launches as its
 * service-linked role (`ServiceLinkedRoleARN`, AWSServiceRoleForAutoScaling by default), so
 * that role is the principal; the keys are those of its launch template version (and the
 * templates of its mixed instances overrides), its AMI's snapshots and the EBS defaults.
 *
 * Rounds, each waiting only on what it needs: (1) the group, the caller identity and the EBS
 * defaults; (2) the activities and the template versions; (3) the AMIs, the CloudTrail
 * lookups, and DescribeKey / GetKeyPolicy of keys the templates name; (4) the snapshots;
 * (5) the other keys, their policies and the IAM simulation. Never more than 5.
 * The verdict comes from the same tables as an instance's (verdict.ts, grantRules.ts).
 */
import { keyToken, parseArn } from '../arn';
import { defaultAutoScalingRoleArn } from '../launch/launchers';
import {
  AWS_MANAGED_EBS_ALIAS,
  launchConfigurationAsTemplate,
  launchKeys,
  snapshotsToRead,
  type LaunchKey,
} from '../launch/launchKeys';
import { abortError } from '../limiter';
import type {
  AutoScalingGroupSummary,
  AwsFailure,
  CallerIdentity,
  LaunchConfigurationInfo,
  ImageInfo,
  KeyInfo,
  LaunchTemplateRef,
  LaunchTemplateVersionInfo,
  Outcome,
  ScalingActivity,
  SnapshotInfo,
  TrailEvent,
} from '../model';
import { classifyStateReason, type StateReasonClassification } from '../stateReason';
import { DEFAULT_DEADLINE_MS, type DiagnoseOptions } from './engine';
import { groupStep, launchStep, type GroupStage, type LaunchStage } from './groupSteps';
import { instrumentPorts } from './instrument';
import { iamStageOf, keyPolicyFromOutcome, keyPolicySkip, keyRecordOf, type CheckContext } from './keyChecks';
import { imageParameterOf, isAmiId, launchKeySources, readTemplate, unreadImageLine } from './launchSources';
import { messagesFor, type ProfileMessages } from './messages';
import type { CallOptions, DiagnosisPorts } from './ports';
import { isPrincipalUnderTest, principalFromArn, rolePathCaveat } from './principal';
import { keyFromArn, knownKey, usableKey } from './rules';
import type {
  IamStage,
  InstanceStage,
  KeyPolicyResult,
  KeyRecord,
  KeySource,
  Limitation,
  PrincipalStage,
} from './stages';
import { iamStep, keyPolicyStep, keysStep, skippedStep } from './steps';
import {
  LAUNCH_LOOKUP_WAVES,
  lookupInWaves,
  eventCaller,
  eventKeyRef,
  failedGrantEvents,
  isAccessDenied,
  isFailedLaunchKmsCall,
  type TrailWindow,
} from './trail';
import {
  GROUP_STEP_ORDER,
  STEP_TITLES,
  type DiagnosisStep,
  type GroupDiagnosisReport,
  type GroupFacts,
  type PrincipalInfo,
  type StepEvent,
  type StepId,
  type TimelineEntry,
} from './types';
import { decideVerdict } from './verdict';

export interface GroupDiagnosisInput {
  groupName: string;
  /** The profile the ports act as; named in texts and command links. */
  profile: string;
  region: string;
  /** Configured profiles by account id, for keys of other accounts (as for instances). */
  profilesByAccount?: Record<string, string[]>;
  /** How long the whole diagnosis may take, in ms (default 60 000). */
  deadlineMs?: number;
}

/** How many events one LookupEvents question may read, as for instances. */
const CLOUDTRAIL_MAX_EVENTS = 500;
const HOUR_MS = 60 * 60 * 1000;
/** How many scaling activities to read: the newest say what the group does now. */
const ACTIVITY_RECORDS = 20;

/**
 * Diagnoses why an Auto Scaling group's launches fail, or whether its next launch can use
 * its keys. Never rejects for AWS failures (they become step errors and caveats); rejects
 * with an `AbortError` when `options.signal` aborts. The ports need `listAutoScalingGroups`;
 * without `describeScalingActivities`, `describeLaunchTemplateVersions`, `describeImages` or
 * `describeSnapshots` the report says what it could not read.
 */
export async function diagnoseAutoScalingGroup(
  input: GroupDiagnosisInput,
  ports: DiagnosisPorts,
  options: DiagnoseOptions = {},
): Promise<GroupDiagnosisReport> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const deadlineMs = input.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const callSignal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const meter = instrumentPorts(ports, options.signal, { signal: deadline.signal, ms: deadlineMs });
  const startedAt = performance.now();
  const notify = (event: StepEvent): void => {
    try {
      options.onStep?.(event);
    } catch {
      // A faulty progress listener must not change the diagnosis.
    }
  };
  const run: GroupRun = {
    input,
    ports: meter.ports,
    call: { signal: callSignal },
    say: messagesFor(input.profile),
    now: options.now ?? (() => new Date()),
    begin: (id) => notify({ phase: 'started', id, title: STEP_TITLES[id] }),
    finish: (step) => {
      notify({ phase: 'finished', id: step.id, title: step.title, step });
      return step;
    },
  };
  try {
    const report = await runGroupDiagnosis(run, () => meter.stats(performance.now() - startedAt));
    if (options.signal?.aborted) throw abortError(options.signal);
    return report;
  } finally {
    clearTimeout(timer);
    meter.dispose();
  }
}

interface GroupRun extends CheckContext {
  input: GroupDiagnosisInput;
  call: CallOptions;
  say: ProfileMessages;
  now: () => Date;
  begin(id: StepId): void;
  finish(step: DiagnosisStep): DiagnosisStep;
}

async function runGroupDiagnosis(
  run: GroupRun,
  stats: () => GroupDiagnosisReport['calls'],
): Promise<GroupDiagnosisReport> {
  const { ports, call } = run;
  GROUP_STEP_ORDER.forEach((id) => run.begin(id));
  // Round 1.
  const groupsP = ports.listAutoScalingGroups
    ? ports.listAutoScalingGroups(call, { groupNames: [run.input.groupName] })
    : Promise.resolve(undefined);
  const callerP = ports.getCallerIdentity(call);
  const defaultsP = ports.getEbsDefaults(call);
  const [groups, caller] = await Promise.all([groupsP, callerP]);
  const found = groups?.ok ? groups.value.find((g) => g.name === run.input.groupName) : undefined;
  if (!found) return groupNotReadReport(run, groups, stats);

  const roleArn =
    found.serviceLinkedRoleArn ??
    (caller.ok ? defaultAutoScalingRoleArn(caller.value.account, parseArn(caller.value.arn)?.partition) : undefined);
  const principal = roleArn ? principalFromArn(roleArn, 'auto-scaling-group') : undefined;
  const templateRefs = templatesOf(found);

  // Round 2: activities and templates. Round 3 follows each as it lands.
  const activitiesP = ports.describeScalingActivities
    ? ports.describeScalingActivities({ groupNames: [found.name], maxRecords: ACTIVITY_RECORDS }, call)
    : Promise.resolve(undefined);
  const templatesP = Promise.all(templateRefs.map((ref) => readTemplate(ports, ref, call)));

  const keyRun = keyReads(run, principal);
  const configurationName = found.launchConfigurationName;
  const configurationP =
    configurationName && ports.describeLaunchConfigurations
      ? ports.describeLaunchConfigurations([configurationName], call)
      : Promise.resolve(undefined);
  const launchP = Promise.all([templatesP, configurationP]).then(([templates, configuration]) =>
    launchOf(
      run,
      templates,
      configurationName ? { name: configurationName, read: configuration } : undefined,
      defaultsP,
      keyRun,
    ),
  );
  const trailP = activitiesP.then((activities) => trailOf(run, activities, principal));
  const [activities, launch, trail] = await Promise.all([activitiesP, launchP, trailP]);

  const latestFailed = activities?.ok ? newestFailed(activities.value) : undefined;
  const groupFacts = factsOf(found, roleArn ?? '', launch.templates, latestFailed);
  const groupStage: GroupStage = { facts: groupFacts, activities, principal };
  const groupStepDone = run.finish(groupStep(groupStage, run.say));
  const launchStepDone = run.finish(launchStep(launch));

  // Round 5 (at most): every key's record, policy and the simulation.
  const sources = keySourcesOf(launch.keys, trail.events, principal);
  const [records, policies, iam] = await Promise.all([
    Promise.all(sources.map(async (s) => keyRecordOf(s, await keyRun.describe(s.ref)))),
    Promise.all(sources.map((s) => keyRun.policy(s.ref))),
    simulationOf(run, principal, sources, keyRun, caller),
  ]);
  const keyPolicies = records
    .map((record, i) => policyResultOf(run, record, policies[i], principal, caller))
    .filter((r): r is KeyPolicyResult => r !== undefined);
  const usable = records.map(usableKey).filter((k): k is KeyInfo => k !== undefined);
  const iamStage: IamStage =
    usable.length === 0 ? { outcome: 'skipped', reason: 'No usable key to check.', notPermitted: false } : iam;

  const keysStepDone = run.finish(
    records.length === 0
      ? skippedStep(
          'kms-keys',
          `No key to check: the group's ${found.launchConfigurationName ? 'launch configuration' : 'launch template'}, AMI and EBS defaults name no KMS key.`,
        )
      : keysStep(records, run.say, 'none-listed'),
  );
  const keyPolicyDone = run.finish(
    keyPolicyStep(
      keyPolicies,
      !principal ? 'The role the group launches as is unknown.' : records.length === 0 ? 'No key to check.' : undefined,
    ),
  );
  const iamDone = run.finish(
    iamStep(iamStage, usable, keyPolicies, principal?.account, principal ? rolePathCaveat(principal) : undefined),
  );

  const principalStage = principalStageFor(run, caller, trail, principal, latestFailed, sources);
  const limitations = [
    ...limitationsOf(run.say, activities, launch, trail, records, keyPolicies, iamStage),
    // Without a port for launch configurations their block devices, and so their keys, stay unseen.
    ...(found.launchConfigurationName && !ports.describeLaunchConfigurations
      ? [
          {
            step: 'launch-template' as const,
            text: `Launch configuration ${found.launchConfigurationName}: its block devices are not read; check the keys of its encrypted volumes by hand, or move the group to a launch template.`,
          },
        ]
      : []),
  ];
  const { verdict, fixes } = decideVerdict({
    target: { instanceId: latestFailed?.instanceIds[0] ?? found.name, region: run.input.region },
    say: run.say,
    instance: syntheticInstance(found, latestFailed, run.input.region),
    keys: records,
    principal: principalStage,
    keyPolicies,
    iam: iamStage,
    limitations,
  });
  return {
    schemaVersion: 1,
    subject: 'auto-scaling-group',
    groupName: found.name,
    profile: run.input.profile,
    region: run.input.region,
    generatedAt: run.now().toISOString(),
    group: groupFacts,
    verdict,
    steps: [groupStepDone, launchStepDone, keysStepDone, keyPolicyDone, iamDone],
    fixes,
    timeline: timelineOf(activities, trail.events),
    keys: records.flatMap((r) => (r.outcome === 'described' ? [r.key] : [])),
    ...(principal ? { principal } : {}),
    calls: stats(),
  };
}

/** The report when the group could not be read or does not exist. */
function groupNotReadReport(
  run: GroupRun,
  groups: Outcome<AutoScalingGroupSummary[]> | undefined,
  stats: () => GroupDiagnosisReport['calls'],
): GroupDiagnosisReport {
  const name = run.input.groupName;
  const failure = groups && !groups.ok ? groups.error : undefined;
  const summary = !groups
    ? 'These credentials cannot list Auto Scaling groups here.'
    : failure
      ? `Could not read the Auto Scaling groups: ${failure.message}.`
      : `No Auto Scaling group named ${name} in ${run.input.region}.`;
  const nextStep = failure
    ? run.say.permissionHint(failure, 'autoscaling:DescribeAutoScalingGroups')
    : `Check the group name and the Region (${run.input.region}), and that profile "${run.input.profile}" is in the group's account.`;
  const first: DiagnosisStep = {
    id: 'auto-scaling-group',
    title: STEP_TITLES['auto-scaling-group'],
    status: 'error',
    summary,
    evidence: failure ? [{ label: 'DescribeAutoScalingGroups', value: `${failure.kind}: ${failure.message}` }] : [],
    nextStep,
    ...(failure ? { failureKind: failure.kind } : {}),
  };
  const steps = [
    run.finish(first),
    ...GROUP_STEP_ORDER.slice(1).map((id) => run.finish(skippedStep(id, 'Not run: the group could not be read.'))),
  ];
  return {
    schemaVersion: 1,
    subject: 'auto-scaling-group',
    groupName: name,
    profile: run.input.profile,
    region: run.input.region,
    generatedAt: run.now().toISOString(),
    verdict: { code: 'unknown', confidence: 'low', title: 'No verdict', summary, nextStep, caveats: [] },
    steps,
    fixes: [],
    timeline: [],
    keys: [],
    calls: stats(),
  };
}

/** The group's templates: its own (or its mixed instances policy's), then its overrides', each once. */
function templatesOf(group: AutoScalingGroupSummary): LaunchTemplateRef[] {
  const all = [...(group.launchTemplate ? [group.launchTemplate] : []), ...group.mixedInstancesTemplates];
  const seen = new Set<string>();
  return all.filter((ref) => {
    const id = JSON.stringify([ref.id ?? '', ref.name ?? '', ref.version ?? '']);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The newest failed or cancelled activity (activities come newest first; sorted here to be sure). */
function newestFailed(activities: readonly ScalingActivity[]): ScalingActivity | undefined {
  return [...activities]
    .filter((a) => a.failed)
    .sort((a, b) => Date.parse(b.startTime ?? '') - Date.parse(a.startTime ?? ''))[0];
}

function factsOf(
  group: AutoScalingGroupSummary,
  roleArn: string,
  templates: LaunchStage['templates'],
  latestFailed: ScalingActivity | undefined,
): GroupFacts {
  const [own, ...overrides] = templatesOf(group);
  const resolved = templates[0]?.info?.versionNumber;
  return {
    name: group.name,
    serviceLinkedRoleArn: roleArn,
    defaultRole: group.serviceLinkedRoleArn === undefined,
    ...(own ? { launchTemplate: { ...own, ...(resolved !== undefined ? { resolvedVersion: resolved } : {}) } } : {}),
    ...(group.launchConfigurationName ? { launchConfigurationName: group.launchConfigurationName } : {}),
    overrideTemplates: overrides,
    desiredCapacity: group.desiredCapacity,
    inServiceCount: group.inServiceCount,
    hasWarmPool: group.hasWarmPool,
    ...(latestFailed ? { latestFailedActivity: latestFailed } : {}),
  };
}

/** DescribeKey and GetKeyPolicy, each asked once per key and started as soon as the key is known. */
interface KeyReads {
  describe(ref: string): Promise<Outcome<KeyInfo>>;
  /** The key's policy; undefined when there is no principal to evaluate it for. */
  policy(ref: string): Promise<Outcome<{ policy: string; via: string }> | undefined>;
  /** The key ARN: the ref itself, or DescribeKey's answer; undefined when neither gives one. */
  arn(ref: string): Promise<KeyInfo | undefined>;
}

function keyReads(run: GroupRun, principal: PrincipalInfo | undefined): KeyReads {
  const described = new Map<string, Promise<Outcome<KeyInfo>>>();
  const policies = new Map<string, Promise<Outcome<{ policy: string; via: string }> | undefined>>();
  const describe = (ref: string): Promise<Outcome<KeyInfo>> => {
    const token = keyToken(ref);
    let p = described.get(token);
    if (!p) {
      p = run.ports.describeKey(ref, run.call);
      described.set(token, p);
    }
    return p;
  };
  const arn = async (ref: string): Promise<KeyInfo | undefined> => {
    const fromArn = keyFromArn(ref);
    if (fromArn) return fromArn;
    const outcome = await describe(ref);
    return outcome.ok ? outcome.value : undefined;
  };
  return {
    describe,
    arn,
    policy: (ref) => {
      const token = keyToken(ref);
      let p = policies.get(token);
      if (!p) {
        p = principal
          ? arn(ref).then((key) => (key ? run.ports.getKeyPolicy(key, run.call) : undefined))
          : Promise.resolve(undefined);
        policies.set(token, p);
      }
      return p;
    },
  };
}

/** What the templates, AMIs and snapshots say the group's launches use. */
async function launchOf(
  run: GroupRun,
  templates: Outcome<LaunchTemplateVersionInfo | undefined>[],
  configuration: { name: string; read: Outcome<LaunchConfigurationInfo[]> | undefined } | undefined,
  defaultsP: ReturnType<DiagnosisPorts['getEbsDefaults']>,
  keyRun: KeyReads,
): Promise<LaunchStage> {
  const { ports, call } = run;
  const failures: LaunchStage['failures'] = [];
  if (!ports.describeLaunchTemplateVersions && templates.length > 0)
    failures.push({
      action: 'ec2:DescribeLaunchTemplateVersions',
      text: 'The AWS layer cannot read launch templates here.',
    });
  templates.forEach((t) => {
    if (!t.ok)
      failures.push({
        action: 'ec2:DescribeLaunchTemplateVersions',
        text: run.say.permissionHint(t.error, 'ec2:DescribeLaunchTemplateVersions'),
        failure: t.error,
      });
  });
  if (configuration?.read && !configuration.read.ok) {
    failures.push({
      action: 'autoscaling:DescribeLaunchConfigurations',
      text: run.say.permissionHint(configuration.read.error, 'autoscaling:DescribeLaunchConfigurations'),
      failure: configuration.read.error,
    });
  }
  const configurationInfo = configuration ? configurationAsVersion(configuration.name, configuration.read) : undefined;
  if (configuration?.read?.ok && !configurationInfo)
    failures.push({
      action: 'autoscaling:DescribeLaunchConfigurations',
      text: `Launch configuration ${configuration.name} is not listed by DescribeLaunchConfigurations: its block devices are not read.`,
    });
  const templateInfos = templates.map((t) => (t.ok ? t.value : undefined));
  // A launch configuration describes a launch as a template version does: its AMI and block devices.
  const infos = configurationInfo ? [...templateInfos, configurationInfo] : templateInfos;
  // Keys the templates name are described at once, a round before the snapshots answer.
  for (const info of infos)
    for (const device of info?.blockDevices ?? []) if (device.kmsKeyId) void keyRun.policy(device.kmsKeyId);
  // A template may still name a Systems Manager parameter (the profile could not resolve it):
  // DescribeImages refuses anything but an AMI id, so that template's AMI is said unread instead.
  const named = [...new Set(infos.flatMap((i) => (i?.imageId ? [i.imageId] : [])))];
  if (ports.describeImages)
    for (const id of named.filter((i) => !isAmiId(i)))
      failures.push({
        action: imageParameterOf(id) !== undefined ? 'ssm:GetParameters' : 'ec2:DescribeImages',
        text: unreadImageLine(id, run.say),
      });
  const imageIds = named.filter(isAmiId);
  const images: Outcome<ImageInfo[]> =
    imageIds.length > 0 && ports.describeImages ? await ports.describeImages(imageIds, call) : { ok: true, value: [] };
  if (!images.ok)
    failures.push({
      action: 'ec2:DescribeImages',
      text: run.say.permissionHint(images.error, 'ec2:DescribeImages'),
      failure: images.error,
    });
  const imageOf = (info: LaunchTemplateVersionInfo | undefined): ImageInfo | undefined =>
    images.ok && info?.imageId ? images.value.find((i) => i.imageId === info.imageId) : undefined;
  const snapshotIds = [...new Set(infos.flatMap((info) => snapshotsToRead(info, imageOf(info))))];
  const [snapshots, defaults] = await Promise.all([
    snapshotIds.length > 0 && ports.describeSnapshots
      ? ports.describeSnapshots(snapshotIds, call)
      : Promise.resolve<Outcome<SnapshotInfo[]>>({ ok: true, value: [] }),
    defaultsP,
  ]);
  if (!snapshots.ok)
    failures.push({
      action: 'ec2:DescribeSnapshots',
      text: run.say.permissionHint(snapshots.error, 'ec2:DescribeSnapshots'),
      failure: snapshots.error,
    });
  const snapshotInfos = snapshots.ok ? snapshots.value : [];
  const ebsDefaults = defaults.ok ? defaults.value : undefined;
  const keys: LaunchKey[] = [];
  for (const info of infos) {
    for (const k of launchKeys({
      template: info,
      image: imageOf(info),
      snapshots: snapshotInfos,
      defaults: ebsDefaults,
    })) {
      const existing = keys.find((e) => keyToken(e.ref) === keyToken(k.ref));
      if (existing) existing.devices.push(...k.devices.filter((d) => !existing.devices.includes(d)));
      else keys.push({ ...k, devices: [...k.devices] });
    }
  }
  // Nothing read names a key: with encryption by default on, every new volume takes the default.
  if (keys.length === 0 && ebsDefaults?.encryptionByDefault)
    keys.push({ ref: ebsDefaults.defaultKmsKeyId ?? AWS_MANAGED_EBS_ALIAS, origin: 'ebs-default', devices: [] });
  return {
    templates: [
      ...templates.map((t, i) => ({ ref: templatesRefAt(i, templateInfos), info: templateInfos[i] })),
      ...(configuration ? [{ ref: `launch configuration ${configuration.name}`, info: configurationInfo }] : []),
    ],
    images: images.ok ? images.value : [],
    snapshots: snapshotInfos,
    defaults,
    failures,
    keys,
  };
}

/** A launch configuration read, in the shape of a template version; undefined when not read. */
function configurationAsVersion(
  name: string,
  read: Outcome<LaunchConfigurationInfo[]> | undefined,
): LaunchTemplateVersionInfo | undefined {
  const found = read?.ok ? read.value.find((c) => c.name === name) : undefined;
  return found ? launchConfigurationAsTemplate(found) : undefined;
}

function templatesRefAt(i: number, infos: (LaunchTemplateVersionInfo | undefined)[]): string {
  const info = infos[i];
  return info
    ? `${info.templateName ?? info.templateId} version ${info.versionNumber}`
    : `template ${i + 1} (not read)`;
}

interface TrailStage {
  window: TrailWindow;
  lookup: Outcome<TrailEvent[]>;
  /** The failed KMS calls of the group's role in the window. */
  events: TrailEvent[];
}

/**
 * The group role's failed KMS calls around the latest failed launch (or the last hour), one
 * lookup per event name, in waves (`LAUNCH_LOOKUP_WAVES`) that stop once the role's denial is found.
 */
async function trailOf(
  run: GroupRun,
  activities: Outcome<ScalingActivity[]> | undefined,
  principal: PrincipalInfo | undefined,
): Promise<TrailStage> {
  const now = run.now();
  const failed = activities?.ok ? newestFailed(activities.value) : undefined;
  const anchor = failed?.startTime ? Date.parse(failed.startTime) : NaN;
  const window: TrailWindow = Number.isNaN(anchor)
    ? {
        startTime: new Date(now.getTime() - HOUR_MS),
        endTime: now,
        anchor: 'the last hour (no failed launch activity)',
      }
    : {
        startTime: new Date(anchor - HOUR_MS),
        endTime: new Date(Math.min(now.getTime(), anchor + HOUR_MS)),
        anchor: `an hour around the failed launch at ${new Date(anchor).toISOString()}`,
      };
  const byRole = (e: TrailEvent): boolean => {
    const caller = eventCaller(e);
    return (
      isFailedLaunchKmsCall(e) &&
      principal !== undefined &&
      caller !== undefined &&
      isPrincipalUnderTest(caller, principal)
    );
  };
  const outcomes = await lookupInWaves(
    LAUNCH_LOOKUP_WAVES,
    (eventName) =>
      run.ports.lookupEvents(
        {
          eventName,
          startTime: window.startTime,
          endTime: window.endTime,
          maxResults: CLOUDTRAIL_MAX_EVENTS,
          stopWhen: byRole,
        },
        run.call,
      ),
    byRole,
  );
  const failure = outcomes.find((o): o is { ok: false; error: AwsFailure } => !o.ok);
  const events = outcomes.flatMap((o) => (o.ok ? o.value : [])).filter(byRole);
  return { window, lookup: failure ?? { ok: true, value: events }, events };
}

/** The keys in order of evidence: the launch's (template, AMI, default), then any other the role was denied on. */
function keySourcesOf(
  launchKeyList: LaunchKey[],
  events: TrailEvent[],
  principal: PrincipalInfo | undefined,
): KeySource[] {
  const sources = launchKeySources(launchKeyList);
  if (!principal) return sources;
  for (const event of events) {
    const ref = eventKeyRef(event);
    if (ref && !sources.some((s) => keyToken(s.ref) === keyToken(ref)))
      sources.push({ ref, volumeIds: [], fromTrail: true, origin: 'kms-event', createsVolumes: true });
  }
  return sources;
}

async function simulationOf(
  run: GroupRun,
  principal: PrincipalInfo | undefined,
  sources: KeySource[],
  keyRun: KeyReads,
  caller: Outcome<CallerIdentity>,
): Promise<IamStage> {
  const keys = (await Promise.all(sources.map((s) => keyRun.arn(s.ref)))).filter((k): k is KeyInfo => k !== undefined);
  return iamStageOf(run, principal, keys, caller);
}

function policyResultOf(
  run: GroupRun,
  record: KeyRecord,
  outcome: Outcome<{ policy: string; via: string }> | undefined,
  principal: PrincipalInfo | undefined,
  caller: Outcome<CallerIdentity>,
): KeyPolicyResult | undefined {
  const key = knownKey(record);
  if (!key) return undefined;
  const skipped = keyPolicySkip(record, key, principal);
  if (skipped || !principal) return skipped;
  if (!outcome) return { keyArn: key.arn, outcome: 'skipped', reason: 'the key ARN is unknown.' };
  return keyPolicyFromOutcome(run, key, outcome, principal, caller);
}

/** The principal stage the verdict reads: the group's role, and its failed KMS calls on the keys. */
function principalStageFor(
  run: GroupRun,
  caller: Outcome<CallerIdentity>,
  trail: TrailStage,
  principal: PrincipalInfo | undefined,
  latestFailed: ScalingActivity | undefined,
  sources: KeySource[],
): PrincipalStage {
  const target = latestFailed?.instanceIds[0] ?? run.input.groupName;
  const failedGrants = failedGrantEvents(
    trail.events,
    target,
    sources.map((s) => s.ref),
  );
  return {
    window: trail.window,
    caller,
    grantLookup: trail.lookup.ok
      ? { outcome: 'read', events: trail.lookup.value }
      : { outcome: 'failed', failure: trail.lookup.error },
    startLookup: { outcome: 'not-looked-up' },
    failedGrants,
    denials: failedGrants.filter(isAccessDenied),
    starts: [],
    principal,
  };
}

/** The Termination Reason an activity's status message carries ("... Termination Reason: Client.X: message"). */
export function terminationReasonOf(
  activity: ScalingActivity | undefined,
): { code: string; message: string } | undefined {
  const text = activity?.statusMessage ?? activity?.description ?? '';
  const match = text.match(/Termination Reason:\s*((?:Client|Server)\.[A-Za-z.]+)(?::\s*(.*))?/);
  if (!match) return undefined;
  return { code: match[1], message: `${match[1]}${match[2] ? `: ${match[2].trim()}` : ''}` };
}

/** The launch the verdict is about, as an instance stage: the latest failed launch, or the next one. */
function syntheticInstance(
  group: AutoScalingGroupSummary,
  latestFailed: ScalingActivity | undefined,
  region: string,
): InstanceStage {
  const reason = terminationReasonOf(latestFailed);
  const classification: StateReasonClassification = reason
    ? classifyStateReason(reason, 'terminated')
    : {
        kind: 'no-reason',
        isLaunchFailure: latestFailed !== undefined,
        needsKmsChecks: true,
        summary: latestFailed
          ? `The latest failed activity of ${group.name} gives no termination reason: the checks show whether its launches can use their keys.`
          : `No failed launch in the latest activities of ${group.name}: the checks show whether its next launch can use its keys.`,
        nextStep: '',
      };
  // An unrelated cause (capacity, quotas) still calls for the key checks when the group has keys.
  const needsKms = classification.needsKmsChecks || !classification.isLaunchFailure;
  return {
    outcome: 'read',
    instance: {
      id: latestFailed?.instanceIds[0] ?? group.name,
      region,
      state: 'terminated',
      ...(reason ? { stateReason: reason } : {}),
      ...(latestFailed?.startTime ? { launchTime: latestFailed.startTime } : {}),
      blockDevices: [],
    },
    classification: { ...classification, needsKmsChecks: needsKms },
  };
}

function limitationsOf(
  say: ProfileMessages,
  activities: Outcome<ScalingActivity[]> | undefined,
  launch: LaunchStage,
  trail: TrailStage,
  records: KeyRecord[],
  keyPolicies: KeyPolicyResult[],
  iam: IamStage,
): Limitation[] {
  const out: Limitation[] = [];
  if (activities && !activities.ok)
    out.push({
      step: 'auto-scaling-group',
      text: `Scaling activities: ${say.permissionHint(activities.error, 'autoscaling:DescribeScalingActivities')}`,
    });
  for (const f of launch.failures) out.push({ step: 'kms-keys', text: `Launch keys: ${f.text}` });
  if (!trail.lookup.ok)
    out.push({
      step: 'principal',
      text: `CloudTrail: ${say.permissionHint(trail.lookup.error, 'cloudtrail:LookupEvents')}`,
    });
  for (const record of records) {
    if (record.outcome === 'derived' || record.outcome === 'unreadable')
      out.push({
        step: 'kms-keys',
        text: `Key ${record.ref}: ${say.permissionHint(record.failure, 'kms:DescribeKey', record.ref)}`,
      });
  }
  for (const result of keyPolicies)
    if (result.outcome === 'failed')
      out.push({ step: 'key-policy', text: `Key policy of ${result.keyArn}: ${result.nextStep}` });
  if (iam.outcome === 'failed') out.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep}` });
  if (iam.outcome === 'skipped' && iam.notPermitted)
    out.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep ?? iam.reason}` });
  return out;
}

function timelineOf(activities: Outcome<ScalingActivity[]> | undefined, events: TrailEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const a of activities?.ok ? activities.value.slice(0, 5) : []) {
    if (a.startTime)
      entries.push({
        time: a.startTime,
        label: `Scaling activity ${a.statusCode}`,
        ...(a.description ? { detail: a.description } : {}),
      });
  }
  for (const e of events) {
    const key = eventKeyRef(e);
    entries.push({
      time: e.eventTime,
      label: `${e.eventName} ${isAccessDenied(e) ? 'denied' : 'failed'}`,
      detail: `${eventCaller(e) ?? 'unknown caller'}${key ? ` on ${key}` : ''}`,
    });
  }
  for (const entry of entries) {
    const parsed = new Date(entry.time);
    if (!Number.isNaN(parsed.getTime())) entry.time = parsed.toISOString();
  }
  return entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
