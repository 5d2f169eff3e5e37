// Who starts an instance again after a fix. No `vscode` import: the matching and the choices
// offered are tested in plain mocha.
import { parsePrincipalArn } from '../../core/arn';
import type { PrincipalInfo } from '../../core/diagnosis/types';
import type { ProfileSummary } from '../../core/model';

/** A configured profile with the identity AWS reported for it, when it was asked. */
export interface ProfileIdentity {
  profile: string;
  /** The caller ARN of the profile (STS GetCallerIdentity); undefined when not known. */
  arn?: string;
}

/**
 * The IAM entity whose policies decide for a caller ARN: the role of a role session, else
 * the user or role itself. Undefined for ARNs that name no such entity (federated users,
 * malformed text): those can never be matched to another identity.
 */
function governingEntity(arn: string): string | undefined {
  const parsed = arn.startsWith('arn:') ? parsePrincipalArn(arn) : undefined;
  if (!parsed) return undefined;
  // A role session and the role itself are governed by the same role policies.
  if (parsed.kind === 'assumed-role' || parsed.kind === 'role' || parsed.kind === 'user' || parsed.kind === 'root') {
    return parsed.kind === 'role' ? roleWithoutPath(parsed.principalArn) : parsed.principalArn;
  }
  return undefined;
}

/** A role ARN without its path: a session ARN never carries the path, so both sides drop it. */
function roleWithoutPath(roleArn: string): string {
  const [head, ...rest] = roleArn.split(':role/');
  const name = rest.join(':role/').split('/').pop() ?? '';
  return `${head}:role/${name}`;
}

/**
 * The profiles whose identity is the principal under test: same account and the same role
 * (any session of it) or the same user. Order of `identities` is kept.
 */
export function profilesActingAs(
  principal: Pick<PrincipalInfo, 'arn'>,
  identities: readonly ProfileIdentity[],
): string[] {
  const tested = governingEntity(principal.arn);
  if (!tested) return [];
  return identities.filter((i) => i.arn !== undefined && governingEntity(i.arn) === tested).map((i) => i.profile);
}

/**
 * The profiles that may be asked who they are without the person being prompted: no MFA
 * code and no credential_process command (the start-as offer never prompts on its own).
 */
export function quietProfiles(profiles: readonly ProfileSummary[]): string[] {
  return profiles.filter((p) => !p.needsMfa && !p.runsProcess).map((p) => p.name);
}

/** One way to go on after a fix, as the start-as choice offers it. */
export type StartChoice =
  | { kind: 'start'; profile: string; asPrincipal: boolean; label: string; detail: string }
  | { kind: 'check'; label: string; detail: string };

/**
 * What the start-as choice offers, first to last: starting as each profile whose identity is
 * the principal that failed; when there is none, Check the fix first; then starting as the
 * report's profile, saying that its success proves nothing for the principal unless it is one.
 */
export function startChoices(
  reportProfile: string,
  principalArn: string | undefined,
  acting: readonly string[],
): StartChoice[] {
  const who = principalArn ?? 'the principal that failed';
  const asPrincipal: StartChoice[] = acting.map((profile) => ({
    kind: 'start',
    profile,
    asPrincipal: true,
    label: `Start as ${profile}`,
    detail: `Profile ${profile} is ${who}, the principal that failed: a start that reaches running proves the fix.`,
  }));
  const check: StartChoice = {
    kind: 'check',
    label: 'Check the fix',
    detail: `Read the live key policy and the IAM side again and evaluate them for ${who}, without starting anything.`,
  };
  const reportIsPrincipal = acting.includes(reportProfile);
  const asReport: StartChoice[] = reportIsPrincipal
    ? []
    : [
        {
          kind: 'start',
          profile: reportProfile,
          asPrincipal: false,
          label: `Start as ${reportProfile}`,
          detail: principalArn
            ? `Profile ${reportProfile} is not ${who}: a success proves nothing for that principal.`
            : `Profile ${reportProfile}, the report's profile.`,
        },
      ];
  return acting.length > 0 ? [...asPrincipal, check, ...asReport] : [check, ...asReport];
}

/** The confirmation's question and detail for starting as a profile, naming the identity that will start it. */
export function startConfirmation(
  label: string,
  region: string,
  profile: string,
  identityArn: string | undefined,
  /** True: the principal that failed; false: another one; undefined: no diagnosis named one. */
  provesFix: boolean | undefined,
): { message: string; detail: string } {
  const identity = identityArn ? ` (${identityArn})` : '';
  const proof =
    provesFix === undefined
      ? ''
      : provesFix
        ? ' This is the principal that failed: if the instance reaches running, the fix works.'
        : ' This is not the principal that failed: a success proves nothing for it.';
  return {
    message: `Start ${label} as ${profile}?`,
    detail: `StartInstances through profile ${profile}${identity}, region ${region}.${proof} EC2 starts the instance and bills it while it runs.`,
  };
}
