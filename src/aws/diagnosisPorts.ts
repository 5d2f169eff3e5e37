import { isAliasReference, regionOfArn } from '../core/arn';
import type { CallOptions, DiagnosisPorts } from '../core/diagnosis/ports';
import type { AwsFailure, KeyInfo, Outcome } from '../core/model';
import { lookupEvents } from './cloudtrail';
import { describeLaunchConfigurations, describeScalingActivities, listAutoScalingGroups } from './autoscaling';
import {
  describeImages,
  describeInstance,
  describeLaunchTemplateVersions,
  describeSnapshots,
  describeVolumes,
  getEbsDefaults,
} from './ec2';
import { simulatePrincipalPolicy } from './iam';
import { describeKey, getKeyPolicy, listAliases } from './kms';
import type { SessionPort, SignalOption } from './session';

/** How many profiles of unknown account may be asked who they are to find a key's account. */
const MAX_ACCOUNT_PROBES = 10;

/** What every AWS call of one set of ports carries: the caller's signal and the request count. */
type PortCall = SignalOption & { onRequest: () => void };

/**
 * The diagnosis ports for one (profile, region), over real AWS calls. Every method resolves
 * to an Outcome; none throws. `apiCallCount()` counts the API requests sent through them,
 * pages and the lookups behind a port included, cached answers excluded.
 */
export function createDiagnosisPorts(session: SessionPort, profile: string, region: string): DiagnosisPorts {
  let requests = 0;
  const onRequest = (): void => {
    requests++;
  };
  const portCall = (options: CallOptions | undefined): PortCall => ({ signal: options?.signal, onRequest });

  return {
    describeInstance: (instanceId, options) =>
      describeInstance(session, profile, region, instanceId, portCall(options)),

    describeVolumes: (volumeIds, options) => describeVolumes(session, profile, region, volumeIds, portCall(options)),

    getEbsDefaults: (options) => getEbsDefaults(session, profile, region, portCall(options)),

    describeKey: async (keyIdOrArn, options) => {
      const keyRegion = regionOfArn(keyIdOrArn) ?? region;
      const settings = portCall(options);
      // ListAliases takes a key id or key ARN as given, so both calls share one round trip;
      // an alias must first resolve to its key.
      const [key, early] = await Promise.all([
        describeKey(session, profile, keyRegion, keyIdOrArn, settings),
        isAliasReference(keyIdOrArn) ? undefined : listAliases(session, profile, keyRegion, keyIdOrArn, settings),
      ]);
      if (!key.ok) return key;
      // Aliases are context only; a key the profile may not list aliases for is still a key.
      const aliases = early ?? (await listAliases(session, profile, keyRegion, key.value.keyId, settings));
      if (aliases.ok && aliases.value.length > 0) return { ok: true, value: { ...key.value, aliases: aliases.value } };
      return key;
    },

    getCallerIdentity: (options) => session.callerIdentity(profile, region, options?.signal, onRequest),

    lookupEvents: (query, options) => lookupEvents(session, profile, region, query, portCall(options)),

    getKeyPolicy: (key, options) => readKeyPolicy(session, profile, region, key, portCall(options)),

    simulatePrincipalPolicy: (input, options) =>
      simulatePrincipalPolicy(session, profile, region, input, portCall(options)),

    describeLaunchTemplateVersions: (ref, options) =>
      describeLaunchTemplateVersions(session, profile, region, ref, portCall(options)),

    describeImages: (imageIds, options) => describeImages(session, profile, region, imageIds, portCall(options)),

    describeSnapshots: (snapshotIds, options) =>
      describeSnapshots(session, profile, region, snapshotIds, portCall(options)),

    listAutoScalingGroups: (options, query) =>
      listAutoScalingGroups(session, profile, region, portCall(options), query?.groupNames),

    describeScalingActivities: (query, options) =>
      describeScalingActivities(session, profile, region, query, portCall(options)),

    describeLaunchConfigurations: (names, options) =>
      describeLaunchConfigurations(session, profile, region, names, portCall(options)),

    apiCallCount: () => requests,
  };
}

