/**
 * Domain rules of the diagnosis that the step builders and the verdict share: which keys can
 * still be checked, when the caller's IAM policies decide, the context of EC2's grant, and
 * what brings a key back to Enabled (src/domain.md section 3).
 */
import { parseKeyArn } from '../arn';
import type { KeyInfo } from '../model';
import type { SimulationResult } from './ports';
import type { KeyPolicyResult, KeyRecord } from './stages';

/** The key of a record when anything is known about it (described, or derived from its ARN). */
export function knownKey(record: KeyRecord): KeyInfo | undefined {
  return record.outcome === 'described' || record.outcome === 'derived' ? record.key : undefined;
}

/**
 * The key whose permissions are worth checking: Enabled, or of unknown state (derived from
 * its ARN). A key in another state blocks the start whatever the policies say.
 */
export function usableKey(record: KeyRecord): KeyInfo | undefined {
  if (record.outcome === 'derived') return record.key;
  return record.outcome === 'described' && record.key.state === 'Enabled' ? record.key : undefined;
}

/** A KeyInfo from a key ARN alone, so later checks can run when DescribeKey could not. */
export function keyFromArn(ref: string): KeyInfo | undefined {
  const parsed = parseKeyArn(ref);
  if (!parsed) return undefined;
  return { keyId: parsed.keyId, arn: ref, accountId: parsed.account, state: 'unknown', manager: 'CUSTOMER' };
}

/** Whether the caller's IAM policies decide for this key, given the key policy result. */
export function identityDecides(
  key: KeyInfo,
  keyPolicy: KeyPolicyResult | undefined,
  principalAccount: string | undefined,
): boolean {
  if (key.manager === 'AWS') return false;
  if (principalAccount !== undefined && principalAccount !== key.accountId) return true;
  if (!keyPolicy || keyPolicy.outcome !== 'evaluated') return true;
  return keyPolicy.verdict === 'relies-on-iam';
}

/** The simulation result for a key: by resource ARN, else the only result there is. */
export function simulationFor<T extends { resource: string }>(results: readonly T[], key: KeyInfo): T | undefined {
  return (
    results.find((r) => r.resource === key.arn) ??
    (results.length === 1 && (results[0].resource === '*' || results[0].resource === '') ? results[0] : undefined)
  );
}

/**
 * What the caller's own IAM policies decided in a simulation result. A simulation with a key
 * of another account is a cross-account one: its overall decision also needs the key's
 * account, which the simulation cannot evaluate (no key policy is passed to it), so it can
 * be `implicitDeny` while the IAM side allowed. `EvalDecisionDetails` gives that side; the
 * key policy is judged on its own. An explicit Deny anywhere stays one.
 */
export function identityPolicyDecision(result: SimulationResult): SimulationResult['decision'] {
  if (result.decision === 'explicitDeny') return 'explicitDeny';
  const iamSide = result.decisionDetails?.find((side) => side.source.trim().toLowerCase() === 'iam policy');
  return iamSide?.decision ?? result.decision;
}

/** The request context of EC2's grant, as IAM's simulation needs it. */
export function grantContext(region: string): { key: string; type: 'string' | 'boolean'; values: string[] }[] {
  return [
    { key: 'kms:GrantIsForAWSResource', type: 'boolean', values: ['true'] },
    { key: 'kms:ViaService', type: 'string', values: [`ec2.${region}.amazonaws.com`] },
  ];
}

/** The remedy for a key that is not Enabled (src/domain.md section 3.1). */
export function keyStateRemedy(key: KeyInfo): string {
  switch (key.state) {
    case 'Disabled':
      return `Enable the key (kms:EnableKey on ${key.arn}), then start the instance again.`;
    case 'PendingDeletion':
    case 'PendingReplicaDeletion':
      return `Cancel the scheduled deletion (kms:CancelKeyDeletion on ${key.arn})${key.deletionDate ? ` before ${key.deletionDate}` : ''}, enable the key (it comes back Disabled), then start the instance again.`;
    case 'PendingImport':
      return `Import the key material (kms:ImportKeyMaterial on ${key.arn}), then start the instance again.`;
    case 'Unavailable':
      return `Reconnect the key's custom key store (kms:ConnectCustomKeyStore), then start the instance again.`;
    case 'Creating':
    case 'Updating':
      return 'Wait until the key is Enabled, then start the instance again.';
    default:
      return `Bring the key back to Enabled (it is ${key.state}), then start the instance again.`;
  }
}
