/**
 * The verdict: from the stages to one verdict with a stable code, a confidence and the fixes.
 * Confidence counts independent sources that agree (CloudTrail's denied event, the key
 * policy evaluation, the IAM simulation); a relevant check that could not run caps it.
 */
import { identityPolicyGrantStatement, keyPolicyGrantStatement, type MatchedStatement } from '../policy';
import type { KeyInfo, TrailEvent } from '../model';
import type { StateReasonClassification, StateReasonKind } from '../stateReason';
import { grantRuleFor, neededFixes, type GrantFacts, type NeededFix } from './grantRules';
import type { SimulationResult } from './ports';
import type { ProfileMessages } from './messages';
import { concernsPrincipal, rolePathCaveat } from './principal';
import { identityDecides, keyStateRemedy, knownKey, simulationFor, usableKey } from './rules';
import type { IamStage, InstanceStage, KeyPolicyResult, KeyRecord, Limitation, PrincipalStage, VolumeStage } from './stages';
import {
  POLICY_PLACES,
  denialKind,
  denialPlace,
  denyingPolicy,
  describeDenial,
  eventCaller,
  eventInstance,
  eventKeyRef,
  isExplicitDenial,
  isGrantQuotaFailure,
  refersToKey,
  sameKeyRef,
  type DenialKind,
  type DenyingPolicy,
} from './trail';
import type { Confidence, Fix, IdentityPolicyFix, KeyPolicyFix, KeyStateFix, PrincipalInfo, Verdict, VerdictCode } from './types';

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

/** A verdict one key could lead to; the best ranked becomes the report's verdict. */
interface Candidate {
  code: VerdictCode;
  confidence: Confidence;
  summary: string;
  nextStep: string;
  keyArn?: string;
  principalArn?: string;
  fixes: Fix[];
}

/** The instance the verdict is about, for its sentences. */
export interface VerdictTarget {
  instanceId: string;
  region: string;
}

/** Everything the verdict weighs: each stage that ran, and the checks that could not. */
export interface VerdictStages {
  target: VerdictTarget;
  /** Words the sentences that name the diagnosing profile. */
  say: ProfileMessages;
  instance: InstanceStage;
  volumes?: VolumeStage;
  keys: KeyRecord[];
  principal?: PrincipalStage;
  keyPolicies: KeyPolicyResult[];
  iam?: IamStage;
  limitations: Limitation[];
}

function cap(confidence: Confidence, limit: Confidence): Confidence {
  const order: Confidence[] = ['low', 'medium', 'high'];
  return order[Math.min(order.indexOf(confidence), order.indexOf(limit))];
}

