/**
 * Whether a principal may have EC2 create its grant on one usable key, and if not, the
 * candidate verdict with the fixes: an explicit Deny, a policy outside the key and IAM
 * policies that does not allow it, an AWS managed key, or the decision table of
 * `grantRules.ts` over the key policy evaluation, the IAM simulation and CloudTrail.
 */
import { identityPolicyGrantStatement, keyPolicyGrantStatement, type MatchedStatement } from '../policy';
import type { KeyInfo, TrailEvent } from '../model';
import { cap, fromSources, policyArnOf, type Candidate } from './candidate';
import { grantRuleFor, neededFixes, type GrantFacts, type NeededFix } from './grantRules';
import {
  KEY_USER_ATTACH_SID,
  KEY_USER_USE_SID,
  crossAccountServiceRoleFixes,
  keyUseStatements,
  launchIdentityStatements,
  sameAccountServiceRoleFixes,
} from '../launch/serviceRoleFixes';
import { serviceRoleText } from './messages';
import type { SimulationResult } from './ports';
import { concernsPrincipal, rolePathCaveat } from './principal';
import { identityDecides, identityPolicyDecision, knownKey, simulationFor } from './rules';
import type { KeyPolicyResult, KeyRecord, VerdictStages } from './stages';
import {
  POLICY_PLACES,
  denialKind,
  denialPlace,
  denyingPolicy,
  describeDenial,
  eventCaller,
  eventKeyRef,
  isExplicitDenial,
  refersToKey,
  type DenialKind,
  type DenyingPolicy,
} from './trail';
import type { Confidence, Fix, IdentityPolicyFix, KeyPolicyFix, PrincipalInfo } from './types';

/** The denials that are evidence about this principal on this key (see `concernsPrincipal`). */
function denialsForKey(
  denials: readonly TrailEvent[],
  key: KeyInfo,
  keyCount: number,
  principal: PrincipalInfo,
  instanceId: string,
): TrailEvent[] {
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

/**
 * The documented fixes for a service-linked role (it cannot carry a new IAM statement): the
 * two key policy statements naming it, or across accounts those naming its account and a
 * grant from that account.
 */
function serviceRoleFixes(key: KeyInfo, principal: PrincipalInfo, where: { profile: string; region: string }): Fix[] {
  const roleArn = policyArnOf(principal);
  const crossAccount = principal.account !== undefined && principal.account !== key.accountId;
  return crossAccount
    ? crossAccountServiceRoleFixes(key.arn, roleArn, where)
    : sameAccountServiceRoleFixes(key.arn, roleArn);
}

/**
 * For a launch that creates volumes, the key policy statements naming the principal: the use
 * of the key and the attachment of persistent resources, as AWS's default key policy gives
 * key users. The grant alone would leave the next launch denied GenerateDataKeyWithoutPlaintext.
 */
function launchKeyPolicyFixes(key: KeyInfo, principal: PrincipalInfo, role: KeyPolicyFix['role']): KeyPolicyFix[] {
  const principalArn = policyArnOf(principal);
  const caveat = rolePathCaveat(principal);
  return keyUseStatements(principalArn, { use: KEY_USER_USE_SID, attach: KEY_USER_ATTACH_SID }).map((statement) => ({
    target: 'key-policy',
    keyArn: key.arn,
    principalArn,
    statement,
    role,
    ...(caveat ? { note: caveat } : {}),
  }));
}

/** For a launch that creates volumes, the IAM statements: the use of the key and EC2's grant. */
function launchIdentityFixes(
  key: KeyInfo,
  principal: PrincipalInfo,
  role: IdentityPolicyFix['role'],
): IdentityPolicyFix[] {
  const single = identityFix(key, principal, role);
  if (!single) return [];
  return launchIdentityStatements(key.arn).map((statement) => ({ ...single, statement }));
}

function identityFix(
  key: KeyInfo,
  principal: PrincipalInfo,
  role: IdentityPolicyFix['role'],
): IdentityPolicyFix | undefined {
  // Only users and roles carry IAM policies, and a service-linked role's cannot be edited.
  if (principal.kind !== 'user' && principal.kind !== 'role' && principal.kind !== 'assumed-role') return undefined;
  if (principal.serviceLinked) return undefined;
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
  /** The profile and Region a grant fix would be created with. */
  where: { profile: string; region: string };
  /** The launch creates the volumes: the principal needs the use of the key too. */
  createsVolumes: boolean;
}

function grantEvidenceOf(
  record: KeyRecord,
  key: KeyInfo,
  principal: PrincipalInfo,
  stages: VerdictStages,
): GrantEvidence {
  const keyCount = stages.keys.filter((r) => knownKey(r) !== undefined).length;
  const denials = denialsForKey(stages.principal?.denials ?? [], key, keyCount, principal, stages.target.instanceId);
  const kinds = denials.map((e) => denialKind(e.errorMessage));
  const keyPolicy = stages.keyPolicies.find((p) => p.keyArn === key.arn);
  const simulated = stages.iam?.outcome === 'simulated' ? simulationFor(stages.iam.results, key) : undefined;
  // What the caller's IAM policies decided: the key's own account is judged by its key policy.
  const simulation = simulated && { ...simulated, decision: identityPolicyDecision(simulated) };
  const identityMatters = identityDecides(key, keyPolicy, principal.account);
  const relevant = stages.limitations.filter(
    (l) =>
      l.step === 'volumes' ||
      l.step === 'principal' ||
      (l.step === 'kms-keys' && record.outcome !== 'described') ||
      (l.step === 'key-policy' && keyPolicy?.outcome === 'failed') ||
      (l.step === 'iam-policy' && identityMatters),
  );
  const limit: Confidence =
    relevant.length > 0 || principal.source === 'caller-identity' || record.fromTrail ? 'medium' : 'high';
  const newest = denials[0];
  const trailText = newest
    ? ` CloudTrail: KMS denied ${newest.eventName} to ${eventCaller(newest) ?? principal.arn} at ${newest.eventTime} (${describeDenial(kinds[0])}).`
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
    where: { profile: stages.say.profile, region: stages.target.region },
    createsVolumes: record.createsVolumes === true,
  };
}

