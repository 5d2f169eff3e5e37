/**
 * Builds each report step from what its stage learned. Pure: the same stage data always
 * gives the same step, which is what the tests and the progress UI rely on.
 */
import type { LaunchKeyOrigin } from '../launch/launchKeys';
import type { AwsFailure, KeyInfo, TrailEvent } from '../model';
import { failureText, type ProfileMessages } from './messages';
import { concernsPrincipal, rolePathCaveat } from './principal';
import { identityDecides, identityPolicyDecision, keyStateRemedy, simulationFor } from './rules';
import type { IamStage, InstanceStage, KeyPolicyResult, KeyRecord, PrincipalStage, VolumeStage } from './stages';
import { describeDenial, denialKind, eventCaller, eventKeyRef, isAccessDenied, isGrantQuotaFailure } from './trail';
import {
  STEP_TITLES,
  type DiagnosisStep,
  type Evidence,
  type PrincipalSource,
  type StepId,
  type StepStatus,
} from './types';

function step(id: StepId, status: StepStatus, summary: string, evidence: Evidence[], nextStep?: string): DiagnosisStep {
  const built: DiagnosisStep = { id, title: STEP_TITLES[id], status, summary, evidence };
  if (nextStep) built.nextStep = nextStep;
  return built;
}

/** A step that did not run because an earlier finding made it unnecessary or impossible. */
export function skippedStep(id: StepId, reason: string): DiagnosisStep {
  return step(id, 'skip', reason, []);
}

/** Step 1: the instance's state and its classified StateReason; `fail` for a launch failure. */
export function instanceStep(
  stage: InstanceStage,
  target: { instanceId: string; region: string },
  say: ProfileMessages,
): DiagnosisStep {
  if (stage.outcome === 'failed') {
    const { failure } = stage;
    const failed = step(
      'instance-state',
      'error',
      `Could not read instance ${target.instanceId} in ${target.region}.`,
      [{ label: 'DescribeInstances', value: failureText(failure) }],
      failure.kind === 'not-found'
        ? say.instanceNotFound(target.region)
        : say.permissionHint(failure, 'ec2:DescribeInstances'),
    );
    return { ...failed, failureKind: failure.kind };
  }
  const { instance, classification } = stage;
  const evidence: Evidence[] = [];
  if (instance.name) evidence.push({ label: 'Name', value: instance.name });
  evidence.push({ label: 'State', value: instance.state });
  evidence.push({ label: 'StateReason code', value: instance.stateReason?.code || '(none)' });
  evidence.push({ label: 'StateReason message', value: instance.stateReason?.message || '(none)' });
  if (instance.stateTransitionReason)
    evidence.push({ label: 'State transition reason', value: instance.stateTransitionReason });
  if (instance.launchTime) evidence.push({ label: 'Last launch time', value: instance.launchTime });
  evidence.push({
    label: 'Classified as',
    value: `${classification.kind}${classification.isLaunchFailure ? ' (launch failure)' : ' (not a launch failure)'}`,
  });
  // Outside a diagnosis the next step of a KMS cause is "Run Diagnose"; inside one, the KMS checks follow.
  const nextStep = classification.needsKmsChecks
    ? 'The checks below look at the volumes, their KMS keys and the grant permission.'
    : classification.nextStep;
  return step(
    'instance-state',
    classification.isLaunchFailure ? 'fail' : 'pass',
    classification.summary,
    evidence,
    nextStep,
  );
}

