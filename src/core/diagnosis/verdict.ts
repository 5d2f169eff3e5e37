/**
 * The verdict: from the stages to one verdict with a stable code, a confidence and the fixes.
 * Confidence counts independent sources that agree (CloudTrail's denied event, the key
 * policy evaluation, the IAM simulation); a relevant check that could not run caps it.
 */
import type { StateReasonClassification, StateReasonKind } from '../stateReason';
import { policyArnOf, type Candidate } from './candidate';
import { assessGrant } from './grantVerdict';
import type { ProfileMessages } from './messages';
import { keyStateRemedy, knownKey, usableKey } from './rules';
import type { KeyRecord, VerdictStages } from './stages';
import { eventInstance, eventKeyRef, isGrantQuotaFailure, refersToKey, sameKeyRef } from './trail';
import type { Confidence, Fix, KeyStateFix, PrincipalInfo, Verdict, VerdictCode } from './types';

/** A short title per verdict code, for headings and notifications. */
const VERDICT_TITLES: Record<VerdictCode, string> = {
  'kms-create-grant-not-allowed': 'Missing kms:CreateGrant permission',
  'kms-create-grant-explicit-deny': 'An explicit Deny blocks kms:CreateGrant',
  'kms-key-disabled': 'The volume key is disabled',
  'kms-key-pending-deletion': 'The volume key is pending deletion',
  'kms-key-pending-import': 'The volume key has no key material',
  'kms-key-unavailable': 'The volume key is unavailable',
  'kms-key-not-found': 'The volume key does not exist',
  'kms-grant-limit-exceeded': 'The volume key has too many grants',
  'volume-limit-exceeded': 'EBS volume limit exceeded',
  'snapshot-not-found': 'Snapshot not found',
  'insufficient-capacity': 'Insufficient instance capacity',
  'user-initiated-stop': 'Stopped on request',
  'instance-initiated-shutdown': 'The operating system shut the instance down',
  'scheduled-stop': 'Stopped by AWS (scheduled)',
  'spot-interruption': 'Spot interruption',
  'not-stopped': 'Not stopped',
  unknown: 'No verdict',
};

/** Verdicts straight from the state reason, when the KMS checks are not needed. */
const VERDICT_BY_REASON: Partial<Record<StateReasonKind, VerdictCode>> = {
  'user-initiated-stop': 'user-initiated-stop',
  'user-initiated-hibernate': 'user-initiated-stop',
  'instance-initiated-shutdown': 'instance-initiated-shutdown',
  'scheduled-stop': 'scheduled-stop',
  'spot-interruption': 'spot-interruption',
  'not-stopped': 'not-stopped',
  'volume-limit-exceeded': 'volume-limit-exceeded',
  'snapshot-not-found': 'snapshot-not-found',
  'insufficient-capacity': 'insufficient-capacity',
};

const VERDICT_BY_KEY_STATE: Record<string, { code: VerdictCode; action: KeyStateFix['action'] }> = {
  Disabled: { code: 'kms-key-disabled', action: 'enable-key' },
  PendingDeletion: { code: 'kms-key-pending-deletion', action: 'cancel-key-deletion' },
  PendingReplicaDeletion: { code: 'kms-key-pending-deletion', action: 'cancel-key-deletion' },
  PendingImport: { code: 'kms-key-pending-import', action: 'import-key-material' },
  Unavailable: { code: 'kms-key-unavailable', action: 'connect-custom-key-store' },
  Creating: { code: 'kms-key-unavailable', action: 'wait' },
  Updating: { code: 'kms-key-unavailable', action: 'wait' },
};

/** Lower rank wins when several keys have findings: a gone or unusable key beats permissions. */
const RANK: Partial<Record<VerdictCode, number>> = {
  'kms-key-not-found': 0,
  'kms-key-pending-deletion': 1,
  'kms-key-disabled': 1,
  'kms-key-pending-import': 1,
  'kms-key-unavailable': 1,
  'kms-grant-limit-exceeded': 1,
  'kms-create-grant-explicit-deny': 2,
  'kms-create-grant-not-allowed': 3,
};

