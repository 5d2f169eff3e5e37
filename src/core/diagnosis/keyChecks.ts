/**
 * The checks of one principal on its keys that the instance and the group diagnoses share:
 * whether a key's policy needs evaluating, its evaluation for EC2's grant (and, for a
 * service-linked role, for the use of the key), and the IAM simulation.
 */
import type { CallerIdentity, KeyInfo, Outcome } from '../model';
import { evaluateCreateGrant, orphanedPrincipalIds } from '../policy';
import { missingKeyUse } from '../launch/keyUse';
import { keyUseGapText, orphanedPrincipalsText, type ProfileMessages } from './messages';
import type { CallOptions, DiagnosisPorts } from './ports';
import { rolePathCaveat, simulatedEntity } from './principal';
import { grantContext, keyFromArn } from './rules';
import type { DiagnosisInput, IamStage, KeyPolicyResult, KeyRecord, KeySource } from './stages';
import type { PrincipalInfo } from './types';

/** What the checks need: the ports and call options, the words for the profile, and the Region. */
export interface CheckContext {
  ports: DiagnosisPorts;
  call: CallOptions;
  say: ProfileMessages;
  input: Pick<DiagnosisInput, 'region' | 'profilesByAccount'>;
}

/** Why a key's policy needs no evaluation, or undefined when it does. */
export function keyPolicySkip(
  record: KeyRecord,
  key: KeyInfo,
  principal: PrincipalInfo | undefined,
): KeyPolicyResult | undefined {
  if (record.outcome === 'described' && key.state !== 'Enabled') {
    return {
      keyArn: key.arn,
      outcome: 'skipped',
      reason: `the key is ${key.state}: its state blocks the start whatever the policy says.`,
    };
  }
  if (key.manager === 'AWS') {
    return {
      keyArn: key.arn,
      outcome: 'skipped',
      reason: 'AWS managed key: its fixed policy allows callers in the account through EC2.',
    };
  }
  if (!principal) return { keyArn: key.arn, outcome: 'skipped', reason: 'no principal to evaluate the policy for.' };
  return undefined;
}

export function keyPolicyFromOutcome(
  run: CheckContext,
  key: KeyInfo,
  outcome: Outcome<{ policy: string; via: string }>,
  principal: PrincipalInfo,
  caller: Outcome<CallerIdentity>,
): KeyPolicyResult {
  if (!outcome.ok) {
    const sameAccount = !caller.ok || caller.value.account === key.accountId;
    const nextStep = sameAccount
      ? run.say.permissionHint(outcome.error, 'kms:GetKeyPolicy', key.arn)
      : run.say.crossAccountKeyPolicy(key.accountId, run.input.profilesByAccount?.[key.accountId] ?? []);
    return { keyArn: key.arn, outcome: 'failed', failure: outcome.error, nextStep };
  }
  const grantOptions = {
    region: run.input.region,
    keyArn: key.arn,
    // aws:PrincipalArn carries the role's path only when CloudTrail (or a known path) gave it.
    ...(principal.policyArnCertain && principal.policyArn ? { principalPolicyArn: principal.policyArn } : {}),
  };
  const evaluation = evaluateCreateGrant(outcome.value.policy, principal.arn, {
    ...grantOptions,
    keyAccount: key.accountId,
  });
  const useGap =
    principal.serviceLinked && evaluation.verdict !== 'denied' && key.accountId === principal.account
      ? missingKeyUse(outcome.value.policy, principal.arn, grantOptions)
      : [];
  // A deleted principal's unique id makes KMS refuse any PutKeyPolicy of this policy, the fix included.
  const orphaned = orphanedPrincipalIds(outcome.value.policy);
  const orphanNote = orphaned.length > 0 ? ` ${orphanedPrincipalsText(orphaned)}` : '';
  if (useGap.length > 0) {
    // The role cannot be given these in IAM: the key policy not naming it for them stops the launch.
    return {
      keyArn: key.arn,
      outcome: 'evaluated',
      verdict: 'denied',
      reason: `${evaluation.reason} ${keyUseGapText(principal.arn, useGap)}${orphanNote}`,
      matched: evaluation.matched,
      via: outcome.value.via,
    };
  }
  return {
    keyArn: key.arn,
    outcome: 'evaluated',
    verdict: evaluation.verdict,
    reason: `${evaluation.reason}${orphanNote}`,
    matched: evaluation.matched,
    via: outcome.value.via,
  };
}