/** A Deny statement blocks the grant, as the key policy, the simulation or CloudTrail shows; undefined when none does. */
function explicitDenyCandidate(evidence: GrantEvidence, region: string): Candidate | undefined {
  const { key, principal, keyPolicy, simulation } = evidence;
  const trailExplicit = evidence.kinds.find(isExplicitDenial);
  const keyPolicyDenies =
    keyPolicy?.outcome === 'evaluated' && keyPolicy.verdict === 'denied'
      ? keyPolicy.matched.filter((m) => m.effect === 'Deny')
      : [];
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
  const lookIn =
    where.length > 0
      ? where.join(' and ')
      : "the key policy, the caller's IAM policies, its permissions boundary and the SCPs";
  // AWS words an SCP that only lacks an Allow as an explicit deny too (IAM User Guide).
  const byScp =
    (trailExplicit !== undefined && denyingPolicy(trailExplicit) === 'service-control-policy') ||
    iamDeny?.allowedByOrganizations === false;
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
  const fixes: Fix[] = !keyPolicyDenies
    ? []
    : principal.serviceLinked
      ? serviceRoleFixes(key, principal, evidence.where)
      : [keyPolicyFix(key, principal, 'required')];
  const place = POLICY_PLACES[policy];
  const also = keyPolicyDenies
    ? ` The key policy does not allow it either: also add the statement to the key policy of ${key.arn} (Open key policy).`
    : '';
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
    nextStep:
      "Look for a Deny on kms:CreateGrant (or kms:*) in the organization's SCPs and the caller's permissions boundary; narrow it to exclude grants for AWS resources.",
    fixes: [],
  };
}

/** The facts the decision table reads. */
function grantFactsOf(evidence: GrantEvidence): GrantFacts {
  const { keyPolicy, simulation } = evidence;
  const evaluated = keyPolicy?.outcome === 'evaluated' ? keyPolicy : undefined;
  return {
    keyPolicy: !evaluated
      ? 'unread'
      : evaluated.verdict === 'denied'
        ? 'denies'
        : evidence.identityMatters
          ? 'defers-to-iam'
          : 'allows',
    simulation:
      simulation?.decision === 'allowed' || simulation?.decision === 'implicitDeny' ? simulation.decision : 'not-run',
    trailDenial: evidence.denials.length > 0,
    crossAccount: evidence.crossAccount,
  };
}

/**
 * Whether this principal may have EC2 create the grant on this key: a candidate verdict
 * when it may not, `unchecked` when a needed source is missing and nothing else shows a
 * denial, undefined when it may.
 */
export function assessGrant(
  record: KeyRecord,
  key: KeyInfo,
  principal: PrincipalInfo,
  stages: VerdictStages,
): Candidate | 'unchecked' | undefined {
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
      return missingAllowCandidate(
        evidence,
        neededFixes(decision.fixes, evidence.kinds[0], facts.crossAccount),
        decision.sources + (facts.trailDenial ? 1 : 0),
      );
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

function missingAllowCandidate(
  evidence: GrantEvidence,
  needed: readonly NeededFix[],
  sources: number,
): Candidate | undefined {
  const { key, principal, keyPolicy, simulation } = evidence;
  if (needed.length === 0) return undefined;
  const fixes: Fix[] = principal.serviceLinked ? serviceRoleFixes(key, principal, evidence.where) : [];
  for (const need of principal.serviceLinked ? [] : needed) {
    if (evidence.createsVolumes) {
      fixes.push(
        ...(need.target === 'key-policy'
          ? launchKeyPolicyFixes(key, principal, need.role)
          : launchIdentityFixes(key, principal, need.role)),
      );
      continue;
    }
    const fix =
      need.target === 'key-policy' ? keyPolicyFix(key, principal, need.role) : identityFix(key, principal, need.role);
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
    nextStep: principal.serviceLinked
      ? serviceRoleNextStep(key, principal, evidence.crossAccount)
      : fixNextStep(fixes, key),
    fixes,
  };
}

function serviceRoleNextStep(key: KeyInfo, principal: PrincipalInfo, crossAccount: boolean): string {
  const roleArn = policyArnOf(principal);
  return crossAccount
    ? `${serviceRoleText(roleArn)} In account ${key.accountId}, add both statements to the key policy of ${key.arn}; then, from account ${principal.account ?? ''}, create the grant for the role (aws kms create-grant), and launch again.`
    : `${serviceRoleText(roleArn)} Add both statements to the key policy of ${key.arn} (Open key policy), then launch again.`;
}

function fixNextStep(fixes: Fix[], key: KeyInfo): string {
  const required = fixes.filter((f) => f.role === 'required');
  const parts = required.map((f) =>
    f.target === 'key-policy'
      ? `add the statement to the key policy of ${key.arn} (Open key policy)`
      : f.target === 'identity-policy'
        ? `add the statement to an IAM policy of ${f.principalArn}`
        : '',
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
