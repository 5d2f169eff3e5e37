/**
 * The diagnosis engine: from a stopped instance to a verdict with evidence and the fix.
 *
 * Calls run in three dependent rounds in the usual case: (1) the instance; (2) its volumes,
 * the EBS defaults, the caller identity and the CloudTrail CreateGrant lookup together;
 * (3) every key's DescribeKey, every key policy and the IAM simulation together, using the
 * key ARNs EC2 reports. The StartInstances lookup (only when no failed grant names the
 * caller) and keys named without an ARN can add one round each: never more than 5.
 * An instance that lists no volumes was terminated at launch (src/aws-records.md M1): round
 * 2 then also looks up the launch's other denied KMS calls and reads its launch template,
 * AMI and (for an Auto Scaling instance) its group's role; the AMI's snapshots take one
 * round more, still within 5.
 * Each round is a function that returns what it learned; nothing is shared between them
 * but their results. Failed calls become step evidence and lower the confidence. At the
 * deadline (`deadlineMs`, 60 s by default) the calls still waiting end as timed out and the
 * report says which; only the AbortSignal stops the engine, and then the returned promise
 * rejects with an `AbortError`.
 */
import { keyToken, parseArn } from '../arn';
import { defaultAutoScalingRoleArn } from '../launch/launchers';
import { abortError } from '../limiter';
import type { CallerIdentity, InstanceSummary, KeyInfo, Outcome, TrailEvent, VolumeInfo } from '../model';
import { classifyStateReason } from '../stateReason';
import { instrumentPorts, type InstrumentedPorts } from './instrument';
import { iamStageOf, keyPolicyFromOutcome, keyPolicySkip, keyRecordOf } from './keyChecks';
import { messagesFor, type ProfileMessages } from './messages';
import type { CallOptions, DiagnosisPorts } from './ports';
import { rolePathCaveat } from './principal';
import { principalStageOf } from './principalStage';
import { keyFromArn, knownKey, usableKey } from './rules';
import type {
  DiagnosisInput,
  EbsDefaults,
  IamStage,
  InstanceStage,
  KeyPolicyResult,
  KeyRecord,
  KeySource,
  Limitation,
  PrincipalStage,
  VolumeStage,
} from './stages';
import {
  iamStep,
  instanceStep,
  keyPolicyStep,
  keysStep,
  principalStep,
  skippedStep,
  volumesStep,
  type VolumesSeen,
} from './steps';
import { timelineOf } from './timeline';
import { AWS_MANAGED_EBS_ALIAS } from '../launch/launchKeys';
import { describeLaunch, launchSourceOf, type LaunchDescriptionStage } from './launchSources';
import {
  LAUNCH_LOOKUP_WAVES,
  lookupInWaves,
  eventCaller,
  eventInstance,
  eventKeyRef,
  isDeniedLaunchKmsCall,
  isFailedGrant,
  isFailedLaunchKmsCall,
  nearLaunch,
  startEventsFor,
  timeFromTransitionReason,
  trailWindow,
} from './trail';
import {
  STEP_ORDER,
  STEP_TITLES,
  type DiagnosisReport,
  type DiagnosisStep,
  type PrincipalInfo,
  type StepEvent,
  type StepId,
  type TimelineEntry,
} from './types';
import { decideVerdict } from './verdict';

export type { DiagnosisInput } from './stages';

export interface DiagnoseOptions {
  /** Aborting rejects the diagnosis with an `AbortError` (see `isAbortError`). */
  signal?: AbortSignal;
  /** The clock for the CloudTrail window and the report time; tests pin it. */
  now?: () => Date;
  /** Hears each step start and finish, for a progress UI. Errors it throws are ignored. */
  onStep?: (event: StepEvent) => void;
}

/** True for the rejection of a cancelled diagnosis. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * How many events one LookupEvents question may read: ten pages of 50. A key shared by many
 * instances fills the window with other instances' grants; one page would hold only the
 * newest 50 and could miss this instance's. Paging stops earlier once a page holds the
 * event sought (`stopWhen`), where the AWS layer supports it.
 */
