/**
 * Who the rules ask about. A policy names principals by ARN, and names whole accounts (an
 * account id, an account root ARN, or `"*"`); for an account the rules ask about "any
 * principal of that account", which is not an ARN and must never be mistaken for one.
 */
import { accountRootArn } from '../arn';

export type PrincipalCandidate =
  /** Any IAM user or role of the account that the policy does not name itself. */
  | { kind: 'account-member'; account: string }
  /** A principal named by its ARN (user, role, assumed-role session...). */
  | { kind: 'arn'; arn: string };

/** A principal named by its ARN. */
export function arnPrincipal(arn: string): PrincipalCandidate {
  return { kind: 'arn', arn };
}

/** "Any principal of account X". */
export function accountMember(account: string): PrincipalCandidate {
  return { kind: 'account-member', account };
}

/**
 * A key unique per candidate, for caches and de-duplication. An ARN is its own key; an
 * account member's key has a space, which no ARN the rules ask about has.
 */
export function candidateKey(candidate: PrincipalCandidate): string {
  return candidate.kind === 'arn' ? candidate.arn : `account ${candidate.account}`;
}

/**
 * The caller ARN the evaluator is given for a candidate. For an account member, a role the
 * policy does not name: it matches the account's entries (id, root ARN, `*`) and the
 * account's condition keys, and nothing a policy grants to a named principal. The name is
 * only ever used inside the request, never shown.
 */
export function callerArnOf(candidate: PrincipalCandidate): string {
  if (candidate.kind === 'arn') return candidate.arn;
  return accountRootArn(candidate.account).replace(/:root$/, `:role/${ACCOUNT_MEMBER_ROLE}`);
}

/** A role name no IAM role can have (IAM role names allow `+=,.@_-` and alphanumerics only). */
const ACCOUNT_MEMBER_ROLE = 'any principal of the account';

/** The candidate in words, for messages and details. */
export function describeCandidate(candidate: PrincipalCandidate): string {
  return candidate.kind === 'arn' ? candidate.arn : `any principal of account ${candidate.account}`;
}

/** Removes duplicates, keeping the first occurrence. */
export function uniqueCandidates(candidates: readonly PrincipalCandidate[]): PrincipalCandidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = candidateKey(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
