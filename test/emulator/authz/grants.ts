/**
 * KMS grants made with CreateGrant, as an additional allow path. A grant lets its grantee
 * principal perform the grant's operations on the key without a key policy or IAM statement
 * for them (KMS Developer Guide, "Grants in AWS KMS"; grants can only allow, never deny).
 * The grantee may be an IAM role; its assumed-role sessions use the grant (KMS API reference,
 * CreateGrant, GranteePrincipal). Explicit denies still win (KMS Developer Guide, "Determining
 * access to an AWS KMS key"), so a grant only answers a missing key policy or IAM allow.
 */
import type { DenialReason } from './denials';

export interface GrantRecord {
  grantId: string;
  keyArn: string;
  granteePrincipal: string;
  /** KMS operation names without the `kms:` prefix, e.g. `CreateGrant`. */
  operations: string[];
  /** The account that created the grant. */
  issuingAccount: string;
  name?: string;
}

/** Refusals a grant can lift: only a missing allow in the key policy or the caller's IAM policies. */
const LIFTED_BY_GRANT: ReadonlySet<DenialReason> = new Set<DenialReason>(['no-identity-allow', 'no-resource-allow']);

/** The grants of a world, by key ARN. */
export class GrantStore {
  private readonly byKey = new Map<string, GrantRecord[]>();

  add(grant: GrantRecord): void {
    const list = this.byKey.get(grant.keyArn) ?? [];
    list.push(grant);
    this.byKey.set(grant.keyArn, list);
  }

  /** The grants on one key (empty when none). */
  of(keyArn: string): readonly GrantRecord[] {
    return this.byKey.get(keyArn) ?? [];
  }

  /**
   * Whether a grant on `keyArn` lets the caller do `action` (`kms:Operation`) where policies
   * refused it with `reason`. The caller matches by its own ARN or, for a role session, its role's ARN.
   */
  lifts(reason: DenialReason, action: string, keyArn: string, callerArns: readonly string[]): boolean {
    if (!LIFTED_BY_GRANT.has(reason) || !action.startsWith('kms:')) return false;
    const operation = action.slice('kms:'.length);
    return this.of(keyArn).some((g) => callerArns.includes(g.granteePrincipal) && g.operations.includes(operation));
  }
}
