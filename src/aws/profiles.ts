import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { accountOfArn, isAccountId } from '../core/arn';
import type { ProfileSummary, SignInKind } from '../core/model';

export { accountOfArn } from '../core/arn';

/**
 * Where the shared files are. Unset fields fall back to `AWS_CONFIG_FILE` /
 * `AWS_SHARED_CREDENTIALS_FILE`, then to `~/.aws/config` and `~/.aws/credentials`, exactly as
 * the SDK does; the extension fills them from its settings.
 */
export interface SharedFileOptions {
  configFile?: string;
  credentialsFile?: string;
}

/** The `key = value` pairs of one profile section, as the SDK's ini loader returns them. */
export type ProfileSection = Record<string, string | undefined>;

/** Sections of the config file that are not profiles carry these prefixes. */
const NON_PROFILE_PREFIXES = ['sso-session.', 'services.'];

/**
 * Lists every profile of the shared config and credentials files, read with the SDK's own
 * loader so that names and precedence match what credential resolution will see.
 * `ignoreCache` re-reads the files (after they changed on disk).
 */
export async function listProfiles(
  options: SharedFileOptions & { ignoreCache?: boolean } = {},
): Promise<ProfileSummary[]> {
  const files = await loadSharedConfigFiles(loaderInit(options));
  return summariseProfiles(files.configFile, files.credentialsFile);
}

/** The init object the SDK's loaders take for the given file options. */
export function loaderInit(options: SharedFileOptions & { ignoreCache?: boolean }): {
  configFilepath?: string;
  filepath?: string;
  ignoreCache?: boolean;
} {
  const init: { configFilepath?: string; filepath?: string; ignoreCache?: boolean } = {};
  if (options.configFile) init.configFilepath = options.configFile;
  if (options.credentialsFile) init.filepath = options.credentialsFile;
  if (options.ignoreCache) init.ignoreCache = true;
  return init;
}

/**
 * Builds summaries from parsed config and credentials sections. A profile in both files is
 * one profile; the credentials file wins per key, as in the SDK's `parseKnownFiles`.
 * `default` comes first, then names in alphabetical order.
 */
export function summariseProfiles(
  configFile: Record<string, ProfileSection>,
  credentialsFile: Record<string, ProfileSection>,
): ProfileSummary[] {
  const merged = new Map<string, ProfileSection>();
  for (const [name, section] of Object.entries(configFile)) {
    if (NON_PROFILE_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    merged.set(name, { ...section });
  }
  for (const [name, section] of Object.entries(credentialsFile)) {
    merged.set(name, { ...(merged.get(name) ?? {}), ...section });
  }
  const summaries: ProfileSummary[] = [];
  for (const [name, section] of merged) {
    const summary: ProfileSummary = { name, signIn: signInKind(section) };
    if (section.region) summary.region = section.region;
    const accountId = accountIdOf(section);
    if (accountId) summary.accountId = accountId;
    const needs = interactiveSignIn(name, merged);
    if (needs.needsMfa) summary.needsMfa = true;
    if (needs.runsProcess) summary.runsProcess = true;
    summaries.push(summary);
  }
  return summaries.sort(byProfileName);
}

function byProfileName(a: ProfileSummary, b: ProfileSummary): number {
  if (a.name === 'default') return b.name === 'default' ? 0 : -1;
  if (b.name === 'default') return 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * How a profile signs in, checked in the order the SDK's `fromIni` resolves them: a role
 * with a web identity token, a role over another profile, static keys, a process, SSO.
 */
export function signInKind(section: ProfileSection): SignInKind {
  if (section.role_arn && section.web_identity_token_file) return 'web-identity';
  if (section.role_arn && (section.source_profile || section.credential_source)) return 'assume-role';
  if (section.aws_access_key_id && section.aws_secret_access_key) return 'static-keys';
  if (section.credential_process) return 'credential-process';
  if (section.sso_session) return 'sso';
  if (section.sso_start_url) return 'sso-legacy';
  if (section.aws_access_key_id) return 'static-keys';
  return 'unknown';
}

/** Longer `source_profile` chains than this are not followed (the SDK would reject a cycle). */
const MAX_SOURCE_HOPS = 16;

/**
 * Whether signing in with `name` asks for an MFA code or runs a `credential_process`
 * command, following `source_profile` the way the SDK's `fromIni` does: every role hop
 * with `mfa_serial` asks for a code, a source profile with static keys ends the chain, and
 * the chain's last profile may run a process. Code that signs in with profiles the person
 * did not pick (to find a key's account) must leave these alone: they could prompt.
 */
export function interactiveSignIn(
  name: string,
  sections: ReadonlyMap<string, ProfileSection>,
): { needsMfa: boolean; runsProcess: boolean } {
  const result = { needsMfa: false, runsProcess: false };
  const visited = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !visited.has(current) && visited.size < MAX_SOURCE_HOPS) {
    const section = sections.get(current);
    if (!section) break;
    const hasKeys = !!(section.aws_access_key_id && section.aws_secret_access_key);
    if (visited.size > 0 && hasKeys) break;
    visited.add(current);
    if (section.role_arn && (section.source_profile || section.credential_source)) {
      if (section.mfa_serial) result.needsMfa = true;
      current = section.credential_source ? undefined : section.source_profile;
      continue;
    }
    if (!hasKeys && !(section.role_arn && section.web_identity_token_file) && section.credential_process) {
      result.runsProcess = true;
    }
    break;
  }
  return result;
}

/** The account a profile works in when the config alone says so. */
export function accountIdOf(section: ProfileSection): string | undefined {
  const candidates = [section.sso_account_id, section.aws_account_id, accountOfArn(section.role_arn)];
  return candidates.find((value): value is string => !!value && isAccountId(value));
}
