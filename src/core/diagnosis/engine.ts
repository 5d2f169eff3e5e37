/**
 * The diagnosis engine: from a stopped instance to a verdict with evidence and the fix.
 *
 * Calls run in three dependent rounds in the usual case: (1) the instance; (2) its volumes,
 * the EBS defaults, the caller identity and the CloudTrail CreateGrant lookup together;
 * (3) every key's DescribeKey, every key policy and the IAM simulation together, using the
 * key ARNs EC2 reports. The StartInstances lookup (only when no failed grant names the
 * caller) and keys named without an ARN can add one round each: never more than 5.
 * Failed calls become step evidence and lower the confidence; only the AbortSignal stops
 * the engine, and then the returned promise rejects with an `AbortError`.
 */
import { abortError } from '../limiter';
import type { AwsFailure, CallerIdentity, InstanceSummary, KeyInfo, Outcome, TrailEvent, VolumeInfo } from '../model';
import { evaluateCreateGrant } from '../policy';
import { classifyStateReason } from '../stateReason';
import { instrumentPorts, type InstrumentedPorts } from './instrument';
import type { CallOptions, DiagnosisPorts } from './ports';
import { canSimulate, isPrincipalUnderTest, principalFromArn, rolePathCaveat } from './principal';
import type { DiagnosisInput, IamStage, InstanceStage, KeyPolicyResult, KeyRecord, Limitation, PrincipalStage, VolumeStage } from './stages';

type KeyRef = Omit<KeyRecord, 'described'>;
import { iamStep, instanceStep, keyPolicyStep, keysStep, permissionHint, principalStep, skippedStep, volumesStep } from './steps';
import { eventCaller, eventInstance, eventKeyRef, failedGrantEvents, isAccessDenied, keyToken, startEventsFor, timeFromTransitionReason, trailWindow } from './trail';
import { STEP_ORDER, STEP_TITLES, type DiagnosisReport, type PrincipalInfo, type DiagnosisStep, type StepEvent, type StepId, type TimelineEntry } from './types';
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

/**
 * Diagnoses why `input.instanceId` stopped. Never rejects for AWS failures (they become
 * step errors and caveats); rejects with an `AbortError` when `options.signal` aborts.
 */
export async function diagnoseInstance(input: DiagnosisInput, ports: DiagnosisPorts, options: DiagnoseOptions = {}): Promise<DiagnosisReport> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const meter = instrumentPorts(ports, options.signal);
  try {
    return await runDiagnosis(input, meter, options);
  } finally {
    meter.dispose();
  }
}

