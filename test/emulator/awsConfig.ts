/**
 * Writes a shared config + credentials pair whose profiles reach the emulator through
 * `endpoint_url`, the same way a user's profile reaches AWS: no test-only code path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Scenario, ScenarioPrincipal } from './scenario';

/** Profiles written besides one static-key profile per principal, one per sign-in kind. */
export const EXTRA_PROFILES = {
  credentialProcess: 'emulator-process',
  assumeRole: 'emulator-assume-role',
  ssoSession: 'emulator-sso',
  ssoLegacy: 'emulator-sso-legacy',
} as const;

/** The `sso-session` section the SSO profile uses. */
export const SSO_SESSION_NAME = 'emulator-sso-session';

export interface AwsConfigFiles {
  configFile: string;
  credentialsFile: string;
  /** Every profile name written, static ones first. */
  profiles: string[];
}

function sectionName(profile: string): string {
  return profile === 'default' ? '[default]' : `[profile ${profile}]`;
}

function defaultRegion(scenario: Scenario, principal: ScenarioPrincipal): string {
  return principal.region ?? scenario.regions.find((r) => !r.optIn)?.name ?? 'us-east-1';
}

/** A shell command printing the principal's credentials as `credential_process` expects. */
function credentialProcessCommand(principal: ScenarioPrincipal): string {
  const payload = {
    Version: 1,
    AccessKeyId: principal.accessKeyId,
    SecretAccessKey: principal.secretAccessKey,
    ...(principal.sessionToken ? { SessionToken: principal.sessionToken } : {}),
  };
  // Single quotes inside the script and no spaces: the ini parser cuts values at " ;" and " #".
  const script = `process.stdout.write(JSON.stringify(${JSON.stringify(payload).replace(/"/g, "'")}))`;
  return `"${process.execPath}" -e "${script}"`;
}

/**
 * Writes `config` and `credentials` into `dir`: one static-key profile per scenario
 * principal (named after it), plus a `credential_process` profile, a `role_arn` +
 * `source_profile` profile, an `sso_session` profile and a legacy SSO profile (the SSO
 * ones have no cached token, so they behave as an expired SSO sign-in).
 */
export function writeAwsConfig(dir: string, emulator: { url: string }, scenario: Scenario): AwsConfigFiles {
  mkdirSync(dir, { recursive: true });
  const config: string[] = [];
  const credentials: string[] = [];
  const profiles: string[] = [];
  for (const p of scenario.principals) {
    profiles.push(p.name);
    config.push(sectionName(p.name), `region = ${defaultRegion(scenario, p)}`, `endpoint_url = ${emulator.url}`, '');
    credentials.push(
      `[${p.name}]`,
      `aws_access_key_id = ${p.accessKeyId}`,
      `aws_secret_access_key = ${p.secretAccessKey}`,
    );
    if (p.sessionToken) credentials.push(`aws_session_token = ${p.sessionToken}`);
    credentials.push('');
  }

  const user = scenario.principals.find((p) => !p.sessionName && !p.expired) ?? scenario.principals[0];
  const role = scenario.principals.find((p) => p.sessionName && !p.expired);
  if (user) {
    profiles.push(EXTRA_PROFILES.credentialProcess);
    config.push(
      sectionName(EXTRA_PROFILES.credentialProcess),
      `region = ${defaultRegion(scenario, user)}`,
      `endpoint_url = ${emulator.url}`,
      `credential_process = ${credentialProcessCommand(user)}`,
      '',
    );
  }
  if (user && role) {
    profiles.push(EXTRA_PROFILES.assumeRole);
    config.push(
      sectionName(EXTRA_PROFILES.assumeRole),
      `region = ${defaultRegion(scenario, role)}`,
      `endpoint_url = ${emulator.url}`,
      `role_arn = ${role.arn}`,
      `source_profile = ${user.name}`,
      `role_session_name = ${role.sessionName}`,
      '',
    );
  }
  const account = (role ?? user)?.account ?? scenario.accounts[0]?.id ?? '111111111111';
  const region = scenario.regions.find((r) => !r.optIn)?.name ?? 'us-east-1';
  profiles.push(EXTRA_PROFILES.ssoSession, EXTRA_PROFILES.ssoLegacy);
  config.push(
    sectionName(EXTRA_PROFILES.ssoSession),
    `sso_session = ${SSO_SESSION_NAME}`,
    `sso_account_id = ${account}`,
    'sso_role_name = EmulatorAdmin',
    `region = ${region}`,
    `endpoint_url = ${emulator.url}`,
    '',
    `[sso-session ${SSO_SESSION_NAME}]`,
    'sso_start_url = https://emulator-example.awsapps.com/start',
    `sso_region = ${region}`,
    'sso_registration_scopes = sso:account:access',
    '',
    sectionName(EXTRA_PROFILES.ssoLegacy),
    'sso_start_url = https://emulator-legacy-example.awsapps.com/start',
    `sso_region = ${region}`,
    `sso_account_id = ${account}`,
    'sso_role_name = EmulatorReadOnly',
    `region = ${region}`,
    `endpoint_url = ${emulator.url}`,
    '',
  );

  const configFile = path.join(dir, 'config');
  const credentialsFile = path.join(dir, 'credentials');
  writeFileSync(configFile, config.join('\n'), { mode: 0o600 });
  writeFileSync(credentialsFile, credentials.join('\n'), { mode: 0o600 });
  return { configFile, credentialsFile, profiles };
}
