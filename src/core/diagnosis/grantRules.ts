/**
 * Which fixes let EC2 create its grant, as a decision table. The facts are what the key
 * policy evaluation, the IAM simulation and CloudTrail said about one principal on one key
 * (explicit Denies and AWS managed keys are decided before this table). Rows are tried in
 * order; the first whose conditions all hold decides.
 */
import type { DenialKind } from './trail';

/** What the checks said about one principal on one customer managed key. */
export interface GrantFacts {
  /**
   * `denies`: the key policy cannot allow the grant; `allows`: it allows it and IAM does not
   * decide; `defers-to-iam`: the caller's IAM policies decide (account delegation, or a
   * caller from another account); `unread`: the policy could not be evaluated.
   */
  keyPolicy: 'denies' | 'allows' | 'defers-to-iam' | 'unread';
  /** The IAM simulation's decision for the key, or `not-run`. */
  simulation: 'allowed' | 'implicitDeny' | 'not-run';
  /** CloudTrail holds a denied CreateGrant of this principal on this key. */
  trailDenial: boolean;
  /** The principal's account is not the key's: both the key policy and IAM must allow. */
  crossAccount: boolean;
}

/** One statement to add: where, and whether it is needed or one way among several. */
export interface NeededFix {
  target: 'key-policy' | 'identity-policy';
  role: 'required' | 'alternative';
}

/**
 * What a row decides. `fix`: the statements to add (`by-cloudtrail`: as CloudTrail's denial
 * says, see `FIXES_BY_DENIAL`) and how many independent sources agree, not counting
 * CloudTrail's denial (which adds one when present); `other-cause`: KMS denied though the
 * policies allow; `unchecked`: a needed check is missing and nothing shows a denial;
 * `allowed`: the principal may have EC2 create the grant.
 */
export type GrantDecision =
  | { outcome: 'fix'; fixes: readonly NeededFix[] | 'by-cloudtrail'; sources: number }
  | { outcome: 'other-cause' }
  | { outcome: 'unchecked' }
  | { outcome: 'allowed' };

export interface GrantRule {
  name: string;
  /** Conditions that must all hold; a fact left out matches any value. */
  when: Partial<GrantFacts>;
  then: GrantDecision;
}

const KEY_POLICY: NeededFix = { target: 'key-policy', role: 'required' };
const KEY_POLICY_INSTEAD: NeededFix = { target: 'key-policy', role: 'alternative' };
const IDENTITY: NeededFix = { target: 'identity-policy', role: 'required' };
const IDENTITY_INSTEAD: NeededFix = { target: 'identity-policy', role: 'alternative' };

function fix(fixes: readonly NeededFix[] | 'by-cloudtrail', sources: number): GrantDecision {
  return { outcome: 'fix', fixes, sources };
}