const CLOUDTRAIL_MAX_EVENTS = 500;

/** How long a diagnosis may take unless its input says otherwise. */
export const DEFAULT_DEADLINE_MS = 60_000;

/**
 * Diagnoses why `input.instanceId` stopped. Never rejects for AWS failures (they become
 * step errors and caveats); rejects with an `AbortError` when `options.signal` aborts.
 * At `input.deadlineMs` (default 60 s) the checks still waiting end as timed out, and the
 * report says which; the diagnosis does not hang on a port that never answers.
 */
export async function diagnoseInstance(
  input: DiagnosisInput,
  ports: DiagnosisPorts,
  options: DiagnoseOptions = {},
): Promise<DiagnosisReport> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const deadlineMs = input.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  // The ports hear both: the caller's cancel and the deadline end their requests.
  const callSignal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const meter = instrumentPorts(ports, options.signal, { signal: deadline.signal, ms: deadlineMs });
  try {
    return await runDiagnosis(input, meter, { ...options, callSignal });
  } finally {
    clearTimeout(timer);
    meter.dispose();
  }
}

/** What every round needs: the ports, the call options, the words for the profile, the clock and the progress listener. */
interface Run {
  input: DiagnosisInput;
  ports: DiagnosisPorts;
  call: CallOptions;
  say: ProfileMessages;
  now: () => Date;
  /** Tells the listener a step started. */
  begin(id: StepId): void;
  /** Tells the listener a step finished, and returns it. */
  finish(step: DiagnosisStep): DiagnosisStep;
}

/** The options of one run: the caller's, and the signal the port calls get. */
type RunOptions = DiagnoseOptions & { callSignal: AbortSignal };

function runOf(input: DiagnosisInput, ports: DiagnosisPorts, options: RunOptions): Run {
  const notify = (event: StepEvent): void => {
    try {
      options.onStep?.(event);
    } catch {
      // A faulty progress listener must not change the diagnosis.
    }
  };
  return {
    input,
    ports,
    call: { signal: options.callSignal },
    say: messagesFor(input.profile),
    now: options.now ?? (() => new Date()),
    begin: (id) => notify({ phase: 'started', id, title: STEP_TITLES[id] }),
    finish: (step) => {
      notify({ phase: 'finished', id: step.id, title: step.title, step });
      return step;
    },
  };
}

async function runDiagnosis(
  input: DiagnosisInput,
  meter: InstrumentedPorts,
  options: RunOptions,
): Promise<DiagnosisReport> {
  const startedAt = performance.now();
  const run = runOf(input, meter.ports, options);
  const stats = (): DiagnosisReport['calls'] => meter.stats(performance.now() - startedAt);

  const instance = await instanceRound(run);
  if (instance.stage.outcome === 'failed' || !instance.stage.classification.needsKmsChecks) {
    return noKmsChecksReport(run, instance.stage, instance.step, stats);
  }
  const { instance: summary } = instance.stage;
  const evidence = await volumesAndTrailRound(run, summary);
  const principal = evidence.principal.stage.principal;
  const caller = evidence.principal.stage.caller;
  const keys = await keysRound(run, evidence.keySources, principal, caller, volumesSeen(evidence.volumes.stage));
  const policies = await lateKeyPolicyRound(run, keys, principal, caller);
  if (options.signal?.aborted) throw abortError(options.signal);

  const usable = keys.records.map(usableKey).filter((k): k is KeyInfo => k !== undefined);
  const keyPolicySkip = !principal
    ? 'Who starts the instance is unknown: no principal to evaluate the key policy for.'
    : keys.records.length === 0
      ? 'No key to check.'
      : undefined;
  const keyPolicy = run.finish(keyPolicyStep(policies.keyPolicies, keyPolicySkip));
  const iam = run.finish(
    iamStep(
      policies.iam,
      usable,
      policies.keyPolicies,
      principal?.account,
      principal ? rolePathCaveat(principal) : undefined,
    ),
  );

  const limitations = [
    ...limitationsOf(
      run.say,
      evidence.volumes.stage,
      evidence.principal.stage,
      keys.records,
      policies.keyPolicies,
      policies.iam,
    ),
    ...evidence.launchFailures.map(({ action, failure }): Limitation => ({
      step: 'kms-keys',
      text: `Launch keys: ${run.say.permissionHint(failure, action)}`,
    })),
  ];
  const { verdict, fixes } = decideVerdict({
    target: input,
    say: run.say,
    instance: instance.stage,
    volumes: evidence.volumes.stage,
    keys: keys.records,
    principal: evidence.principal.stage,
    keyPolicies: policies.keyPolicies,
    iam: policies.iam,
    limitations,
  });
  return assemble({
    input,
    instanceStage: instance.stage,
    steps: [instance.step, evidence.volumes.step, keys.step, evidence.principal.step, keyPolicy, iam],
    verdict,
    fixes,
    keys: keys.records.flatMap((r) => (r.outcome === 'described' ? [r.key] : [])),
    principal,
    timeline: timelineOf(summary, evidence.principal.stage),
    stats: stats(),
    now: run.now,
  });
}

