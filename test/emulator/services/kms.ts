/**
 * KMS in AWS JSON 1.1 (`X-Amz-Target: TrentService.<Action>`). Keys resolve as KMS resolves
 * them: a bare id or alias only in the caller's account and region, an ARN anywhere.
 */
import { randomUUID } from 'node:crypto';
import { evaluatePolicy, type RequestContext } from '../../../src/core/policy';
import { requirePermission, trailIdentity, type CallContext, type Handler } from '../context';
import { accessDenied, AwsError } from '../errors';
import type { KeyRecord } from '../state';

/** KMS's key policy size quota, in bytes of UTF-8. */
export const KEY_POLICY_MAX_BYTES = 32768;

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

function stringField(ctx: CallContext, name: string, required = true): string | undefined {
  const value = ctx.json[name];
  if (typeof value === 'string' && value.length) return value;
  if (required) throw new AwsError('ValidationException', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return undefined;
}

function keyNotFound(ctx: CallContext, ref: string): AwsError {
  if (ref.startsWith('alias/')) return new AwsError('NotFoundException', `Alias arn:aws:kms:${ctx.region}:${ctx.caller.account}:${ref} is not found.`);
  if (/^arn:aws:kms:[^:]+:\d{12}:alias\//.test(ref)) return new AwsError('NotFoundException', `Alias ${ref} is not found.`);
  const arn = ref.startsWith('arn:') ? ref : `arn:aws:kms:${ctx.region}:${ctx.caller.account}:key/${ref}`;
  return new AwsError('NotFoundException', `Key '${arn}' does not exist`);
}

/** The key named by the request's KeyId, in the request's region. */
function resolveKey(ctx: CallContext, options: { aliases: boolean }): KeyRecord {
  const ref = stringField(ctx, 'KeyId')!;
  const isAlias = ref.startsWith('alias/') || /^arn:aws:kms:[^:]+:\d{12}:alias\//.test(ref);
  if (isAlias && !options.aliases) throw new AwsError('NotFoundException', `Invalid keyId ${ref}`);
  const key = ctx.world.findKey(ref, ctx.caller.account, ctx.region);
  if (!key || key.region !== ctx.region) throw keyNotFound(ctx, ref);
  return key;
}

/** Operations that KMS refuses across accounts whatever the key policy says. */
function requireOwnAccount(ctx: CallContext, key: KeyRecord, iamAction: string): void {
  if (key.account !== ctx.caller.account) throw accessDenied('kms', ctx.caller.arn, iamAction, key.arn, 'no-resource-allow');
}

function keyMetadata(key: KeyRecord): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    AWSAccountId: key.account,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: epochSeconds(key.creationDate),
    Enabled: key.state === 'Enabled',
    Description: key.description ?? '',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.state,
    Origin: 'AWS_KMS',
    KeyManager: key.manager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
  if (key.state === 'PendingDeletion' && key.deletionDate) {
    metadata.DeletionDate = epochSeconds(key.deletionDate);
    metadata.PendingDeletionWindowInDays = 30;
  }
  return metadata;
}

function recordKeyEvent(ctx: CallContext, key: KeyRecord, eventName: string, requestParameters: Record<string, unknown>, responseElements: unknown = null): void {
  ctx.world.recordTrailEvent({
    eventVersion: '1.09',
    userIdentity: trailIdentity(ctx.caller),
    eventTime: new Date().toISOString(),
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: ctx.region,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'aws-sdk-js',
    requestParameters,
    responseElements,
    requestID: ctx.requestId,
    eventID: randomUUID(),
    readOnly: false,
    resources: [{ accountId: key.account, type: 'AWS::KMS::Key', ARN: key.arn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: key.account,
    eventCategory: 'Management',
  });
}

const describeKey: Handler = (ctx) => {
  const key = resolveKey(ctx, { aliases: true });
  requirePermission(ctx, 'kms:DescribeKey', key.arn);
  return JSON.stringify({ KeyMetadata: keyMetadata(key) });
};

const getKeyPolicy: Handler = (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:GetKeyPolicy');
  requirePermission(ctx, 'kms:GetKeyPolicy', key.arn);
  const policyName = stringField(ctx, 'PolicyName', false) ?? 'default';
  if (policyName !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
  return JSON.stringify({ Policy: key.policyText, PolicyName: 'default' });
};

/** Structural checks KMS applies before storing a key policy. */
function validateKeyPolicy(text: string): unknown {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new AwsError('MalformedPolicyDocumentException', 'The policy document is not valid JSON.');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new AwsError('MalformedPolicyDocumentException', 'The policy document must be a JSON object.');
  }
  const statements = (document as Record<string, unknown>).Statement;
  const list = Array.isArray(statements) ? statements : statements !== undefined ? [statements] : [];
  if (!list.length) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains no statements.');
  for (const s of list) {
    if (typeof s !== 'object' || s === null) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains an invalid statement.');
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with an invalid effect.');
    if (!('Principal' in st) && !('NotPrincipal' in st)) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no principal.');
    if (!('Action' in st) && !('NotAction' in st)) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no action.');
    if (!('Resource' in st) && !('NotResource' in st)) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no resource.');
  }
  return document;
}

/** KMS refuses a policy that would stop the caller from changing it again, unless told to bypass. */
function locksOutCaller(ctx: CallContext, key: KeyRecord, document: unknown): boolean {
  const request: RequestContext = {
    action: 'kms:PutKeyPolicy',
    resource: key.arn,
    principalArn: ctx.caller.arn,
    principalAccount: ctx.caller.account,
    conditionKeys: { 'aws:PrincipalArn': ctx.caller.principal.arn, 'aws:PrincipalAccount': ctx.caller.account, 'kms:CallerAccount': ctx.caller.account },
  };
  const keySide = evaluatePolicy(document, request, 'resource');
  if (keySide.decision === 'explicit-deny') return true;
  if (keySide.decision === 'allow') return false;
  if (!keySide.iamDelegation) return true;
  const identity = (ctx.caller.principal.policies ?? []).map((p) => evaluatePolicy(p.document, request, 'identity'));
  return identity.some((e) => e.decision === 'explicit-deny') || !identity.some((e) => e.decision === 'allow');
}

const putKeyPolicy: Handler = (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:PutKeyPolicy');
  requirePermission(ctx, 'kms:PutKeyPolicy', key.arn);
  if (key.manager === 'AWS') throw accessDenied('kms', ctx.caller.arn, 'kms:PutKeyPolicy', key.arn, 'no-resource-allow');
  const policyName = stringField(ctx, 'PolicyName', false) ?? 'default';
  if (policyName !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
  const text = stringField(ctx, 'Policy')!;
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES) {
    throw new AwsError('LimitExceededException', `Policy document exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`);
  }
  const document = validateKeyPolicy(text);
  if (ctx.json.BypassPolicyLockoutSafetyCheck !== true && locksOutCaller(ctx, key, document)) {
    throw new AwsError('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
  }
  key.policyText = text;
  recordKeyEvent(ctx, key, 'PutKeyPolicy', { keyId: key.arn, policyName: 'default', policy: text, bypassPolicyLockoutSafetyCheck: ctx.json.BypassPolicyLockoutSafetyCheck === true });
  return '{}';
};

const listAliases: Handler = (ctx) => {
  requirePermission(ctx, 'kms:ListAliases');
  const keyRef = stringField(ctx, 'KeyId', false);
  const limit = ctx.json.Limit === undefined ? 50 : Number(ctx.json.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${String(ctx.json.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`);
  }
  let aliases = ctx.world.aliasesIn(ctx.caller.account, ctx.region);
  if (keyRef) {
    const key = ctx.world.findKeyByIdOrArn(keyRef, ctx.caller.account, ctx.region);
    if (!key) throw keyNotFound(ctx, keyRef);
    aliases = aliases.filter((a) => a.key === key);
  }
  const marker = stringField(ctx, 'Marker', false);
  const start = marker === undefined ? 0 : Number(Buffer.from(marker, 'base64').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidMarkerException', 'The marker is invalid.');
  const slice = aliases.slice(start, start + limit);
  const truncated = start + limit < aliases.length;
  return JSON.stringify({
    Aliases: slice.map((a) => ({
      AliasName: a.name,
      AliasArn: `arn:aws:kms:${ctx.region}:${ctx.caller.account}:${a.name}`,
      TargetKeyId: a.key.id,
      CreationDate: epochSeconds(a.key.creationDate),
      LastUpdatedDate: epochSeconds(a.key.creationDate),
    })),
    Truncated: truncated,
    ...(truncated ? { NextMarker: Buffer.from(String(start + limit)).toString('base64') } : {}),
  });
};

const enableKey: Handler = (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:EnableKey');
  requirePermission(ctx, 'kms:EnableKey', key.arn);
  if (key.manager === 'AWS') throw accessDenied('kms', ctx.caller.arn, 'kms:EnableKey', key.arn, 'no-resource-allow');
  if (key.state === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  if (key.state !== 'Enabled' && key.state !== 'Disabled') throw new AwsError('KMSInvalidStateException', `${key.arn} is ${key.state.toLowerCase()}.`);
  key.state = 'Enabled';
  recordKeyEvent(ctx, key, 'EnableKey', { keyId: key.arn });
  return '{}';
};

const cancelKeyDeletion: Handler = (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:CancelKeyDeletion');
  requirePermission(ctx, 'kms:CancelKeyDeletion', key.arn);
  if (key.state !== 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
  // KMS leaves a key whose deletion was cancelled Disabled: it must be enabled again.
  key.state = 'Disabled';
  key.deletionDate = undefined;
  recordKeyEvent(ctx, key, 'CancelKeyDeletion', { keyId: key.arn }, { keyId: key.arn });
  return JSON.stringify({ KeyId: key.arn });
};

/** KMS operations by action name. */
export const kmsHandlers: Record<string, Handler> = {
  DescribeKey: describeKey,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  ListAliases: listAliases,
  EnableKey: enableKey,
  CancelKeyDeletion: cancelKeyDeletion,
};