/** The decision table, first match wins. */
export const GRANT_RULES: readonly GrantRule[] = [
  {
    name: 'key policy denies; cross-account, and IAM does not allow either',
    when: { keyPolicy: 'denies', crossAccount: true, simulation: 'implicitDeny' },
    then: fix([KEY_POLICY, IDENTITY], 2),
  },
  {
    name: 'key policy denies; cross-account, IAM not simulated',
    when: { keyPolicy: 'denies', crossAccount: true, simulation: 'not-run' },
    then: fix([KEY_POLICY, IDENTITY], 1),
  },
  { name: 'key policy denies', when: { keyPolicy: 'denies' }, then: fix([KEY_POLICY], 1) },
  {
    name: 'IAM decides and does not allow (same account)',
    when: { keyPolicy: 'defers-to-iam', simulation: 'implicitDeny', crossAccount: false },
    then: fix([IDENTITY, KEY_POLICY_INSTEAD], 2),
  },
  {
    name: 'IAM decides and does not allow (cross-account)',
    when: { keyPolicy: 'defers-to-iam', simulation: 'implicitDeny', crossAccount: true },
    then: fix([IDENTITY], 2),
  },
  {
    name: 'IAM decides, not simulated, CloudTrail shows the denial (same account)',
    when: { keyPolicy: 'defers-to-iam', simulation: 'not-run', trailDenial: true, crossAccount: false },
    then: fix([IDENTITY, KEY_POLICY_INSTEAD], 0),
  },
  {
    name: 'IAM decides, not simulated, CloudTrail shows the denial (cross-account)',
    when: { keyPolicy: 'defers-to-iam', simulation: 'not-run', trailDenial: true, crossAccount: true },
    then: fix([IDENTITY], 0),
  },
  {
    name: 'IAM decides, not simulated, no denial seen',
    when: { keyPolicy: 'defers-to-iam', simulation: 'not-run' },
    then: { outcome: 'unchecked' },
  },
  {
    name: 'IAM allows, yet KMS denied',
    when: { keyPolicy: 'defers-to-iam', simulation: 'allowed', trailDenial: true },
    then: { outcome: 'other-cause' },
  },
  {
    name: 'IAM decides and allows',
    when: { keyPolicy: 'defers-to-iam', simulation: 'allowed' },
    then: { outcome: 'allowed' },
  },
  {
    name: 'key policy allows, yet KMS denied',
    when: { keyPolicy: 'allows', trailDenial: true },
    then: { outcome: 'other-cause' },
  },
  { name: 'key policy allows', when: { keyPolicy: 'allows' }, then: { outcome: 'allowed' } },
  {
    name: 'key policy unread; IAM does not allow',
    when: { keyPolicy: 'unread', simulation: 'implicitDeny' },
    then: fix('by-cloudtrail', 1),
  },
  {
    name: 'key policy unread; IAM allows, KMS denied: the key policy is missing',
    when: { keyPolicy: 'unread', simulation: 'allowed', trailDenial: true },
    then: fix([KEY_POLICY], 0),
  },
  {
    name: 'key policy unread; IAM allows, no denial seen',
    when: { keyPolicy: 'unread', simulation: 'allowed' },
    then: { outcome: 'unchecked' },
  },
  {
    name: 'key policy unread; only CloudTrail shows the denial',
    when: { keyPolicy: 'unread', trailDenial: true },
    then: fix('by-cloudtrail', 0),
  },
  { name: 'key policy unread; nothing else to go on', when: { keyPolicy: 'unread' }, then: { outcome: 'unchecked' } },
];

/** The kinds of CloudTrail denial that say which statement is missing. */
type DenialFixKey = 'no-identity-policy-allow' | 'no-key-policy-allow' | 'other';

/**
 * The statements to add when CloudTrail's newest denial must say where (the key policy
 * unread), by what KMS said is missing; across accounts both sides must allow.
 */
export const FIXES_BY_DENIAL: Record<
  DenialFixKey,
  { sameAccount: readonly NeededFix[]; crossAccount: readonly NeededFix[] }
> = {
  'no-identity-policy-allow': { sameAccount: [IDENTITY, KEY_POLICY_INSTEAD], crossAccount: [IDENTITY] },
  'no-key-policy-allow': { sameAccount: [KEY_POLICY], crossAccount: [KEY_POLICY, IDENTITY] },
  other: { sameAccount: [KEY_POLICY, IDENTITY_INSTEAD], crossAccount: [KEY_POLICY, IDENTITY] },
};

function matches(when: Partial<GrantFacts>, facts: GrantFacts): boolean {
  return (Object.keys(when) as (keyof GrantFacts)[]).every((fact) => when[fact] === facts[fact]);
}

/** The first row of `GRANT_RULES` that holds for `facts` (the last row always matches an unread policy). */
export function grantRuleFor(facts: GrantFacts): GrantRule {
  return (
    GRANT_RULES.find((rule) => matches(rule.when, facts)) ?? {
      name: 'no row',
      when: {},
      then: { outcome: 'unchecked' },
    }
  );
}

/** The statements a `fix` decision stands for, given CloudTrail's newest denial. */
export function neededFixes(
  fixes: readonly NeededFix[] | 'by-cloudtrail',
  newestDenial: DenialKind | undefined,
  crossAccount: boolean,
): readonly NeededFix[] {
  if (fixes !== 'by-cloudtrail') return fixes;
  const key: DenialFixKey =
    newestDenial === 'no-identity-policy-allow' || newestDenial === 'no-key-policy-allow' ? newestDenial : 'other';
  return crossAccount ? FIXES_BY_DENIAL[key].crossAccount : FIXES_BY_DENIAL[key].sameAccount;
}