/** A stage with the step that reports it. */
interface Checked<S> {
  stage: S;
  step: DiagnosisStep;
}

/** Round 1: the instance and its state reason decide whether anything else is needed. */
async function instanceRound(run: Run): Promise<Checked<InstanceStage>> {
  run.begin('instance-state');
  const outcome = await run.ports.describeInstance(run.input.instanceId, run.call);
  const stage: InstanceStage = outcome.ok
    ? {
        outcome: 'read',
        instance: outcome.value,
        classification: classifyStateReason(
          outcome.value.stateReason,
          outcome.value.state,
          outcome.value.stateTransitionReason,
        ),
      }
    : { outcome: 'failed', failure: outcome.error };
  return { stage, step: run.finish(instanceStep(stage, run.input, run.say)) };
}

/** The report when the instance could not be read, or its state reason needs no KMS check. */
function noKmsChecksReport(
  run: Run,
  stage: InstanceStage,
  step: DiagnosisStep,
  stats: () => DiagnosisReport['calls'],
): DiagnosisReport {
  const reason =
    stage.outcome === 'read'
      ? `Not needed: ${stage.classification.summary}`
      : 'Not run: the instance could not be read.';
  const skipped = STEP_ORDER.filter((id) => id !== step.id).map((id) => run.finish(skippedStep(id, reason)));
  const { verdict, fixes } = decideVerdict({
    target: run.input,
    say: run.say,
    instance: stage,
    keys: [],
    keyPolicies: [],
    limitations: [],
  });
  return assemble({
    input: run.input,
    instanceStage: stage,
    steps: [step, ...skipped],
    verdict,
    fixes,
    keys: [],
    timeline: timelineOf(stage.outcome === 'read' ? stage.instance : undefined, undefined),
    stats: stats(),
    now: run.now,
  });
}

/** What round 2 learned: the volumes, the keys to check, and who started the instance. */
interface VolumesAndTrail {
  volumes: Checked<VolumeStage>;
  keySources: KeySource[];
  principal: Checked<PrincipalStage>;
  /** The reads of the launch template, AMI or snapshots that failed. */
  launchFailures: LaunchDescriptionStage['failures'];
}

/**
 * Round 2: everything that needs only the instance, at once. The StartInstances lookup
 * waits for the CreateGrant one (LookupEvents allows 2 requests/s), and only runs when no
 * failed grant naming the instance already says who started it.
 */
