import {
  CancelKeyDeletionCommand,
  CreateGrantCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  PutKeyPolicyCommand,
  type GrantOperation,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { accountOfArn, regionOfArn } from '../core/arn';
import type { GrantCreated, KeyInfo, Outcome } from '../core/model';
import { classifyAwsError } from './errors';
import type { SessionPort, SignalOption } from './session';

/** KMS keeps one policy per key, always named `default`. */
const POLICY_NAME = 'default';

/** DescribeKey, mapped to KeyInfo; works in every key state and across accounts with the ARN. */
export async function describeKey(
  session: SessionPort,
  profile: string,
  region: string,
  keyIdOrArn: string,
  options: SignalOption = {},
): Promise<Outcome<KeyInfo>> {
  const action = 'kms:DescribeKey';
  const out = await session.send(
    'KMS',
    profile,
    region,
    new DescribeKeyCommand({ KeyId: keyIdOrArn }),
    action,
    options,
  );
  if (!out.ok) return out;
  if (out.value.KeyMetadata) return { ok: true, value: mapKey(out.value.KeyMetadata) };
  const missing = Object.assign(new Error(`KMS returned no metadata for ${keyIdOrArn}.`), {
    name: 'NotFoundException',
  });
  return { ok: false, error: classifyAwsError(missing, { profile, region, action }) };
}

/** The alias names of a key (context for people; keys are known by alias). */
export async function listAliases(
  session: SessionPort,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<string[]>> {
  const out = await session.send(
    'KMS',
    profile,
    region,
    new ListAliasesCommand({ KeyId: keyId }),
    'kms:ListAliases',
    options,
  );
  if (!out.ok) return out;
  return { ok: true, value: (out.value.Aliases ?? []).map((a) => a.AliasName ?? '').filter((name) => name !== '') };
}

/** The key's `default` policy text. Only a profile of the key's own account can read it. */
export async function getKeyPolicy(
  session: SessionPort,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<string>> {
  const command = new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: POLICY_NAME });
  const out = await session.send('KMS', profile, region, command, 'kms:GetKeyPolicy', options);
  return out.ok ? { ok: true, value: out.value.Policy ?? '' } : out;
}

/**
 * Replaces the key's `default` policy. The lockout safety check is always on: KMS refuses a
 * policy that would lock the caller out, and this function never bypasses that. Callers
 * confirm with the person first and keep the previous policy as a backup.
 */
export async function putKeyPolicy(
  session: SessionPort,
  profile: string,
  region: string,
  keyId: string,
  policy: string,
  options: SignalOption = {},
): Promise<Outcome<void>> {
  const command = new PutKeyPolicyCommand({
    KeyId: keyId,
    PolicyName: POLICY_NAME,
    Policy: policy,
    BypassPolicyLockoutSafetyCheck: false,
  });
  return done(await session.send('KMS', profile, region, command, 'kms:PutKeyPolicy', options));
}

/** What a grant gives, and to whom. */
export interface GrantRequest {
  /** The key ARN: a grant on another account's key must name it by ARN. */
  keyArn: string;
  /** The principal that may use the key, e.g. the Auto Scaling service-linked role ARN. */
  granteePrincipal: string;
  /** KMS grant operations, e.g. `Decrypt`, `GenerateDataKeyWithoutPlaintext`, `CreateGrant`. */
  operations: string[];
  /** A name that tells people later why the grant exists. */
  name: string;
}

/**
 * CreateGrant: a WRITE to the key. Only ever called after the person confirmed the exact
 * grant; this function does not ask. It is the documented fix for a key of another account
 * used by that account's Auto Scaling role (src/aws-records.md Q3): the grant is created
 * from the group's account, with the key policy allowing that account.
 */
export async function createGrant(
  session: SessionPort,
  profile: string,
  region: string,
  request: GrantRequest,
  options: SignalOption = {},
): Promise<Outcome<GrantCreated>> {
  const command = new CreateGrantCommand({
    KeyId: request.keyArn,
    GranteePrincipal: request.granteePrincipal,
    Operations: request.operations as GrantOperation[],
    Name: request.name,
  });
  // A key lives in one region; the grant is made there whatever region the caller is in.
  const out = await session.send(
    'KMS',
    profile,
    regionOfArn(request.keyArn) ?? region,
    command,
    'kms:CreateGrant',
    options,
  );
  if (!out.ok) return out;
  const grant: GrantCreated = { grantId: out.value.GrantId ?? '' };
  if (out.value.GrantToken) grant.grantToken = out.value.GrantToken;
  return { ok: true, value: grant };
}

/** Enables a disabled key. Callers confirm first. */
export async function enableKey(
  session: SessionPort,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<void>> {
  return done(
    await session.send('KMS', profile, region, new EnableKeyCommand({ KeyId: keyId }), 'kms:EnableKey', options),
  );
}

/** Cancels a scheduled deletion; the key comes back Disabled and still needs enableKey. */
export async function cancelKeyDeletion(
  session: SessionPort,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<{ keyId: string }>> {
  const out = await session.send(
    'KMS',
    profile,
    region,
    new CancelKeyDeletionCommand({ KeyId: keyId }),
    'kms:CancelKeyDeletion',
    options,
  );
  return out.ok ? { ok: true, value: { keyId: out.value.KeyId ?? keyId } } : out;
}

/** An answer whose content does not matter, only that it came. */
function done(outcome: Outcome<unknown>): Outcome<void> {
  return outcome.ok ? { ok: true, value: undefined } : outcome;
}

/** Maps KMS key metadata to KeyInfo. Pure. */
export function mapKey(metadata: KeyMetadata): KeyInfo {
  const arn = metadata.Arn ?? '';
  const info: KeyInfo = {
    keyId: metadata.KeyId ?? '',
    arn,
    accountId: metadata.AWSAccountId ?? accountOfArn(arn) ?? '',
    state: metadata.KeyState ?? 'Unknown',
    manager: metadata.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
  };
  if (metadata.DeletionDate) info.deletionDate = new Date(metadata.DeletionDate).toISOString();
  return info;
}