/** Why IAM cannot be simulated for this principal, or undefined with the entity to simulate. */
export function iamSkip(
  run: CheckContext,
  principal: PrincipalInfo | undefined,
  caller: Outcome<CallerIdentity>,
): IamStage | { policyArn: string } {
  if (!principal)
    return {
      outcome: 'skipped',
      reason: 'Who starts the instance is unknown: nothing to simulate.',
      notPermitted: false,
    };
  if (principal.serviceLinked) {
    // SCPs and permissions boundaries do not apply to service-linked roles, and their own
    // policies are AWS's: only the key policy (or a grant) decides, so nothing to simulate.
    return {
      outcome: 'skipped',
      reason: `${principal.policyArn ?? principal.arn} is a service-linked role: its permissions are set by AWS and no SCP or boundary applies, so the key policy or a grant decides.`,
      notPermitted: false,
    };
  }
  if (principal.kind === 'root') {
    return {
      outcome: 'skipped',
      reason: `${principal.arn} is the account root: IAM policies do not restrict it (only SCPs and the key policy can).`,
      notPermitted: false,
    };
  }
  const policyArn = simulatedEntity(principal);
  if (!policyArn)
    return {
      outcome: 'skipped',
      reason: `IAM can simulate users and roles only, not ${principal.arn}.`,
      notPermitted: false,
    };
  if (caller.ok && principal.account && caller.value.account !== principal.account) {
    return {
      outcome: 'skipped',
      ...run.say.crossAccountSimulation(policyArn, principal.account, caller.value.account),
      notPermitted: true,
    };
  }
  return { policyArn };
}

export async function iamStageOf(
  run: CheckContext,
  principal: PrincipalInfo | undefined,
  keys: KeyInfo[],
  caller: Outcome<CallerIdentity>,
): Promise<IamStage> {
  if (keys.length === 0) return { outcome: 'skipped', reason: 'No usable key to check.', notPermitted: false };
  const target = iamSkip(run, principal, caller);
  if ('outcome' in target) return target;
  const { policyArn } = target;
  const outcome = await run.ports.simulatePrincipalPolicy(
    {
      policySourceArn: policyArn,
      actionNames: ['kms:CreateGrant'],
      resourceArns: keys.map((k) => k.arn),
      context: grantContext(run.input.region),
    },
    run.call,
  );
  if (outcome.ok) return { outcome: 'simulated', policyArn, results: outcome.value };
  const failure = outcome.error;
  if (failure.kind === 'access-denied') {
    return {
      outcome: 'skipped',
      reason: `Not permitted to simulate the IAM policies of ${policyArn} (${failure.message}).`,
      nextStep: run.say.permissionHint(failure, 'iam:SimulatePrincipalPolicy', policyArn),
      notPermitted: true,
    };
  }
  const caveat = failure.kind === 'not-found' && principal ? rolePathCaveat(principal) : undefined;
  return {
    outcome: 'failed',
    failure,
    nextStep: caveat
      ? `IAM has no ${policyArn}. ${caveat}`
      : run.say.permissionHint(failure, 'iam:SimulatePrincipalPolicy', policyArn),
  };
}

/** A key record from its source and what DescribeKey answered. */
export function keyRecordOf(source: KeySource, outcome: Outcome<KeyInfo>): KeyRecord {
  if (outcome.ok) return { ...source, outcome: 'described', key: outcome.value };
  const failure = outcome.error;
  if (failure.kind === 'not-found') return { ...source, outcome: 'not-found', failure };
  const derived = keyFromArn(source.ref);
  return derived
    ? { ...source, outcome: 'derived', key: derived, failure }
    : { ...source, outcome: 'unreadable', failure };
}