async function volumesAndTrailRound(run: Run, instance: InstanceSummary): Promise<VolumesAndTrail> {
  const { ports, call } = run;
  const instanceId = instance.id;
  const window = trailWindow(timeFromTransitionReason(instance.stateTransitionReason), instance.launchTime, run.now());
  const volumeIds = unique(instance.blockDevices.map((b) => b.volumeId).filter((id): id is string => Boolean(id)));
  run.begin('volumes');
  run.begin('principal');
  const volumesP: Promise<Outcome<VolumeInfo[]>> =
    volumeIds.length > 0 ? ports.describeVolumes(volumeIds, call) : Promise.resolve({ ok: true, value: [] });
  const defaultsP = ports.getEbsDefaults(call);
  const callerP = ports.getCallerIdentity(call);
  const lookup = { startTime: window.startTime, endTime: window.endTime, maxResults: CLOUDTRAIL_MAX_EVENTS };
  const failedGrantForInstance = (e: TrailEvent): boolean =>
    isFailedGrant(e) && eventInstance(e, instanceId) === 'this';
  const startOfInstance = (e: TrailEvent): boolean => startEventsFor([e], instanceId).length > 0;
  // The keys, the resources a CreateGrant record names, are known only once the volumes are
  // read; waiting for them would cost a round, so this lookup goes by event name alone.
  const grantLookupP = ports.lookupEvents(
    { eventName: 'CreateGrant', ...lookup, stopWhen: failedGrantForInstance },
    call,
  );
  // An instance that lists no volumes was terminated at launch (src/aws-records.md M1): the
  // launch's other KMS calls may be the denied ones (F3), and its template and AMI say which
  // keys its volumes would have used. All of it runs beside the CreateGrant lookup.
  const atLaunch = volumeIds.length === 0;
  const launchDenialP = atLaunch
    ? launchKmsDenials(run, lookup, instance.launchTime, grantLookupP, failedGrantForInstance)
    : Promise.resolve([]);
  const grantsP = Promise.all([grantLookupP, launchDenialP]).then(([grants, denials]): Outcome<TrailEvent[]> =>
    grants.ok ? { ok: true, value: [...grants.value, ...denials] } : grants,
  );
  const launchP = atLaunch
    ? describeLaunch(ports, launchSourceOf(instance), defaultsP, call)
    : Promise.resolve(undefined);
  // The group that launched it names the role it launches as, should CloudTrail name no one.
  const groupRoleP =
    atLaunch && instance.autoScalingGroupName
      ? groupRoleOf(run, instance.autoScalingGroupName, callerP)
      : Promise.resolve(undefined);
  // A launch denied as a service's role made no StartInstances call: the denial names the caller.
  const namesCaller = (e: TrailEvent): boolean =>
    (failedGrantForInstance(e) || (atLaunch && isDeniedLaunchKmsCall(e))) && eventCaller(e) !== undefined;
  const startsP = grantsP.then((grants): Promise<Outcome<TrailEvent[]> | undefined> =>
    grants.ok && grants.value.some(namesCaller)
      ? Promise.resolve(undefined)
      : ports.lookupEvents(
          { eventName: 'StartInstances', ...lookup, stopWhen: startOfInstance, resourceNames: [instanceId] },
          call,
        ),
  );

  const volumesCheckedP = Promise.all([volumesP, defaultsP]).then(([volumes, defaults]): Checked<VolumeStage> => {
    const stage = volumeStageOf(volumes, defaults);
    return { stage, step: run.finish(volumesStep(stage, run.say, volumeIds)) };
  });
  const keySourcesP = Promise.all([volumesCheckedP, grantsP, launchP]).then(([{ stage }, grants, launch]) =>
    keySourcesOf(stage, grants, instance, launch),
  );
  const principalP = Promise.all([callerP, grantsP, startsP, keySourcesP, groupRoleP]).then(
    ([caller, grants, starts, sources, groupRole]): Checked<PrincipalStage> => {
      const stage = principalStageOf(
        window,
        caller,
        grants,
        starts,
        instanceId,
        sources.map((s) => s.ref),
        groupRole,
      );
      return { stage, step: run.finish(principalStep(stage, instanceId, run.say, run.now())) };
    },
  );
  const [volumes, keySources, principal, launch] = await Promise.all([
    volumesCheckedP,
    keySourcesP,
    principalP,
    launchP,
  ]);
  return { volumes, keySources, principal, launchFailures: launch?.failures ?? [] };
}

/**
 * The role an Auto Scaling group launches as: its `ServiceLinkedRoleARN`, or the default
 * AWSServiceRoleForAutoScaling of the caller's account when the group names none or cannot be read.
 */