/** Step 2: which volumes are encrypted and with which key, plus the account's EBS defaults as context. */
export function volumesStep(stage: VolumeStage, say: ProfileMessages, instanceVolumeIds: string[]): DiagnosisStep {
  const evidence: Evidence[] = [];
  if (stage.defaults.ok) {
    evidence.push({ label: 'Encryption by default', value: stage.defaults.value.encryptionByDefault ? 'on' : 'off' });
    evidence.push({
      label: 'Default EBS key',
      value: stage.defaults.value.defaultKmsKeyId ?? 'alias/aws/ebs (AWS managed)',
    });
  } else {
    evidence.push({ label: 'Default EBS key', value: `unavailable (${failureText(stage.defaults.error)})` });
  }
  if (stage.outcome === 'failed') {
    return step(
      'volumes',
      'error',
      `Could not read the instance's volumes (${instanceVolumeIds.join(', ') || 'none listed'}).`,
      [{ label: 'DescribeVolumes', value: failureText(stage.failure) }, ...evidence],
      say.permissionHint(stage.failure, 'ec2:DescribeVolumes'),
    );
  }
  if (instanceVolumeIds.length === 0) {
    return step(
      'volumes',
      'skip',
      'The instance lists no EBS volumes (EC2 drops them from an instance terminated at launch): the keys come from CloudTrail, the launch template, the AMI snapshots and the EBS defaults.',
      evidence,
    );
  }
  for (const volume of stage.volumes) {
    evidence.unshift({
      label: volume.id,
      value: volume.encrypted ? `encrypted with ${volume.kmsKeyId ?? 'an unnamed key'}` : 'not encrypted',
    });
  }
  const encrypted = stage.volumes.filter((v) => v.encrypted);
  if (encrypted.length === 0) {
    return step('volumes', 'pass', 'No volume is encrypted: KMS cannot have stopped this instance.', evidence);
  }
  const keyCount = stage.keyRefs.length;
  return step(
    'volumes',
    'pass',
    `${encrypted.length} of ${stage.volumes.length} volume(s) encrypted, with ${keyCount} KMS key(s).`,
    evidence,
  );
}

function describeKeyInfo(key: KeyInfo): string {
  const aliases = key.aliases && key.aliases.length > 0 ? `, aliases ${key.aliases.join(', ')}` : '';
  return `${key.state}, ${key.manager === 'AWS' ? 'AWS managed' : 'customer managed'}, account ${key.accountId}${aliases}${key.deletionDate ? `, deletion on ${key.deletionDate}` : ''}`;
}

/** Where the principal came from, for people; the profile's identity is worded by `ProfileMessages`. */
const PRINCIPAL_SOURCE_TEXT: Partial<Record<PrincipalSource, string>> = {
  'cloudtrail-create-grant': 'the denied CreateGrant event (strongest evidence)',
  'cloudtrail-kms-denial': 'the denied KMS event of the launch (strongest evidence)',
  'cloudtrail-start-instances': 'the StartInstances event',
  'auto-scaling-group': "the Auto Scaling group's service-linked role (ServiceLinkedRoleARN)",
};

/** How a key not read from a volume is labelled, by where it came from. */
const ORIGIN_LABELS: Record<LaunchKeyOrigin, (devices: string[]) => string> = {
  'kms-event': () => 'named by CloudTrail',
  'launch-template': (devices) => `from the launch template${devices.length > 0 ? `: ${devices.join(', ')}` : ''}`,
  'ami-snapshot': (devices) => `from the AMI's snapshot${devices.length > 0 ? `: ${devices.join(', ')}` : ''}`,
  'ebs-default': () => "the account's default EBS key (encryption by default)",
};

/** What the volumes step saw: the keys come from CloudTrail unless the volumes were `read`. */
export type VolumesSeen = 'read' | 'unreadable' | 'none-listed';

const NO_KEY: Record<VolumesSeen, string> = {
  read: 'No encrypted volume: no key to check.',
  unreadable: 'No key to check: the volumes could not be read and CloudTrail named no key for this instance.',
  'none-listed': 'No key to check: the instance lists no volumes and CloudTrail named no key for it.',
};