async function runDiagnosis(input: DiagnosisInput, meter: InstrumentedPorts, options: DiagnoseOptions): Promise<DiagnosisReport> {
  const { signal } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = performance.now();
  const p = meter.ports;
  const call: CallOptions = { signal };
  const steps = new Map<StepId, DiagnosisStep>();
  const notify = (event: StepEvent): void => {
    try {
      options.onStep?.(event);
    } catch {
      // A faulty progress listener must not change the diagnosis.
    }
  };
  const begin = (id: StepId): void => notify({ phase: 'started', id, title: STEP_TITLES[id] });
  const finish = (step: DiagnosisStep): void => {
    steps.set(step.id, step);
    notify({ phase: 'finished', id: step.id, title: step.title, step });
  };
  const limitations: Limitation[] = [];

  // Round 1: the instance and its state reason decide whether anything else is needed.
  begin('instance-state');
  const instanceOutcome = await p.describeInstance(input.instanceId, call);
  const instanceStage: InstanceStage = instanceOutcome.ok
    ? { instance: instanceOutcome.value, classification: classifyStateReason(instanceOutcome.value.stateReason, instanceOutcome.value.state) }
    : { failure: instanceOutcome.error };
  finish(instanceStep(instanceStage, input));
  const instance = instanceStage.instance;
  if (!instance || !instanceStage.classification?.needsKmsChecks) {
    const reason = instance
      ? `Not needed: ${instanceStage.classification?.summary ?? 'not a launch failure.'}`
      : 'Not run: the instance could not be read.';
    for (const id of STEP_ORDER) if (!steps.has(id)) finish(skippedStep(id, reason));
    const { verdict, fixes } = decideVerdict({ input, instance: instanceStage, keys: [], keyPolicies: [], limitations });
    return assemble({ input, instanceStage, steps, verdict, fixes, keys: [], timeline: timelineOf(instance, undefined), stats: meter.stats(performance.now() - startedAt), now });
  }

  // Round 2: everything that needs only the instance.
  const window = trailWindow(timeFromTransitionReason(instance.stateTransitionReason), instance.launchTime, now());
  const volumeIds = unique(instance.blockDevices.map((b) => b.volumeId).filter((id): id is string => Boolean(id)));
  begin('volumes');
  begin('principal');
  const volumesP: Promise<Outcome<VolumeInfo[]>> = volumeIds.length > 0 ? p.describeVolumes(volumeIds, call) : Promise.resolve({ ok: true, value: [] });
  const defaultsP = p.getEbsDefaults(call);
  const callerP = p.getCallerIdentity(call);
  const lookup = { startTime: window.startTime, endTime: window.endTime, maxResults: CLOUDTRAIL_MAX_EVENTS };
  const failedGrantForInstance = (e: TrailEvent): boolean => e.eventName === 'CreateGrant' && e.errorCode !== undefined && eventInstance(e, input.instanceId) === 'this';
  const startOfInstance = (e: TrailEvent): boolean => startEventsFor([e], input.instanceId).length > 0;
  const grantsP = p.lookupEvents({ eventName: 'CreateGrant', ...lookup, stopWhen: failedGrantForInstance }, call);
  // LookupEvents allows 2 requests/s: ask for StartInstances only when no failed grant
  // (whose grantee names the instance) already says who started it.
  const startsP = grantsP.then((grants): Promise<Outcome<TrailEvent[]> | undefined> =>
    grants.ok && grants.value.some((e) => failedGrantForInstance(e) && eventCaller(e))
      ? Promise.resolve(undefined)
      : p.lookupEvents({ eventName: 'StartInstances', ...lookup, stopWhen: startOfInstance }, call),
  );

  const volumeStageP = Promise.all([volumesP, defaultsP]).then(([volumes, defaults]) => {
    const stage = volumeStageOf(volumes, defaults);
    if (stage.failure) limitations.push({ step: 'volumes', text: `Volumes: ${permissionHint(stage.failure, 'ec2:DescribeVolumes', input.profile)}` });
    finish(volumesStep(stage, input, volumeIds));
    return stage;
  });

  // The keys: from the volumes or, without them, from a denied grant naming the instance.
  const keyRefsP = volumeStageP.then(async (stage): Promise<KeyRef[]> => {
    if (!stage.failure) return stage.keyRefs.map((ref) => ({ ref, volumeIds: stage.volumesByKeyRef.get(ref) ?? [], fromTrail: false }));
    const grants = await grantsP;
    if (!grants.ok) return [];
    const refs = unique(failedGrantEvents(grants.value, input.instanceId, []).map(eventKeyRef).filter((r): r is string => Boolean(r)));
    return refs.map((ref) => ({ ref, volumeIds: [], fromTrail: true }));
  });
  const principalP = Promise.all([callerP, grantsP, startsP, keyRefsP]).then(([caller, grants, starts, refs]) => {
    const stage = principalStageOf(window, caller, grants, starts, input.instanceId, refs.map((r) => r.ref));
    const trailFailure = stage.grantFailure ?? stage.startFailure;
    if (trailFailure) {
      limitations.push({ step: 'principal', text: `CloudTrail: ${permissionHint(trailFailure, 'cloudtrail:LookupEvents', input.profile)}` });
    } else if (!stage.principal) {
      limitations.push({ step: 'principal', text: `Caller identity: ${stage.callerFailure?.nextStep ?? 'unknown'}` });
    }
    finish(principalStep(stage, input, now()));
    return stage;
  });
  const [volumeStage, refs, principalStage] = await Promise.all([volumeStageP, keyRefsP, principalP]);
  const principal = principalStage.principal;
  const caller = principalStage.caller;

  // Round 3: DescribeKey for every key and, from the key ARNs EC2 gave, the key policies and
  // the IAM simulation at the same time. Answers about keys that turn out AWS managed or
  // unusable are ignored: a spare read costs less than another round.
  begin('kms-keys');
  begin('key-policy');
  begin('iam-policy');
  const arnKeys = refs.map((r) => keyFromArn(r.ref));
  const recordsP = Promise.all(refs.map((r) => p.describeKey(r.ref, call))).then((outcomes) => {
    const records = refs.map((r, i) => keyRecordOf(r, outcomes[i]));
    for (const record of records) {
      if (!record.described && record.failure && record.failure.kind !== 'not-found') {
        limitations.push({ step: 'kms-keys', text: `Key ${record.ref}: ${permissionHint(record.failure, 'kms:DescribeKey', input.profile, record.ref)}` });
      }
    }
    finish(keysStep(records, input, Boolean(volumeStage.failure)));
    return records;
  });
  const earlyPoliciesP = Promise.all(arnKeys.map((key) => (key && principal ? p.getKeyPolicy(key, call) : Promise.resolve(undefined))));
  const allArns = arnKeys.length > 0 && arnKeys.every((key) => key !== undefined);
  const earlyIamP = allArns ? iamStageOf(principal, arnKeys as KeyInfo[], p, call, input, caller) : Promise.resolve(undefined);
  const [records, earlyPolicies, earlyIam] = await Promise.all([recordsP, earlyPoliciesP, earlyIamP]);

  // Round 4, only for keys named without a key ARN (an id or an alias).
  const usable = records.filter((r) => r.key && (!r.described || r.key.state === 'Enabled')).map((r) => r.key!);
  const keyPoliciesP = Promise.all(
    records.map(async (record, i): Promise<KeyPolicyResult | undefined> => {
      if (!record.key) return undefined;
      const skipped = keyPolicySkip(record, principal);
      if (skipped || !principal) return skipped;
      const outcome = earlyPolicies[i] ?? (await p.getKeyPolicy(record.key, call));
      return keyPolicyFromOutcome(record.key, outcome, principal, input, caller);
    }),
  );
  const iamP: Promise<IamStage> =
    usable.length === 0
      ? Promise.resolve({ outcome: 'skipped', reason: 'No usable key to check.', notPermitted: false })
      : earlyIam
        ? Promise.resolve(earlyIam)
        : iamStageOf(principal, usable, p, call, input, caller);
  const [policyResults, iam] = await Promise.all([keyPoliciesP, iamP]);
  const keyPolicyResults = policyResults.filter((r): r is KeyPolicyResult => r !== undefined);
  if (signal?.aborted) throw abortError(signal);

  for (const result of keyPolicyResults) {
    if (result.outcome === 'failed') limitations.push({ step: 'key-policy', text: `Key policy of ${result.keyArn}: ${result.nextStep}` });
  }
  if (iam.outcome === 'failed') limitations.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep}` });
  if (iam.outcome === 'skipped' && iam.notPermitted) limitations.push({ step: 'iam-policy', text: `IAM: ${iam.nextStep ?? iam.reason}` });

  finish(
    keyPolicyStep(
      keyPolicyResults,
      !principal ? 'Who starts the instance is unknown: no principal to evaluate the key policy for.' : records.length === 0 ? 'No key to check.' : undefined,
    ),
  );
  const roleCaveat = principal ? rolePathCaveat(principal) : undefined;
  finish(iamStep(iam, usable, keyPolicyResults, principal?.account, roleCaveat));

  const { verdict, fixes } = decideVerdict({
    input,
    instance: instanceStage,
    volumes: volumeStage,
    keys: records,
    principal: principalStage,
    keyPolicies: keyPolicyResults,
    iam,
    limitations,
  });
  return assemble({
    input,
    instanceStage,
    steps,
    verdict,
    fixes,
    keys: records.filter((r) => r.described && r.key).map((r) => r.key!),
    principal,
    timeline: timelineOf(instance, principalStage),
    stats: meter.stats(performance.now() - startedAt),
    now,
  });
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function volumeStageOf(
  volumes: Outcome<VolumeInfo[]>,
  defaults: Outcome<{ defaultKmsKeyId?: string; encryptionByDefault: boolean }>,
): VolumeStage {
  const stage: VolumeStage = { volumes: [], keyRefs: [], volumesByKeyRef: new Map() };
  if (defaults.ok) stage.defaults = defaults.value;
  else stage.defaultsFailure = defaults.error;
  if (!volumes.ok) {
    stage.failure = volumes.error;
    return stage;
  }
  stage.volumes = volumes.value;
  for (const volume of volumes.value) {
    if (!volume.encrypted || !volume.kmsKeyId) continue;
    // The same key may appear as an id on one volume and an ARN on another.
    const existing = stage.keyRefs.find((ref) => keyToken(ref) === keyToken(volume.kmsKeyId!));
    const ref = existing ?? volume.kmsKeyId;
    if (!existing) stage.keyRefs.push(ref);
    stage.volumesByKeyRef.set(ref, [...(stage.volumesByKeyRef.get(ref) ?? []), volume.id]);
  }
  return stage;
}

/** A KeyInfo from a key ARN alone, so later checks can run when DescribeKey could not. */
function keyFromArn(ref: string): KeyInfo | undefined {
  const match = ref.match(/^arn:[\w-]+:kms:[\w-]+:(\d{12}):key\/(.+)$/);
  if (!match) return undefined;
  return { keyId: match[2], arn: ref, accountId: match[1], state: 'unknown', manager: 'CUSTOMER' };
}

function keyRecordOf(ref: KeyRef, outcome: Outcome<KeyInfo>): KeyRecord {
  if (outcome.ok) return { ...ref, key: outcome.value, described: true };
  const record: KeyRecord = { ...ref, described: false, failure: outcome.error };
  if (outcome.error.kind !== 'not-found') {
    const derived = keyFromArn(ref.ref);
    if (derived) record.key = derived;
  }
  return record;
}

function principalStageOf(
  window: PrincipalStage['window'],
  caller: Outcome<CallerIdentity>,
  grants: Outcome<TrailEvent[]>,
  starts: Outcome<TrailEvent[]> | undefined,
  instanceId: string,
  keyRefs: string[],
): PrincipalStage {
  const stage: PrincipalStage = { window, failedGrants: [], denials: [], starts: [] };
  if (caller.ok) stage.caller = caller.value;
  else stage.callerFailure = caller.error;
  if (grants.ok) {
    stage.grantEvents = grants.value;
    stage.failedGrants = failedGrantEvents(grants.value, instanceId, keyRefs);
    stage.denials = stage.failedGrants.filter(isAccessDenied);
  } else stage.grantFailure = grants.error;
  if (starts?.ok) {
    stage.startEvents = starts.value;
    stage.starts = startEventsFor(starts.value, instanceId);
  } else if (starts) stage.startFailure = starts.error;

  stage.principal = principalUnderTest(stage, instanceId);
  return stage;
}

/** The newest event with a known caller, a denial before any other failure. */
function newestCalling(events: readonly TrailEvent[]): TrailEvent | undefined {
  return events.find((e) => isAccessDenied(e) && eventCaller(e)) ?? events.find((e) => eventCaller(e));
}

/**
 * Who started the instance, strongest evidence first: a failed grant naming this instance
 * (it names the caller whatever the error); a failed grant on its keys naming no instance,
 * only when nothing names this one, and only from the caller of its StartInstances when
 * there is one; that StartInstances; the profile's identity. A failed grant naming another
 * instance (a key shared by several) never decides.
 */
function principalUnderTest(stage: PrincipalStage, instanceId: string): PrincipalInfo | undefined {
  const forInstance = newestCalling(stage.failedGrants.filter((e) => eventInstance(e, instanceId) === 'this'));
  if (forInstance) return principalFromArn(eventCaller(forInstance)!, 'cloudtrail-create-grant', forInstance.sessionIssuerArn);
  const started = stage.starts.find((e) => e.userArn);
  const starter = started ? principalFromArn(started.userArn!, 'cloudtrail-start-instances', started.sessionIssuerArn) : undefined;
  const unnamed = stage.failedGrants.filter((e) => eventInstance(e, instanceId) === 'unknown' && (!starter || isPrincipalUnderTest(eventCaller(e) ?? '', starter)));
  const keyOnly = newestCalling(unnamed);
  if (keyOnly) return principalFromArn(eventCaller(keyOnly)!, 'cloudtrail-create-grant', keyOnly.sessionIssuerArn ?? started?.sessionIssuerArn);
  if (starter) return starter;
  return stage.caller ? principalFromArn(stage.caller.arn, 'caller-identity') : undefined;
}

/** Says which account's access a cross-account key policy needs, and which profiles could give it. */
function keyPolicyHint(failure: AwsFailure, key: KeyInfo, input: DiagnosisInput, caller: CallerIdentity | undefined): string {
  const base = permissionHint(failure, 'kms:GetKeyPolicy', input.profile, key.arn);
  if (!caller || caller.account === key.accountId) return base;
  const profiles = input.profilesByAccount?.[key.accountId] ?? [];
  return profiles.length > 0
    ? `The key is in account ${key.accountId} and GetKeyPolicy does not work across accounts: allow kms:GetKeyPolicy on the key for profile ${profiles.map((p) => `"${p}"`).join(' or ')} of that account.`
    : `The key is in account ${key.accountId} and GetKeyPolicy does not work across accounts: configure a profile for account ${key.accountId} with kms:GetKeyPolicy on the key, or ask the key's owner for its policy.`;
}