async function groupRoleOf(
  run: Run,
  groupName: string,
  callerP: Promise<Outcome<CallerIdentity>>,
): Promise<string | undefined> {
  const groups = run.ports.listAutoScalingGroups
    ? await run.ports.listAutoScalingGroups(run.call, { groupNames: [groupName] })
    : undefined;
  const group = groups?.ok ? groups.value.find((g) => g.name === groupName) : undefined;
  if (group?.serviceLinkedRoleArn) return group.serviceLinkedRoleArn;
  const caller = await callerP;
  return caller.ok ? defaultAutoScalingRoleArn(caller.value.account, parseArn(caller.value.arn)?.partition) : undefined;
}

/**
 * The launch's denied KMS calls besides CreateGrant, one lookup per event name, in the waves of
 * `LAUNCH_LOOKUP_WAVES` beside the CreateGrant lookup already under way: Decrypt and ReEncrypt
 * are asked only when neither the grant lookup nor the data key's names the denial. They name no
 * instance, so only those close to the launch time count (`nearLaunch`).
 */
async function launchKmsDenials(
  run: Run,
  lookup: { startTime: Date; endTime: Date; maxResults: number },
  launchTime: string | undefined,
  grantLookupP: Promise<Outcome<TrailEvent[]>>,
  failedGrantForInstance: (event: TrailEvent) => boolean,
): Promise<TrailEvent[]> {
  const ofLaunch = (e: TrailEvent): boolean => isDeniedLaunchKmsCall(e) && nearLaunch(e, launchTime);
  const outcomes = await lookupInWaves(
    LAUNCH_LOOKUP_WAVES,
    (eventName) =>
      eventName === 'CreateGrant'
        ? grantLookupP
        : run.ports.lookupEvents({ eventName, ...lookup, stopWhen: ofLaunch }, run.call),
    (e) => failedGrantForInstance(e) || ofLaunch(e),
  );
  return outcomes.flatMap((o) => (o.ok ? o.value.filter(ofLaunch) : []));
}

/**
 * The keys: from the volumes or, when they could not be read or the instance lists none (EC2
 * drops the block device mappings of an instance terminated at launch: src/aws-records.md
 * M1), in this order of evidence: the failed KMS calls naming the instance (or, naming none,
 * denied close to its launch), the launch template version's block devices, the AMI's
 * snapshots, and the account's default EBS key when encryption by default is on.
 */
function keySourcesOf(
  volumes: VolumeStage,
  grants: Outcome<TrailEvent[]>,
  instance: InstanceSummary,
  launch: LaunchDescriptionStage | undefined,
): KeySource[] {
  if (volumes.outcome === 'read' && volumes.volumes.length > 0) {
    return volumes.keyRefs.map((ref) => ({ ref, volumeIds: volumes.volumesByKeyRef.get(ref) ?? [], fromTrail: false }));
  }
  const events = grants.ok ? grants.value.filter(isFailedLaunchKmsCall) : [];
  const ofLaunch = events.filter(
    (e) =>
      eventInstance(e, instance.id) === 'this' ||
      (eventInstance(e, instance.id) === 'unknown' && isDeniedLaunchKmsCall(e) && nearLaunch(e, instance.launchTime)),
  );
  const sources: KeySource[] = [];
  // Listing no volumes, the instance was terminated at launch: the launch created its volumes.
  const createsVolumes = volumes.outcome === 'read';
  const add = (source: KeySource): void => {
    if (!sources.some((s) => keyToken(s.ref) === keyToken(source.ref)))
      sources.push({ ...source, ...(createsVolumes ? { createsVolumes } : {}) });
  };
  for (const ref of unique(ofLaunch.flatMap((e) => eventKeyRef(e) ?? [])))
    add({ ref, volumeIds: [], fromTrail: true, origin: 'kms-event' });
  for (const key of launch?.keys ?? [])
    add({ ref: key.ref, volumeIds: [], fromTrail: true, origin: key.origin, devices: key.devices });
  const defaults = volumes.defaults.ok ? volumes.defaults.value : undefined;
  // Nothing read says which key: with encryption by default on, every new volume takes the default.
  if (sources.length === 0 && launch && defaults?.encryptionByDefault) {
    add({
      ref: defaults.defaultKmsKeyId ?? AWS_MANAGED_EBS_ALIAS,
      volumeIds: [],
      fromTrail: true,
      origin: 'ebs-default',
    });
  }
  return sources;
}