/** Decides the verdict and the fixes, most important first. */
export function decideVerdict(stages: VerdictStages): { verdict: Verdict; fixes: Fix[] } {
  const caveats = stages.limitations.map((l) => l.text);
  if (stages.instance.outcome === 'failed') {
    return {
      verdict: {
        code: 'unknown',
        confidence: 'low',
        title: VERDICT_TITLES.unknown,
        summary: `Could not read instance ${stages.target.instanceId}: ${stages.instance.failure.message}.`,
        nextStep: stages.instance.failure.nextStep,
        caveats,
      },
      fixes: [],
    };
  }
  const { classification } = stages.instance;
  if (!classification.needsKmsChecks) return { verdict: verdictFromReason(classification, caveats), fixes: [] };

  const candidates: Candidate[] = stages.keys
    .flatMap((record) => [assessKeyState(record), grantQuotaCandidate(record, stages)])
    .filter((c): c is Candidate => c !== undefined);
  const principal = stages.principal?.principal;
  let uncheckedKeys = 0;
  if (principal) {
    for (const record of stages.keys) {
      const key = usableKey(record);
      if (!key) continue;
      const result = assessGrant(record, key, principal, stages);
      if (result === 'unchecked') uncheckedKeys++;
      else if (result)
        candidates.push(
          principal.source === 'caller-identity' ? assumedPrincipalCandidate(result, principal, stages.say) : result,
        );
    }
  }
  candidates.sort((a, b) => (RANK[a.code] ?? 9) - (RANK[b.code] ?? 9));
  const best = candidates[0];
  if (!best) return { verdict: noFindingVerdict(stages, classification, principal, uncheckedKeys, caveats), fixes: [] };
  return {
    verdict: {
      code: best.code,
      confidence: best.confidence,
      title: VERDICT_TITLES[best.code],
      summary: best.summary,
      nextStep: best.nextStep,
      ...(best.keyArn ? { keyArn: best.keyArn } : {}),
      ...(best.principalArn ? { principalArn: best.principalArn } : {}),
      caveats,
    },
    fixes: dedupeFixes([...best.fixes, ...candidates.slice(1).flatMap((c) => c.fixes)]),
  };
}

/**
 * A grant verdict about the profile's own identity, used only because no CloudTrail record
 * named who started the instance: it says so, names whom the fixes assume, and blames nobody.
 */
function assumedPrincipalCandidate(candidate: Candidate, principal: PrincipalInfo, say: ProfileMessages): Candidate {
  const assumed = policyArnOf(principal);
  const note = say.assumedPrincipalNote(assumed);
  return {
    code: candidate.code,
    confidence: candidate.confidence,
    summary: `${say.unknownPrincipal(principal.arn)} ${candidate.summary}`,
    nextStep: candidate.nextStep,
    ...(candidate.keyArn ? { keyArn: candidate.keyArn } : {}),
    fixes: candidate.fixes.map((fix) =>
      fix.target === 'key-state' ? fix : { ...fix, note: fix.note ? `${note} ${fix.note}` : note },
    ),
  };
}

/** KMS refused EC2's grant on this key for its grant quota (LimitExceededException): no permission change helps. */
function grantQuotaCandidate(record: KeyRecord, stages: VerdictStages): Candidate | undefined {
  const key = knownKey(record);
  const instanceId = stages.target.instanceId;
  const refused = (stages.principal?.failedGrants ?? []).find((event) => {
    if (!isGrantQuotaFailure(event)) return false;
    const ref = eventKeyRef(event);
    if (ref) return key ? refersToKey(ref, key) : sameKeyRef(ref, record.ref);
    return stages.keys.length === 1 && eventInstance(event, instanceId) === 'this';
  });
  if (!refused) return undefined;
  const keyArn = key?.arn ?? record.ref;
  const forThisInstance = eventInstance(refused, instanceId) === 'this' && !record.fromTrail;
  return {
    code: 'kms-grant-limit-exceeded',
    confidence: forThisInstance ? 'high' : 'medium',
    keyArn,
    summary: `KMS refused the grant EC2 needs on ${keyArn} at ${refused.eventTime} with ${refused.errorCode ?? 'LimitExceededException'}${refused.errorMessage ? ` (${refused.errorMessage})` : ''}: the key holds as many grants as its quota allows. No permission change will help.`,
    nextStep: `List the key's grants (kms:ListGrants on ${keyArn}) and retire or revoke those no longer in use (kms:RetireGrant, kms:RevokeGrant), or request a higher "Grants per KMS key" quota in Service Quotas; then start the instance again.`,
    fixes: [],
  };
}

function verdictFromReason(classification: StateReasonClassification, caveats: string[]): Verdict {
  const code = VERDICT_BY_REASON[classification.kind] ?? 'unknown';
  return {
    code,
    confidence: code === 'unknown' ? 'low' : 'high',
    title: VERDICT_TITLES[code],
    summary: classification.summary,
    nextStep: classification.nextStep,
    caveats,
  };
}