/** Why a key's policy needs no evaluation, or undefined when it does. */
function keyPolicySkip(record: KeyRecord, principal: PrincipalStage['principal']): KeyPolicyResult | undefined {
  const key = record.key!;
  if (record.described && key.state !== 'Enabled') {
    return { keyArn: key.arn, outcome: 'skipped', reason: `the key is ${key.state}: its state blocks the start whatever the policy says.` };
  }
  if (key.manager === 'AWS') {
    return { keyArn: key.arn, outcome: 'skipped', reason: 'AWS managed key: its fixed policy allows callers in the account through EC2.' };
  }
  if (!principal) return { keyArn: key.arn, outcome: 'skipped', reason: 'no principal to evaluate the policy for.' };
  return undefined;
}

function keyPolicyFromOutcome(
  key: KeyInfo,
  outcome: Outcome<{ policy: string; via: string }>,
  principal: PrincipalInfo,
  input: DiagnosisInput,
  caller: CallerIdentity | undefined,
): KeyPolicyResult {
  if (!outcome.ok) return { keyArn: key.arn, outcome: 'failed', failure: outcome.error, nextStep: keyPolicyHint(outcome.error, key, input, caller) };
  const evaluation = evaluateCreateGrant(outcome.value.policy, principal.arn, {
    region: input.region,
    keyArn: key.arn,
    keyAccount: key.accountId,
    // aws:PrincipalArn carries the role's path only when CloudTrail (or a known path) gave it.
    ...(principal.policyArnCertain && principal.policyArn ? { principalPolicyArn: principal.policyArn } : {}),
  });
  return { keyArn: key.arn, outcome: 'evaluated', verdict: evaluation.verdict, reason: evaluation.reason, matched: evaluation.matched, via: outcome.value.via };
}