/** What round 3 learned, with what it read ahead for round 4. */
interface KeysChecked {
  records: KeyRecord[];
  step: DiagnosisStep;
  /** Key policies read by key ARN, by the index of their key source. */
  earlyPolicies: (Outcome<{ policy: string; via: string }> | undefined)[];
  /** The simulation, when every key was named by ARN. */
  earlyIam: IamStage | undefined;
}

/**
 * Round 3: DescribeKey for every key and, from the key ARNs EC2 gave, the key policies and
 * the IAM simulation at the same time. Answers about keys that turn out AWS managed or
 * unusable are ignored: a spare read costs less than another round.
 */
async function keysRound(
  run: Run,
  sources: KeySource[],
  principal: PrincipalInfo | undefined,
  caller: Outcome<CallerIdentity>,
  volumes: VolumesSeen,
): Promise<KeysChecked> {
  const { ports, call } = run;
  run.begin('kms-keys');
  run.begin('key-policy');
  run.begin('iam-policy');
  const arnKeys = sources.map((s) => keyFromArn(s.ref));
  const recordsP = Promise.all(sources.map((s) => ports.describeKey(s.ref, call))).then((outcomes) => {
    const records = sources.map((s, i) => keyRecordOf(s, outcomes[i]));
    return { records, step: run.finish(keysStep(records, run.say, volumes)) };
  });
  const earlyPoliciesP = Promise.all(
    arnKeys.map((key) => (key && principal ? ports.getKeyPolicy(key, call) : Promise.resolve(undefined))),
  );
  const earlyIamP =
    arnKeys.length > 0 && arnKeys.every((key): key is KeyInfo => key !== undefined)
      ? iamStageOf(run, principal, arnKeys, caller)
      : Promise.resolve(undefined);
  const [{ records, step }, earlyPolicies, earlyIam] = await Promise.all([recordsP, earlyPoliciesP, earlyIamP]);
  return { records, step, earlyPolicies, earlyIam };
}

/** Round 4, only for keys named without a key ARN (an id or an alias): their policies and the simulation. */
async function lateKeyPolicyRound(
  run: Run,
  keys: KeysChecked,
  principal: PrincipalInfo | undefined,
  caller: Outcome<CallerIdentity>,
): Promise<{ keyPolicies: KeyPolicyResult[]; iam: IamStage }> {
  const usable = keys.records.map(usableKey).filter((k): k is KeyInfo => k !== undefined);
  const keyPoliciesP = Promise.all(
    keys.records.map(async (record, i): Promise<KeyPolicyResult | undefined> => {
      const key = knownKey(record);
      if (!key) return undefined;
      const skipped = keyPolicySkip(record, key, principal);
      if (skipped || !principal) return skipped;
      const outcome = keys.earlyPolicies[i] ?? (await run.ports.getKeyPolicy(key, run.call));
      return keyPolicyFromOutcome(run, key, outcome, principal, caller);
    }),
  );
  const iamP: Promise<IamStage> =
    usable.length === 0
      ? Promise.resolve({ outcome: 'skipped', reason: 'No usable key to check.', notPermitted: false })
      : keys.earlyIam
        ? Promise.resolve(keys.earlyIam)
        : iamStageOf(run, principal, usable, caller);
  const [policyResults, iam] = await Promise.all([keyPoliciesP, iamP]);
  return { keyPolicies: policyResults.filter((r): r is KeyPolicyResult => r !== undefined), iam };
}

/**
 * The checks that could not run, in report order, each with what would let it run: they
 * lower the confidence of what depends on them.
 */