/**
 * GetKeyPolicy works only from the key's own account. When the diagnosed profile is known
 * to be in another account, a configured profile of the key's account reads it; without
 * one, the failure says whose access is needed. When the profile's own account cannot be
 * told (GetCallerIdentity failed), the profile itself tries: its failure is real evidence,
 * while calling the key foreign would not be.
 */
async function readKeyPolicy(
  session: SessionPort,
  profile: string,
  region: string,
  key: Pick<KeyInfo, 'keyId' | 'arn' | 'accountId'>,
  call: PortCall,
): Promise<Outcome<{ policy: string; via: string }>> {
  const keyRegion = regionOfArn(key.arn) ?? region;
  const keyRef = key.arn || key.keyId;
  let reader = profile;
  if (key.accountId) {
    const own = await accountOf(session, profile, region, call);
    if (own && own !== key.accountId) {
      const found = await findProfileInAccount(session, key.accountId, profile, region, call);
      if (!found.profile) return { ok: false, error: crossAccountFailure(key, profile, own, found.interactive) };
      reader = found.profile;
    }
  }
  const policy = await getKeyPolicy(session, reader, keyRegion, keyRef, call);
  if (!policy.ok) return policy;
  return { ok: true, value: { policy: policy.value, via: reader } };
}

async function accountOf(
  session: SessionPort,
  profile: string,
  region: string,
  call: PortCall,
): Promise<string | undefined> {
  const known = await session.knownAccountId(profile).catch(() => undefined);
  if (known) return known;
  const identity = await session.callerIdentity(profile, region, call.signal, call.onRequest);
  return identity.ok ? identity.value.account : undefined;
}

/**
 * A configured profile in `accountId` that can sign in without asking anything: first
 * those whose account the config or an earlier GetCallerIdentity revealed, then a bounded
 * number of others asked in parallel. A profile whose sign-in asks for an MFA code or runs
 * a credential_process command is neither asked nor used, unless the session already holds
 * its credentials: the diagnosis never prompts, and never runs commands of profiles the
 * person did not pick. Such profiles of the key's account are returned as `interactive`.
 */
async function findProfileInAccount(
  session: SessionPort,
  accountId: string,
  exclude: string,
  region: string,
  call: PortCall,
): Promise<{ profile?: string; interactive: string[] }> {
  const profiles = (await session.profiles().catch(() => [])).filter((p) => p.name !== exclude);
  const unknown: string[] = [];
  const interactive: string[] = [];
  for (const candidate of profiles) {
    const quiet = !(candidate.needsMfa || candidate.runsProcess) || session.hasLiveCredentials(candidate.name);
    const known = await session.knownAccountId(candidate.name).catch(() => undefined);
    if (known === accountId) {
      if (quiet) return { profile: candidate.name, interactive };
      interactive.push(candidate.name);
    } else if (!known && quiet) {
      unknown.push(candidate.name);
    }
  }
  const probes = unknown.slice(0, MAX_ACCOUNT_PROBES);
  const answers = await Promise.all(
    probes.map((name) => session.callerIdentity(name, region, call.signal, call.onRequest)),
  );
  const index = answers.findIndex((answer) => answer.ok && answer.value.account === accountId);
  return index >= 0 ? { profile: probes[index], interactive } : { interactive };
}

function crossAccountFailure(
  key: Pick<KeyInfo, 'keyId' | 'arn' | 'accountId'>,
  profile: string,
  own: string,
  interactive: string[],
): AwsFailure {
  const skipped =
    interactive.length > 0
      ? ` Profiles ${interactive.join(', ')} of that account were not used: signing in with them asks for an MFA code or runs a command.`
      : '';
  return {
    kind: 'access-denied',
    message:
      `Key ${key.arn || key.keyId} is in account ${key.accountId}, not in ${own} of profile ${profile}; ` +
      `GetKeyPolicy does not work across accounts and no configured profile of account ${key.accountId} could read it ` +
      `without asking for anything.${skipped}`,
    nextStep:
      interactive.length > 0
        ? `Sign in once with profile ${interactive[0]} (for example, list its instances) and run the diagnosis again, ` +
          `or ask the administrators of account ${key.accountId} for the key policy.`
        : `Add a profile with kms:GetKeyPolicy access in account ${key.accountId}, or ask its administrators for the key policy.`,
    action: 'kms:GetKeyPolicy',
  };
}