/** Step 3: each key's state and manager; `fail` names a key that is gone or not Enabled, with its remedy. */
export function keysStep(records: KeyRecord[], say: ProfileMessages, volumes: VolumesSeen): DiagnosisStep {
  if (records.length === 0) return skippedStep('kms-keys', NO_KEY[volumes]);
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const remedies: string[] = [];
  const errors: string[] = [];
  for (const record of records) {
    const label = record.outcome === 'described' || record.outcome === 'derived' ? record.key.arn : record.ref;
    const used =
      record.volumeIds.length > 0
        ? ` (${record.volumeIds.join(', ')})`
        : record.fromTrail
          ? ` (${ORIGIN_LABELS[record.origin ?? 'kms-event'](record.devices ?? [])})`
          : '';
    if (record.outcome === 'described') {
      evidence.push({ label: `${label}${used}`, value: describeKeyInfo(record.key) });
      if (record.key.state !== 'Enabled') {
        problems.push(`${label} is ${record.key.state}`);
        remedies.push(keyStateRemedy(record.key));
      }
    } else if (record.outcome === 'not-found') {
      evidence.push({ label: `${label}${used}`, value: `does not exist (${record.failure.message})` });
      problems.push(`${label} does not exist`);
      remedies.push(
        `The volume's key is gone; its data cannot be decrypted. Restore the volume from a backup encrypted with an existing key.`,
      );
    } else {
      evidence.push({ label: `${label}${used}`, value: `DescribeKey failed: ${failureText(record.failure)}` });
      errors.push(say.permissionHint(record.failure, 'kms:DescribeKey', label));
    }
  }
  if (problems.length > 0)
    return step('kms-keys', 'fail', `Key problem: ${problems.join('; ')}.`, evidence, remedies.join(' '));
  if (errors.length > 0) {
    return step(
      'kms-keys',
      'error',
      `Could not describe ${errors.length} of ${records.length} key(s).`,
      evidence,
      errors.join(' '),
    );
  }
  const aws = records.filter((r) => r.outcome === 'described' && r.key.manager === 'AWS').length;
  return step(
    'kms-keys',
    'pass',
    `Every key is Enabled${aws > 0 ? ` (${aws} AWS managed: only an explicit Deny in IAM or an SCP can block it)` : ''}.`,
    evidence,
  );
}

function eventLine(event: TrailEvent): string {
  const parts = [event.eventTime, eventCaller(event) ?? 'unknown caller', event.errorCode ?? ''];
  const key = eventKeyRef(event);
  if (key) parts.push(`key ${key}`);
  parts.push(isAccessDenied(event) ? describeDenial(denialKind(event.errorMessage)) : (event.errorMessage ?? ''));
  return parts.filter((p) => p !== '').join(' | ');
}

function lookupFailure(lookup: PrincipalStage['startLookup']): AwsFailure | undefined {
  return lookup.outcome === 'failed' ? lookup.failure : undefined;
}

/** The evidence of step 4: the profile's identity, the CloudTrail window and what it held. */
function principalEvidence(stage: PrincipalStage, say: ProfileMessages): Evidence[] {
  const evidence: Evidence[] = [];
  evidence.push({
    label: say.profileIdentityLabel(),
    value: stage.caller.ok ? stage.caller.value.arn : `unavailable (${failureText(stage.caller.error)})`,
  });
  evidence.push({
    label: 'CloudTrail window',
    value: `${stage.window.startTime.toISOString()} to ${stage.window.endTime.toISOString()} (${stage.window.anchor})`,
  });
  if (stage.grantLookup.outcome === 'failed')
    evidence.push({ label: 'CreateGrant events', value: `unavailable (${failureText(stage.grantLookup.failure)})` });
  else if (stage.failedGrants.length === 0)
    evidence.push({ label: 'Failed CreateGrant events', value: 'none for this instance or its keys' });
  stage.failedGrants.slice(0, 5).forEach((event, i) =>
    evidence.push({
      label: `${isAccessDenied(event) ? 'Denied' : 'Failed'} ${event.eventName} ${i + 1}`,
      value: eventLine(event),
    }),
  );
  if (stage.startLookup.outcome === 'failed')
    evidence.push({ label: 'StartInstances events', value: `unavailable (${failureText(stage.startLookup.failure)})` });
  else if (stage.startLookup.outcome === 'not-looked-up')
    evidence.push({ label: 'StartInstances events', value: 'not looked up: the failed CreateGrant names the caller' });
  else if (stage.starts.length === 0)
    evidence.push({ label: 'StartInstances events', value: 'none naming this instance' });
  else
    evidence.push({
      label: 'Last StartInstances',
      value: `${stage.starts[0].eventTime} by ${stage.starts[0].userArn ?? 'unknown caller'}`,
    });
  const principal = stage.principal;
  if (principal) {
    const from = PRINCIPAL_SOURCE_TEXT[principal.source] ?? say.assumedFromProfile();
    evidence.push({ label: 'Principal under test', value: `${principal.arn}, from ${from}` });
    if (principal.policyArn && principal.policyArn !== principal.arn)
      evidence.push({ label: 'IAM entity', value: principal.policyArn });
    const caveat = rolePathCaveat(principal);
    if (caveat) evidence.push({ label: 'Role path', value: caveat });
  }
  return evidence;
}