const GRANT_CONTEXT = (region: string) => [
  { key: 'kms:GrantIsForAWSResource', type: 'boolean' as const, values: ['true'] },
  { key: 'kms:ViaService', type: 'string' as const, values: [`ec2.${region}.amazonaws.com`] },
];

async function iamStageOf(
  principal: PrincipalStage['principal'],
  keys: KeyInfo[],
  ports: DiagnosisPorts,
  call: CallOptions,
  input: DiagnosisInput,
  caller: CallerIdentity | undefined,
): Promise<IamStage> {
  if (keys.length === 0) return { outcome: 'skipped', reason: 'No usable key to check.', notPermitted: false };
  if (!principal) return { outcome: 'skipped', reason: 'Who starts the instance is unknown: nothing to simulate.', notPermitted: false };
  if (principal.kind === 'root') {
    return { outcome: 'skipped', reason: `${principal.arn} is the account root: IAM policies do not restrict it (only SCPs and the key policy can).`, notPermitted: false };
  }
  if (!canSimulate(principal)) {
    return { outcome: 'skipped', reason: `IAM can simulate users and roles only, not ${principal.arn}.`, notPermitted: false };
  }
  const policyArn = principal.policyArn!;
  if (caller && principal.account && caller.account !== principal.account) {
    return {
      outcome: 'skipped',
      reason: `${policyArn} is in account ${principal.account}; profile "${input.profile}" is in ${caller.account} and cannot simulate it.`,
      nextStep: `Diagnose with a profile of account ${principal.account} allowed iam:SimulatePrincipalPolicy on ${policyArn} to check the IAM side.`,
      notPermitted: true,
    };
  }
  const outcome = await ports.simulatePrincipalPolicy(
    { policySourceArn: policyArn, actionNames: ['kms:CreateGrant'], resourceArns: keys.map((k) => k.arn), context: GRANT_CONTEXT(input.region) },
    call,
  );
  if (outcome.ok) return { outcome: 'simulated', policyArn, results: outcome.value };
  const failure = outcome.error;
  if (failure.kind === 'access-denied') {
    return {
      outcome: 'skipped',
      reason: `Not permitted to simulate the IAM policies of ${policyArn} (${failure.message}).`,
      nextStep: permissionHint(failure, 'iam:SimulatePrincipalPolicy', input.profile, policyArn),
      notPermitted: true,
    };
  }
  const caveat = failure.kind === 'not-found' ? rolePathCaveat(principal) : undefined;
  return {
    outcome: 'failed',
    failure,
    nextStep: caveat ? `IAM has no ${policyArn}. ${caveat}` : permissionHint(failure, 'iam:SimulatePrincipalPolicy', input.profile, policyArn),
  };
}