function fromSources(sources: number): Confidence {
  return sources >= 2 ? 'high' : sources === 1 ? 'medium' : 'low';
}

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

  const candidates: Candidate[] = stages.keys.flatMap((record) => [assessKeyState(record), grantQuotaCandidate(record, stages)]).filter((c): c is Candidate => c !== undefined);
  const principal = stages.principal?.principal;
  let uncheckedKeys = 0;
  if (principal) {
    for (const record of stages.keys) {
      const key = usableKey(record);
      if (!key) continue;
      const result = assessGrant(record, key, principal, stages);
      if (result === 'unchecked') uncheckedKeys++;
      else if (result) candidates.push(principal.source === 'caller-identity' ? assumedPrincipalCandidate(result, principal, stages.say) : result);
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
    fixes: candidate.fixes.map((fix) => (fix.target === 'key-state' ? fix : { ...fix, note: fix.note ? `${note} ${fix.note}` : note })),
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
      nextStep: "A deleted key cannot be recovered, nor can the volume's data. Restore the volume from a backup encrypted with an existing key, or check that the key ARN is the one you expect.",
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

/** The denials that are evidence about this principal on this key (see `concernsPrincipal`). */
function denialsForKey(denials: readonly TrailEvent[], key: KeyInfo, keyCount: number, principal: PrincipalInfo, instanceId: string): TrailEvent[] {
  return denials.filter((event) => {
    if (!concernsPrincipal(event, principal, instanceId)) return false;
    const ref = eventKeyRef(event);
    return ref ? refersToKey(ref, key) : keyCount === 1;
  });
}

function describeStatements(matched: MatchedStatement[]): string {
  return matched.map((m) => (m.sid !== undefined ? `"${m.sid}"` : `#${m.index + 1}`)).join(', ');
}

function iamDenyWhere(simulation: SimulationResult): string {
  if (simulation.allowedByOrganizations === false) return 'a service control policy (SCP)';
  if (simulation.allowedByPermissionsBoundary === false) return "the caller's permissions boundary";
  const sources = simulation.matchedStatements.map((s) => s.sourcePolicyId).filter((s): s is string => Boolean(s));
  return sources.length > 0 ? `the IAM policy ${sources.join(', ')}` : "the caller's IAM policies";
}

function policyArnOf(principal: PrincipalInfo): string {
  return principal.policyArn ?? principal.arn;
}

function keyPolicyFix(key: KeyInfo, principal: PrincipalInfo, role: KeyPolicyFix['role']): KeyPolicyFix {
  const principalArn = policyArnOf(principal);
  const fix: KeyPolicyFix = {
    target: 'key-policy',
    keyArn: key.arn,
    principalArn,
    statement: keyPolicyGrantStatement([principalArn]) as Record<string, unknown>,
    role,
  };
  const caveat = rolePathCaveat(principal);
  if (caveat) fix.note = caveat;
  return fix;
}

function identityFix(key: KeyInfo, principal: PrincipalInfo, role: IdentityPolicyFix['role']): IdentityPolicyFix | undefined {
  // Only users and roles carry IAM policies.
  if (principal.kind !== 'user' && principal.kind !== 'role' && principal.kind !== 'assumed-role') return undefined;
  const fix: IdentityPolicyFix = {
    target: 'identity-policy',
    principalArn: policyArnOf(principal),
    keyArn: key.arn,
    statement: identityPolicyGrantStatement([key.arn]) as Record<string, unknown>,
    role,
  };
  const caveat = rolePathCaveat(principal);
  if (caveat) fix.note = caveat;
  return fix;
}

/** What the checks said about one principal on one usable key. */
interface GrantEvidence {
  key: KeyInfo;
  principal: PrincipalInfo;
  /** CloudTrail's denials of this principal on this key, newest first, with their kinds. */
  denials: TrailEvent[];
  kinds: DenialKind[];
  keyPolicy: KeyPolicyResult | undefined;
  simulation: SimulationResult | undefined;
  identityMatters: boolean;
  crossAccount: boolean;
  /** The best confidence the checks that ran allow. */
  limit: Confidence;
  /** CloudTrail's newest denial as a sentence to append, or ''. */
  trailText: string;
}

function grantEvidenceOf(record: KeyRecord, key: KeyInfo, principal: PrincipalInfo, stages: VerdictStages): GrantEvidence {
  const keyCount = stages.keys.filter((r) => knownKey(r) !== undefined).length;
  const denials = denialsForKey(stages.principal?.denials ?? [], key, keyCount, principal, stages.target.instanceId);
  const kinds = denials.map((e) => denialKind(e.errorMessage));
  const keyPolicy = stages.keyPolicies.find((p) => p.keyArn === key.arn);
  const simulation = stages.iam?.outcome === 'simulated' ? simulationFor(stages.iam.results, key) : undefined;
  const identityMatters = identityDecides(key, keyPolicy, principal.account);
  const relevant = stages.limitations.filter(
    (l) =>
      l.step === 'volumes' ||
      l.step === 'principal' ||
      (l.step === 'kms-keys' && record.outcome !== 'described') ||
      (l.step === 'key-policy' && keyPolicy?.outcome === 'failed') ||
      (l.step === 'iam-policy' && identityMatters),
  );
  const limit: Confidence = relevant.length > 0 || principal.source === 'caller-identity' || record.fromTrail ? 'medium' : 'high';
  const newest = denials[0];
  const trailText = newest
    ? ` CloudTrail: KMS denied CreateGrant to ${eventCaller(newest) ?? principal.arn} at ${newest.eventTime} (${describeDenial(kinds[0])}).`
    : '';
  return {
    key,
    principal,
    denials,
    kinds,
    keyPolicy,
    simulation,
    identityMatters,
    crossAccount: principal.account !== undefined && principal.account !== key.accountId,
    limit,
    trailText,
  };
}

/** A Deny statement blocks the grant, as the key policy, the simulation or CloudTrail shows; undefined when none does. */
function explicitDenyCandidate(evidence: GrantEvidence, region: string): Candidate | undefined {
  const { key, principal, keyPolicy, simulation } = evidence;
  const trailExplicit = evidence.kinds.find(isExplicitDenial);
  const keyPolicyDenies = keyPolicy?.outcome === 'evaluated' && keyPolicy.verdict === 'denied' ? keyPolicy.matched.filter((m) => m.effect === 'Deny') : [];
  const iamDeny = simulation?.decision === 'explicitDeny' ? simulation : undefined;
  if (!trailExplicit && keyPolicyDenies.length === 0 && !iamDeny) return undefined;
  const where: string[] = [];
  if (keyPolicyDenies.length > 0) where.push(`the key policy (statement ${describeStatements(keyPolicyDenies)})`);
  if (iamDeny) where.push(iamDenyWhere(iamDeny));
  const trailPlace = trailExplicit ? denialPlace(trailExplicit) : undefined;
  if (trailPlace && where.length === 0) where.push(trailPlace);
  const sources = (trailExplicit ? 1 : 0) + (keyPolicyDenies.length > 0 ? 1 : 0) + (iamDeny ? 1 : 0);
  // KMS may report a Deny without saying where: then name where to look.
  const inWhere = where.length > 0 ? ` in ${where.join(' and ')}` : '';
  const lookIn = where.length > 0 ? where.join(' and ') : "the key policy, the caller's IAM policies, its permissions boundary and the SCPs";
  // AWS words an SCP that only lacks an Allow as an explicit deny too (IAM User Guide).
  const byScp = (trailExplicit !== undefined && denyingPolicy(trailExplicit) === 'service-control-policy') || iamDeny?.allowedByOrganizations === false;
  const ending = byScp
    ? ' AWS reports an SCP that only lacks an Allow the same way: if no SCP denies kms:CreateGrant, allow it in the SCPs that apply to the account instead.'
    : ' Adding an Allow will not help.';
  return {
    code: 'kms-create-grant-explicit-deny',
    confidence: cap(fromSources(sources), evidence.limit),
    keyArn: key.arn,
    principalArn: policyArnOf(principal),
    summary: `An explicit Deny${inWhere} blocks kms:CreateGrant for ${principal.arn} on ${key.arn}; a Deny wins over any Allow.${evidence.trailText}`,
    nextStep: `Remove or narrow the Deny in ${lookIn} so it does not match EC2's grant (kms:GrantIsForAWSResource is true, kms:ViaService is ec2.${region}.amazonaws.com), then start the instance again.${ending}`,
    fixes: [],
  };
}

/** Policies besides the key policy and the caller's IAM policies that also limit the caller. */
type OutsidePolicy = Exclude<DenyingPolicy, 'key-policy' | 'identity-policy'>;

function isOutsidePolicy(policy: DenyingPolicy | undefined): policy is OutsidePolicy {
  return policy !== undefined && policy !== 'key-policy' && policy !== 'identity-policy';
}

/** Where the missing Allow goes when a policy outside the key policy and the IAM policies blocks the grant. */
const OUTSIDE_NEXT_STEPS: Record<OutsidePolicy, (keyArn: string, entity: string) => string> = {
  'permissions-boundary': (keyArn, entity) =>
    `Allow kms:CreateGrant on ${keyArn} in the permissions boundary of ${entity} (a boundary only limits: its IAM policies must allow it too), then start the instance again. A key policy change will not help while the boundary does not allow it.`,
  'session-policy': (keyArn) =>
    `Start the instance from a session whose session policy (the policy passed to AssumeRole, AssumeRoleWithSAML/WebIdentity or GetFederationToken) allows kms:CreateGrant on ${keyArn}, or from a session without one. A key policy or IAM policy change will not help while the session policy does not allow it.`,
  'vpc-endpoint-policy': (keyArn) =>
    `Allow kms:CreateGrant on ${keyArn} in the policy of the KMS VPC endpoint the request went through, then start the instance again. A key policy change will not help while the endpoint policy does not allow it.`,
  'service-control-policy': (keyArn, entity) =>
    `Ask the organization's administrator to allow kms:CreateGrant on ${keyArn} for ${entity} in the service control policies (SCPs) that apply to its account, then start the instance again. A key policy or IAM policy change will not help while an SCP does not allow it.`,
  'resource-control-policy': (keyArn) =>
    `Ask the organization's administrator to let the resource control policies (RCPs) that apply to ${keyArn} allow EC2's grant, then start the instance again. A key policy change will not help while an RCP does not allow it.`,
};

/**
 * A policy outside the key policy and the IAM policies does not allow the grant, as KMS's
 * denial (a permissions boundary, session, VPC endpoint or SCP message) or the simulation
 * (a boundary or SCP not allowing it) says. The fix goes there: editing the key policy or
 * the IAM policies cannot help, so none is offered unless the key policy denies as well.
 */
function outsideBlockerCandidate(evidence: GrantEvidence): Candidate | undefined {
  const { key, principal, simulation, keyPolicy } = evidence;
  const newest = evidence.kinds[0];
  const fromTrail = newest !== undefined && isOutsidePolicy(denyingPolicy(newest)) ? denyingPolicy(newest) : undefined;
  const fromSimulation: OutsidePolicy | undefined =
    simulation?.decision !== 'implicitDeny'
      ? undefined
      : simulation.allowedByPermissionsBoundary === false
        ? 'permissions-boundary'
        : simulation.allowedByOrganizations === false
          ? 'service-control-policy'
          : undefined;
  const policy = isOutsidePolicy(fromTrail) ? fromTrail : fromSimulation;
  if (!policy) return undefined;
  const sources = (fromTrail ? 1 : 0) + (fromSimulation === policy ? 1 : 0);
  const keyPolicyDenies = keyPolicy?.outcome === 'evaluated' && keyPolicy.verdict === 'denied';
  const fixes = keyPolicyDenies ? [keyPolicyFix(key, principal, 'required')] : [];
  const place = POLICY_PLACES[policy];
  const also = keyPolicyDenies ? ` The key policy does not allow it either: also add the statement to the key policy of ${key.arn} (Open key policy).` : '';
  return {
    code: 'kms-create-grant-not-allowed',
    confidence: cap(fromSources(sources), evidence.limit),
    keyArn: key.arn,
    principalArn: policyArnOf(principal),
    summary: `${place.charAt(0).toUpperCase()}${place.slice(1)} does not allow kms:CreateGrant for ${principal.arn} on ${key.arn}; it limits the caller whatever the key policy and IAM policies allow, so EC2 cannot create the grant.${evidence.trailText}`,
    nextStep: `${OUTSIDE_NEXT_STEPS[policy](key.arn, policyArnOf(principal))}${also}`,
    fixes,
  };
}

/** KMS denied the grant on an AWS managed key, whose fixed policy allows it: something outside denies. */
function awsManagedKeyCandidate(evidence: GrantEvidence): Candidate | undefined {
  if (evidence.denials.length === 0) return undefined;
  return {
    code: 'kms-create-grant-explicit-deny',
    confidence: cap('medium', evidence.limit),
    keyArn: evidence.key.arn,
    principalArn: policyArnOf(evidence.principal),
    summary: `KMS denied CreateGrant on the AWS managed key ${evidence.key.arn}, whose fixed policy allows callers in the account through EC2: only an explicit Deny can block it, most likely a service control policy or a permissions boundary.${evidence.trailText}`,
    nextStep: "Look for a Deny on kms:CreateGrant (or kms:*) in the organization's SCPs and the caller's permissions boundary; narrow it to exclude grants for AWS resources.",
    fixes: [],
  };
}

/** The facts the decision table reads. */
function grantFactsOf(evidence: GrantEvidence): GrantFacts {
  const { keyPolicy, simulation } = evidence;
  const evaluated = keyPolicy?.outcome === 'evaluated' ? keyPolicy : undefined;
  return {
    keyPolicy: !evaluated ? 'unread' : evaluated.verdict === 'denied' ? 'denies' : evidence.identityMatters ? 'defers-to-iam' : 'allows',
    simulation: simulation?.decision === 'allowed' || simulation?.decision === 'implicitDeny' ? simulation.decision : 'not-run',
    trailDenial: evidence.denials.length > 0,
    crossAccount: evidence.crossAccount,
  };
}

/**
 * Whether this principal may have EC2 create the grant on this key: a candidate verdict
 * when it may not, `unchecked` when a needed source is missing and nothing else shows a
 * denial, undefined when it may.
 */
function assessGrant(record: KeyRecord, key: KeyInfo, principal: PrincipalInfo, stages: VerdictStages): Candidate | 'unchecked' | undefined {
  const evidence = grantEvidenceOf(record, key, principal, stages);
  const denied = explicitDenyCandidate(evidence, stages.target.region);
  if (denied) return denied;
  const outside = outsideBlockerCandidate(evidence);
  if (outside) return outside;
  if (key.manager === 'AWS') return awsManagedKeyCandidate(evidence);

  const facts = grantFactsOf(evidence);
  const decision = grantRuleFor(facts).then;
  switch (decision.outcome) {
    case 'allowed':
      return undefined;
    case 'unchecked':
      return 'unchecked';
    case 'other-cause':
      return otherCauseCandidate(evidence);
    case 'fix':
      return missingAllowCandidate(evidence, neededFixes(decision.fixes, evidence.kinds[0], facts.crossAccount), decision.sources + (facts.trailDenial ? 1 : 0));
  }
}

function otherCauseCandidate(evidence: GrantEvidence): Candidate {
  return {
    code: 'kms-create-grant-not-allowed',
    confidence: cap('medium', evidence.limit),
    keyArn: evidence.key.arn,
    principalArn: policyArnOf(evidence.principal),
    summary: `KMS denied CreateGrant to ${evidence.principal.arn} on ${evidence.key.arn}, yet the key policy and the IAM policies allow it: something else denies it.${evidence.trailText}`,
    nextStep:
      "Check service control policies, the permissions boundary and session policies, and conditions such as aws:SourceIp, aws:SourceVpc or aws:SourceVpce on KMS access, which EC2's own call cannot meet.",
    fixes: [],
  };
}

function missingAllowCandidate(evidence: GrantEvidence, needed: readonly NeededFix[], sources: number): Candidate | undefined {
  const { key, principal, keyPolicy, simulation } = evidence;
  if (needed.length === 0) return undefined;
  const fixes: Fix[] = [];
  for (const need of needed) {
    const fix = need.target === 'key-policy' ? keyPolicyFix(key, principal, need.role) : identityFix(key, principal, need.role);
    if (fix) fixes.push(fix);
  }
  // A required fix goes first; an alternative only when nothing is required.
  fixes.sort((a, b) => (a.role === b.role ? 0 : a.role === 'required' ? -1 : 1));
  const reason = keyPolicy?.outcome === 'evaluated' ? ` ${keyPolicy.reason}` : '';
  const simText = simulation && evidence.identityMatters ? ` IAM simulation: ${simulation.decision}.` : '';
  return {
    code: 'kms-create-grant-not-allowed',
    confidence: cap(fromSources(sources), evidence.limit),
    keyArn: key.arn,
    principalArn: policyArnOf(principal),
    summary: `${principal.arn} may not have EC2 create the grant on ${key.arn}, so the volume cannot be decrypted at launch.${reason}${simText}${evidence.trailText}`,
    nextStep: fixNextStep(fixes, key),
    fixes,
  };
}

function fixNextStep(fixes: Fix[], key: KeyInfo): string {
  const required = fixes.filter((f) => f.role === 'required');
  const parts = required.map((f) =>
    f.target === 'key-policy' ? `add the statement to the key policy of ${key.arn} (Open key policy)` : f.target === 'identity-policy' ? `add the statement to an IAM policy of ${f.principalArn}` : '',
  );
  const alternative = fixes.find((f) => f.role === 'alternative');
  const alt =
    alternative?.target === 'key-policy'
      ? ' Alternatively, name the principal in the key policy of the key instead.'
      : alternative?.target === 'identity-policy'
        ? ` Alternatively, if the key policy delegates to the account, allow it in an IAM policy of ${alternative.principalArn}.`
        : '';
  const action = parts.filter((p) => p !== '');
  const first = action.length > 0 ? action.join(', and ') : 'add the statement';
  return `${first.charAt(0).toUpperCase()}${first.slice(1)}, then start the instance again.${alt}`;
}

function dedupeFixes(fixes: Fix[]): Fix[] {
  const seen = new Set<string>();
  return fixes.filter((fix) => {
    const id = JSON.stringify([fix.target, fix.keyArn, 'principalArn' in fix ? fix.principalArn : '', fix.role]);
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
      nextStep: caveats.length > 0 ? caveats.join(' ') : 'Run the diagnosis with a profile that can read CloudTrail, the key policy and simulate IAM policies.',
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