/** Step 4: who started the instance, from CloudTrail's failed grant, its StartInstances, or the profile identity. */
export function principalStep(
  stage: PrincipalStage,
  instanceId: string,
  say: ProfileMessages,
  now: Date,
): DiagnosisStep {
  const evidence = principalEvidence(stage, say);
  const trailFailure = lookupFailure(stage.grantLookup) ?? lookupFailure(stage.startLookup);
  const trailHint = trailFailure
    ? say.permissionHint(trailFailure, 'cloudtrail:LookupEvents') +
      ' CloudTrail names who started the instance and whether KMS denied the grant.'
    : undefined;
  const principal = stage.principal;
  if (!principal) {
    return step(
      'principal',
      'error',
      'Could not tell who started the instance.',
      evidence,
      trailHint ?? (stage.caller.ok ? undefined : stage.caller.error.nextStep),
    );
  }
  const ofPrincipal = (event: TrailEvent): boolean => concernsPrincipal(event, principal, instanceId);
  const denial = stage.denials.find(ofPrincipal);
  if (denial) {
    const caller = eventCaller(denial) ?? principal.arn;
    return step(
      'principal',
      'fail',
      `KMS denied ${denial.eventName} to ${caller} (${describeDenial(denialKind(denial.errorMessage))}).`,
      evidence,
      trailHint,
    );
  }
  const otherFailure = stage.failedGrants.find(ofPrincipal);
  if (otherFailure && !trailFailure) {
    const cause = isGrantQuotaFailure(otherFailure) ? "the key's grant quota" : 'a key state problem';
    return step(
      'principal',
      'pass',
      `Started by ${principal.arn}; KMS refused the grant with ${otherFailure.errorCode ?? 'an error'} (${otherFailure.errorMessage ?? 'no message'}), ${cause} rather than a permission.`,
      evidence,
    );
  }
  if (trailFailure) {
    return step(
      'principal',
      'error',
      `CloudTrail could not be read, so who started the instance is unknown. ${say.assumedPrincipal(principal.arn)}`,
      evidence,
      trailHint,
    );
  }
  const recent = now.getTime() - stage.window.endTime.getTime() < 15 * 60 * 1000;
  const delayNote =
    recent && stage.starts.length === 0
      ? ' CloudTrail delivers events within about 5 minutes (sometimes 15): diagnose again shortly for stronger evidence.'
      : '';
  const others = [...new Set(stage.denials.map((e) => eventCaller(e) ?? 'an unknown caller'))];
  const trailSays =
    others.length > 0
      ? `CloudTrail shows CreateGrant on its keys denied only to other callers (${others.join(', ')}), not to it.`
      : 'CloudTrail shows no denied CreateGrant for its keys.';
  return step(
    'principal',
    'pass',
    principal.source === 'caller-identity'
      ? `CloudTrail shows no start or denied grant for this instance, so who started it is unknown. ${say.assumedPrincipal(principal.arn)}${delayNote}`
      : `Started by ${principal.arn}; ${trailSays}`,
    evidence,
    delayNote ? delayNote.trim() : undefined,
  );
}