function limitationsOf(
  say: ProfileMessages,
  volumes: VolumeStage,
  principal: PrincipalStage,
  records: KeyRecord[],
  keyPolicies: KeyPolicyResult[],
  iam: IamStage,
): Limitation[] {
  const limitations: Limitation[] = [];
  if (volumes.outcome === 'failed')
    limitations.push({
      step: 'volumes',
      text: `Volumes: ${say.permissionHint(volumes.failure, 'ec2:DescribeVolumes')}`,
    });
  const trailFailure =
    principal.grantLookup.outcome === 'failed'
      ? principal.grantLookup.failure
      : principal.startLookup.outcome === 'failed'
        ? principal.startLookup.failure
        : undefined;
  if (trailFailure) {
    limitations.push({
      step: 'principal',
      text: `CloudTrail: ${say.permissionHint(trailFailure, 'cloudtrail:LookupEvents')}`,
    });
  } else if (!principal.principal) {
    limitations.push({
      step: 'principal',
      text: `Caller identity: ${principal.caller.ok ? 'unknown' : principal.caller.error.nextStep}`,
    });
  }
  for (const record of records) {
    if (record.outcome === 'derived' || record.outcome === 'unreadable') {
      limitations.push({
        step: 'kms-keys',
        text: `Key ${record.ref}: ${say.permissionHint(record.failure, 'kms:DescribeKey', record.ref)}`,
      });
    }
  }
  for (const result of keyPolicies) {
    if (result.outcome === 'failed')
      limitations.push({ step: 'key-policy', text: `Key policy of ${result.keyArn}: ${result.nextStep}` });
  }
  if (iam.outcome === 'failed') limitations.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep}` });
  if (iam.outcome === 'skipped' && iam.notPermitted)
    limitations.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep ?? iam.reason}` });
  return limitations;
}

function volumesSeen(stage: VolumeStage): VolumesSeen {
  return stage.outcome === 'failed' ? 'unreadable' : stage.volumes.length === 0 ? 'none-listed' : 'read';
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function volumeStageOf(volumes: Outcome<VolumeInfo[]>, defaults: Outcome<EbsDefaults>): VolumeStage {
  if (!volumes.ok) return { outcome: 'failed', failure: volumes.error, defaults };
  const keyRefs: string[] = [];
  const volumesByKeyRef = new Map<string, string[]>();
  for (const volume of volumes.value) {
    const keyId = volume.kmsKeyId;
    if (!volume.encrypted || !keyId) continue;
    // The same key may appear as an id on one volume and an ARN on another.
    const existing = keyRefs.find((ref) => keyToken(ref) === keyToken(keyId));
    const ref = existing ?? keyId;
    if (!existing) keyRefs.push(ref);
    volumesByKeyRef.set(ref, [...(volumesByKeyRef.get(ref) ?? []), volume.id]);
  }
  return { outcome: 'read', volumes: volumes.value, keyRefs, volumesByKeyRef, defaults };
}

function assemble(parts: {
  input: DiagnosisInput;
  instanceStage: InstanceStage;
  steps: DiagnosisStep[];
  verdict: DiagnosisReport['verdict'];
  fixes: DiagnosisReport['fixes'];
  keys: KeyInfo[];
  principal?: DiagnosisReport['principal'];
  timeline: TimelineEntry[];
  stats: DiagnosisReport['calls'];
  now: () => Date;
}): DiagnosisReport {
  const { input, instanceStage } = parts;
  const byId = new Map(parts.steps.map((step) => [step.id, step]));
  const report: DiagnosisReport = {
    schemaVersion: 1,
    instanceId: input.instanceId,
    profile: input.profile,
    region: input.region,
    generatedAt: parts.now().toISOString(),
    verdict: parts.verdict,
    steps: STEP_ORDER.flatMap((id) => byId.get(id) ?? []),
    fixes: parts.fixes,
    timeline: parts.timeline,
    keys: parts.keys,
    calls: parts.stats,
  };
  if (instanceStage.outcome === 'read') {
    const { instance, classification } = instanceStage;
    report.instance = {
      state: instance.state,
      stateReasonKind: classification.kind,
      ...(instance.name ? { name: instance.name } : {}),
      ...(instance.stateReason ? { stateReason: instance.stateReason } : {}),
      ...(instance.launchTime ? { launchTime: instance.launchTime } : {}),
    };
  }
  if (parts.principal) report.principal = parts.principal;
  return report;
}
