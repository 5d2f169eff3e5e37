import {
  DescribeVolumesCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import {
  SimulatePrincipalPolicyCommand,
  type ContextKeyTypeEnum,
  type EvaluationResult,
  type SimulatePrincipalPolicyCommandOutput,
} from '@aws-sdk/client-iam';
import type { CallOptions, DiagnosisPorts, SimulationResult } from '../core/diagnosis/ports';
import type { AwsFailure, KeyInfo, Outcome, VolumeInfo } from '../core/model';
import { lookupEvents } from './cloudtrail';
import { describeInstance } from './ec2';
import { describeKey, getKeyPolicy, listAliases } from './kms';
import type { AwsSession } from './session';

/** SimulatePrincipalPolicy answers in pages; a diagnosis asks about a handful of actions. */
const MAX_SIMULATION_PAGES = 10;
/** How many profiles of unknown account may be asked who they are to find a key's account. */
const MAX_ACCOUNT_PROBES = 10;

/** What every AWS call of one set of ports carries: the caller's signal and the request count. */
interface PortCall {
  signal?: AbortSignal;
  onRequest: () => void;
}

/**
 * The diagnosis ports for one (profile, region), over real AWS calls. Every method resolves
 * to an Outcome; none throws. `apiCallCount()` counts the API requests sent through them,
 * pages and the lookups behind a port included, cached answers excluded.
 */
export function createDiagnosisPorts(session: AwsSession, profile: string, region: string): DiagnosisPorts {
  let requests = 0;
  const onRequest = (): void => {
    requests++;
  };
  const portCall = (options: CallOptions | undefined): PortCall => ({ signal: options?.signal, onRequest });

  return {
    describeInstance: (instanceId, options) => describeInstance(session, profile, region, instanceId, portCall(options)),

    describeVolumes: async (volumeIds, options) => {
      if (volumeIds.length === 0) return { ok: true, value: [] };
      return session.call(
        'EC2',
        profile,
        region,
        async (ec2, abortSignal) => {
          const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }), { abortSignal });
          return (out.Volumes ?? []).map(mapVolume);
        },
        { ...portCall(options), action: 'ec2:DescribeVolumes' },
      );
    },

    getEbsDefaults: async (options) => {
      const settings = portCall(options);
      const [keyId, byDefault] = await Promise.all([
        session.call(
          'EC2',
          profile,
          region,
          (ec2, abortSignal) => ec2.send(new GetEbsDefaultKmsKeyIdCommand({}), { abortSignal }),
          { ...settings, action: 'ec2:GetEbsDefaultKmsKeyId' },
        ),
        session.call(
          'EC2',
          profile,
          region,
          (ec2, abortSignal) => ec2.send(new GetEbsEncryptionByDefaultCommand({}), { abortSignal }),
          { ...settings, action: 'ec2:GetEbsEncryptionByDefault' },
        ),
      ]);
      if (!keyId.ok) return keyId;
      if (!byDefault.ok) return byDefault;
      const value: { defaultKmsKeyId?: string; encryptionByDefault: boolean } = {
        encryptionByDefault: byDefault.value.EbsEncryptionByDefault === true,
      };
      if (keyId.value.KmsKeyId) value.defaultKmsKeyId = keyId.value.KmsKeyId;
      return { ok: true, value };
    },

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
      session.call(
        'IAM',
        profile,
        region,
        async (iam, abortSignal) => {
          const results: SimulationResult[] = [];
          let marker: string | undefined;
          for (let page = 0; page < MAX_SIMULATION_PAGES; page++) {
            const out: SimulatePrincipalPolicyCommandOutput = await iam.send(
              new SimulatePrincipalPolicyCommand({
                PolicySourceArn: input.policySourceArn,
                ActionNames: input.actionNames,
                ResourceArns: input.resourceArns,
                ContextEntries: input.context.map((entry) => ({
                  ContextKeyName: entry.key,
                  ContextKeyType: entry.type as ContextKeyTypeEnum,
                  ContextKeyValues: entry.values,
                })),
                Marker: marker,
              }),
              { abortSignal },
            );
            results.push(...(out.EvaluationResults ?? []).map(mapEvaluation));
            marker = out.IsTruncated ? out.Marker : undefined;
            if (!marker) break;
          }
          return results;
        },
        { ...portCall(options), action: 'iam:SimulatePrincipalPolicy' },
      ),

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
  session: AwsSession,
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

async function accountOf(session: AwsSession, profile: string, region: string, call: PortCall): Promise<string | undefined> {
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
  session: AwsSession,
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

function crossAccountFailure(key: Pick<KeyInfo, 'keyId' | 'arn' | 'accountId'>, profile: string, own: string, interactive: string[]): AwsFailure {
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

/** Maps an SDK volume to VolumeInfo. Pure. */
export function mapVolume(volume: Volume): VolumeInfo {
  const info: VolumeInfo = { id: volume.VolumeId ?? '', encrypted: volume.Encrypted === true };
  if (volume.KmsKeyId) info.kmsKeyId = volume.KmsKeyId;
  if (volume.Size !== undefined) info.sizeGiB = volume.Size;
  if (volume.State) info.state = volume.State;
  const attachedTo = volume.Attachments?.find((a) => a.InstanceId)?.InstanceId;
  if (attachedTo) info.attachedTo = attachedTo;
  return info;
}

/** Maps one IAM evaluation result. Pure. */
export function mapEvaluation(result: EvaluationResult): SimulationResult {
  const decision = result.EvalDecision;
  return {
    action: result.EvalActionName ?? '',
    resource: result.EvalResourceName ?? '*',
    decision: decision === 'allowed' || decision === 'explicitDeny' ? decision : 'implicitDeny',
    matchedStatements: (result.MatchedStatements ?? []).map((statement) => {
      const matched: { sourcePolicyId?: string; sourcePolicyType?: string } = {};
      if (statement.SourcePolicyId) matched.sourcePolicyId = statement.SourcePolicyId;
      if (statement.SourcePolicyType) matched.sourcePolicyType = statement.SourcePolicyType;
      return matched;
    }),
    missingContextValues: result.MissingContextValues ?? [],
    // Lets the diagnosis blame an explicit deny on an SCP or a permissions boundary.
    ...(result.OrganizationsDecisionDetail?.AllowedByOrganizations !== undefined
      ? { allowedByOrganizations: result.OrganizationsDecisionDetail.AllowedByOrganizations }
      : {}),
    ...(result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary !== undefined
      ? { allowedByPermissionsBoundary: result.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary }
      : {}),
  };
}

/** True for `alias/name` or an alias ARN, which ListAliases does not accept as KeyId. */
export function isAliasReference(value: string): boolean {
  return value.startsWith('alias/') || /^arn:[^:]*:kms:[^:]*:[^:]*:alias\//.test(value);
}

/** The region field of an ARN, if the value is an ARN with one. */
export function regionOfArn(value: string): string | undefined {
  if (!value.startsWith('arn:')) return undefined;
  return value.split(':')[3] || undefined;
}