/** Step 5: the key policy evaluated for the principal; `fail` when it cannot allow EC2's grant. */
export function keyPolicyStep(results: KeyPolicyResult[], skipReason: string | undefined): DiagnosisStep {
  if (results.length === 0) return skippedStep('key-policy', skipReason ?? 'No customer managed key to check.');
  const evidence: Evidence[] = [];
  const denied: string[] = [];
  const failed: string[] = [];
  for (const result of results) {
    if (result.outcome === 'evaluated') {
      evidence.push({ label: result.keyArn, value: `${result.verdict}: ${result.reason}` });
      evidence.push({ label: 'Read with profile', value: result.via });
      if (result.verdict === 'denied') denied.push(result.reason);
    } else if (result.outcome === 'failed') {
      evidence.push({ label: result.keyArn, value: `GetKeyPolicy failed: ${failureText(result.failure)}` });
      failed.push(result.nextStep);
    } else {
      evidence.push({ label: result.keyArn, value: `skipped: ${result.reason}` });
    }
  }
  if (denied.length > 0) return step('key-policy', 'fail', denied.join(' '), evidence, failed.join(' ') || undefined);
  if (failed.length > 0)
    return step('key-policy', 'error', 'Could not read the key policy.', evidence, failed.join(' '));
  const evaluated = results.filter((r) => r.outcome === 'evaluated');
  if (evaluated.length === 0)
    return step(
      'key-policy',
      'skip',
      results
        .map((r) => (r.outcome === 'skipped' ? r.reason : ''))
        .join(' ')
        .trim(),
      evidence,
    );
  const relies = evaluated.some((r) => r.outcome === 'evaluated' && r.verdict === 'relies-on-iam');
  return step(
    'key-policy',
    'pass',
    relies
      ? 'The key policy lets IAM decide (account delegation): the IAM step tells whether the caller may create the grant.'
      : 'The key policy allows the caller to create the grant.',
    evidence,
  );
}

/** Step 6: the IAM simulation per key; implicit denies count only where IAM decides for that key. */
export function iamStep(
  stage: IamStage,
  keys: KeyInfo[],
  keyPolicies: KeyPolicyResult[],
  principalAccount: string | undefined,
  roleCaveat: string | undefined,
): DiagnosisStep {
  if (stage.outcome === 'skipped') {
    return step('iam-policy', 'skip', stage.reason, [], stage.nextStep);
  }
  if (stage.outcome === 'failed') {
    const evidence: Evidence[] = [{ label: 'SimulatePrincipalPolicy', value: failureText(stage.failure) }];
    if (roleCaveat && stage.failure.kind === 'not-found') evidence.push({ label: 'Role path', value: roleCaveat });
    return step('iam-policy', 'error', 'Could not simulate the IAM policies.', evidence, stage.nextStep);
  }
  const evidence: Evidence[] = [{ label: 'Simulated for', value: stage.policyArn }];
  if (roleCaveat) evidence.push({ label: 'Role path', value: roleCaveat });
  evidence.push({
    label: 'Context',
    value: 'kms:GrantIsForAWSResource=true, kms:ViaService=ec2.<region>.amazonaws.com',
  });
  const problems: string[] = [];
  for (const key of keys) {
    const result = simulationFor(stage.results, key);
    if (!result) {
      evidence.push({ label: key.arn, value: 'no result' });
      continue;
    }
    const sources = result.matchedStatements
      .map((s) => [s.sourcePolicyType, s.sourcePolicyId].filter(Boolean).join(' '))
      .filter((s) => s !== '');
    const extras: string[] = [];
    if (result.allowedByOrganizations === false) extras.push('blocked by an SCP');
    if (result.allowedByPermissionsBoundary === false) extras.push('blocked by the permissions boundary');
    if (result.missingContextValues.length > 0)
      extras.push(`missing context: ${result.missingContextValues.join(', ')}`);
    const decision = identityPolicyDecision(result);
    if (decision !== result.decision)
      extras.push(`its IAM policies: ${decision} (the key's account decides through the key policy)`);
    const decides = identityDecides(
      key,
      keyPolicies.find((p) => p.keyArn === key.arn),
      principalAccount,
    );
    evidence.push({
      label: key.arn,
      value: `${result.decision}${sources.length > 0 ? ` (${sources.join('; ')})` : ''}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}${decides ? '' : ' (IAM does not decide for this key unless it denies)'}`,
    });
    if (decision === 'explicitDeny') problems.push(`an explicit Deny blocks kms:CreateGrant on ${key.arn}`);
    else if (decision === 'implicitDeny' && decides)
      problems.push(`no IAM policy allows kms:CreateGrant on ${key.arn}`);
  }
  if (problems.length > 0) return step('iam-policy', 'fail', `IAM: ${problems.join('; ')}.`, evidence);
  return step('iam-policy', 'pass', 'The IAM policies allow the grant (or are not needed for these keys).', evidence);
}
