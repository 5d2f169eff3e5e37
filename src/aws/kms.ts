import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  ListAliasesCommand,
  PutKeyPolicyCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import type { KeyInfo, Outcome } from '../core/model';
import { accountOfArn } from './profiles';
import type { SignalOption } from './ec2';
import type { AwsSession } from './session';

/** KMS keeps one policy per key, always named `default`. */
const POLICY_NAME = 'default';

/** DescribeKey, mapped to KeyInfo; works in every key state and across accounts with the ARN. */
export function describeKey(
  session: AwsSession,
  profile: string,
  region: string,
  keyIdOrArn: string,
  options: SignalOption = {},
): Promise<Outcome<KeyInfo>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      const out = await kms.send(new DescribeKeyCommand({ KeyId: keyIdOrArn }), { abortSignal });
      if (!out.KeyMetadata) throw Object.assign(new Error(`KMS returned no metadata for ${keyIdOrArn}.`), { name: 'NotFoundException' });
      return mapKey(out.KeyMetadata);
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:DescribeKey' },
  );
}

/** The alias names of a key (context for people; keys are known by alias). */
export function listAliases(
  session: AwsSession,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<string[]>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      const out = await kms.send(new ListAliasesCommand({ KeyId: keyId }), { abortSignal });
      return (out.Aliases ?? []).map((a) => a.AliasName ?? '').filter((name) => name !== '');
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:ListAliases' },
  );
}

/** The key's `default` policy text. Only a profile of the key's own account can read it. */
export function getKeyPolicy(
  session: AwsSession,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<string>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      const out = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: POLICY_NAME }), { abortSignal });
      return out.Policy ?? '';
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:GetKeyPolicy' },
  );
}

/**
 * Replaces the key's `default` policy. The lockout safety check is always on: KMS refuses a
 * policy that would lock the caller out, and this function never bypasses that. Callers
 * confirm with the person first and keep the previous policy as a backup.
 */
export function putKeyPolicy(
  session: AwsSession,
  profile: string,
  region: string,
  keyId: string,
  policy: string,
  options: SignalOption = {},
): Promise<Outcome<void>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      await kms.send(
        new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: POLICY_NAME, Policy: policy, BypassPolicyLockoutSafetyCheck: false }),
        { abortSignal },
      );
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:PutKeyPolicy' },
  );
}

/** Enables a disabled key. Callers confirm first. */
export function enableKey(
  session: AwsSession,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<void>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      await kms.send(new EnableKeyCommand({ KeyId: keyId }), { abortSignal });
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:EnableKey' },
  );
}

/** Cancels a scheduled deletion; the key comes back Disabled and still needs enableKey. */
export function cancelKeyDeletion(
  session: AwsSession,
  profile: string,
  region: string,
  keyId: string,
  options: SignalOption = {},
): Promise<Outcome<{ keyId: string }>> {
  return session.call(
    'KMS',
    profile,
    region,
    async (kms, abortSignal) => {
      const out = await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }), { abortSignal });
      return { keyId: out.KeyId ?? keyId };
    },
    { signal: options.signal, onRequest: options.onRequest, action: 'kms:CancelKeyDeletion' },
  );
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