function timelineOf(instance: InstanceSummary | undefined, principal: PrincipalStage | undefined): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  if (instance?.launchTime) entries.push({ time: instance.launchTime, label: 'Last launch (LaunchTime)' });
  const stopped = timeFromTransitionReason(instance?.stateTransitionReason);
  if (stopped) entries.push({ time: stopped.toISOString(), label: `Instance ${instance?.state ?? 'stopped'} (StateTransitionReason)`, detail: instance?.stateTransitionReason });
  for (const event of principal?.starts ?? []) {
    entries.push({ time: event.eventTime, label: 'StartInstances', detail: `by ${event.userArn ?? 'unknown caller'}` });
  }
  for (const event of principal?.failedGrants ?? []) {
    const key = eventKeyRef(event);
    entries.push({
      time: event.eventTime,
      label: isAccessDenied(event) ? 'CreateGrant denied' : 'CreateGrant failed',
      detail: `${eventCaller(event) ?? 'unknown caller'}${key ? ` on ${key}` : ''}: ${event.errorCode ?? ''}${event.errorMessage ? ` ${event.errorMessage}` : ''}`.trim(),
    });
  }
  for (const entry of entries) {
    const parsed = new Date(entry.time);
    if (!Number.isNaN(parsed.getTime())) entry.time = parsed.toISOString();
  }
  return entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