function assessKeyState(record: KeyRecord): Candidate | undefined {
  const confidence: Confidence = record.fromTrail ? 'medium' : 'high';
  if (record.outcome === 'not-found') {
    const volumes = record.volumeIds.length > 0 ? record.volumeIds.join(', ') : 'the instance';
    return {
      code: 'kms-key-not-found',
      confidence,
      keyArn: record.ref,
      summary: `The key ${record.ref} of ${volumes} does not exist (KMS: ${record.failure.message}). EC2 cannot decrypt the volume.`,
      nextStep:
        "A deleted key cannot be recovered, nor can the volume's data. Restore the volume from a backup encrypted with an existing key, or check that the key ARN is the one you expect.",
      fixes: [],
    };
  }
  if (record.outcome !== 'described' || record.key.state === 'Enabled') return undefined;
  const { key } = record;
  const mapped = VERDICT_BY_KEY_STATE[key.state] ?? { code: 'kms-key-unavailable', action: 'wait' as const };
  const fix: KeyStateFix = { target: 'key-state', keyArn: key.arn, action: mapped.action, role: 'required' };
  if (key.manager === 'AWS') fix.note = 'AWS managed keys cannot be changed by the account; contact AWS Support.';
  return {
    code: mapped.code,
    confidence,
    keyArn: key.arn,
    summary: `The key ${key.arn} used by ${record.volumeIds.join(', ') || 'the instance'} is ${key.state}${key.deletionDate ? ` (deletion on ${key.deletionDate})` : ''}: EC2 cannot use it to decrypt the volume.`,
    nextStep: keyStateRemedy(key),
    fixes: [fix],
  };
}

function dedupeFixes(fixes: Fix[]): Fix[] {
  const seen = new Set<string>();
  return fixes.filter((fix) => {
    // The two statements AWS documents for a service-linked role share key, principal and role.
    const sid = 'statement' in fix ? fix.statement.Sid : undefined;
    const id = JSON.stringify([
      fix.target,
      fix.keyArn,
      'principalArn' in fix ? fix.principalArn : '',
      fix.role,
      typeof sid === 'string' ? sid : '',
    ]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function noFindingVerdict(
  stages: VerdictStages,
  classification: StateReasonClassification,
  principal: PrincipalInfo | undefined,
  uncheckedKeys: number,
  caveats: string[],
): Verdict {
  const base = { code: 'unknown' as const, title: VERDICT_TITLES.unknown, caveats };
  if (stages.volumes?.outcome === 'read' && stages.volumes.volumes.length === 0 && stages.keys.length === 0) {
    return {
      ...base,
      confidence: 'low',
      summary: `The instance lists no volumes (EC2 drops the block device mappings of an instance terminated at launch) and CloudTrail names no key for it, so its KMS keys could not be checked. ${classification.summary}`,
      nextStep:
        'Check the KMS keys of the launch template or AMI the instance was launched from: each must be Enabled and let the launching principal have EC2 create a grant (kms:CreateGrant with kms:GrantIsForAWSResource). Diagnose right after the next failed launch, while CloudTrail holds the denied grant.',
    };
  }
  if (stages.volumes?.outcome === 'read' && stages.volumes.volumes.length > 0 && stages.volumes.keyRefs.length === 0) {
    return {
      ...base,
      confidence: 'medium',
      summary: `No volume is encrypted, so KMS did not stop the instance. ${classification.summary}`,
      nextStep:
        'Other documented causes: a service control policy denying the instance identity, or a transient error. Start the instance again; if it stops again, diagnose right away.',
    };
  }
  if (!principal || uncheckedKeys > 0 || caveats.length > 0 || stages.keys.length === 0) {
    return {
      ...base,
      confidence: 'low',
      summary: `Could not reach a verdict: ${caveats.length > 0 ? 'some checks could not run' : !principal ? 'who starts the instance is unknown' : 'the evidence is incomplete'}. ${classification.summary}`,
      nextStep:
        caveats.length > 0
          ? caveats.join(' ')
          : 'Run the diagnosis with a profile that can read CloudTrail, the key policy and simulate IAM policies.',
    };
  }
  return {
    ...base,
    confidence: 'low',
    summary: `Every key is usable and ${principal.arn} may have EC2 create the grant; CloudTrail shows no denial. ${classification.summary}`,
    nextStep:
      'Check service control policies and aws:SourceIp / aws:SourceVpc conditions on KMS access, then start the instance again; if it stops again, diagnose within a few minutes so CloudTrail holds the failed grant.',
  };
}