function assemble(parts: {
  input: DiagnosisInput;
  instanceStage: InstanceStage;
  steps: Map<StepId, DiagnosisStep>;
  verdict: DiagnosisReport['verdict'];
  fixes: DiagnosisReport['fixes'];
  keys: KeyInfo[];
  principal?: DiagnosisReport['principal'];
  timeline: TimelineEntry[];
  stats: DiagnosisReport['calls'];
  now: () => Date;
}): DiagnosisReport {
  const { input, instanceStage } = parts;
  const report: DiagnosisReport = {
    schemaVersion: 1,
    instanceId: input.instanceId,
    profile: input.profile,
    region: input.region,
    generatedAt: parts.now().toISOString(),
    verdict: parts.verdict,
    steps: STEP_ORDER.map((id) => parts.steps.get(id)).filter((s): s is DiagnosisStep => s !== undefined),
    fixes: parts.fixes,
    timeline: parts.timeline,
    keys: parts.keys,
    calls: parts.stats,
  };
  const instance = instanceStage.instance;
  if (instance && instanceStage.classification) {
    report.instance = {
      state: instance.state,
      stateReasonKind: instanceStage.classification.kind,
      ...(instance.name ? { name: instance.name } : {}),
      ...(instance.stateReason ? { stateReason: instance.stateReason } : {}),
      ...(instance.launchTime ? { launchTime: instance.launchTime } : {}),
    };
  }
  if (parts.principal) report.principal = parts.principal;
  return report;
}
