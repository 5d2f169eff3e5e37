/**
 * KMS in AWS JSON 1.1 (`X-Amz-Target: TrentService.<Action>`). Keys resolve as KMS resolves
 * them: a bare id or alias only in the caller's account and region, an ARN anywhere.
 */
import { randomUUID } from 'node:crypto';
import { accessDenied } from '../authz/denials';
import { kmsContext } from '../authz/requestContext';
import { authorize, trailIdentity, type CallContext, type Handler } from '../context';
import { AwsError } from '../errors';
import type { KeyRecord } from '../state';

/**
 * KMS's key policy size quota: "The key policy size quota is 32 kilobytes (32768 bytes)"
 * (KMS API reference, PutKeyPolicy, Policy).
 */
export const KEY_POLICY_MAX_BYTES = 32768;

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

function stringField(ctx: CallContext, name: string, required = true): string | undefined {
  const value = ctx.json[name];
  if (typeof value === 'string' && value.length) return value;
  if (required)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  return undefined;
}

function keyNotFound(ctx: CallContext, ref: string): AwsError {
  if (ref.startsWith('alias/'))
    return new AwsError(
      'NotFoundException',
      `Alias arn:aws:kms:${ctx.region}:${ctx.caller.account}:${ref} is not found.`,
    );
  if (/^arn:aws:kms:[^:]+:\d{12}:alias\//.test(ref))
    return new AwsError('NotFoundException', `Alias ${ref} is not found.`);
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

/**
 * Every KMS call on a key is authorized by its key policy first; IAM policies count only when
 * the key policy delegates to the account (KMS Developer Guide, key-policy-overview.html).
 */
function authorizeKey(ctx: CallContext, key: KeyRecord, action: string): Promise<void> {
  return authorize(ctx, {
    action,
    resource: key.arn,
    resourceAccount: key.account,
    resourcePolicy: ctx.world.keyPolicyOf(key),
    context: kmsContext(ctx.caller),
  });
}

/** Operations that KMS refuses across accounts whatever the key policy says ("Cross-account use: No"). */
function requireOwnAccount(ctx: CallContext, key: KeyRecord, iamAction: string): void {
  if (key.account !== ctx.caller.account)
    throw accessDenied('kms', ctx.caller.arn, iamAction, key.arn, 'no-resource-allow');
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
    MultiRegion: key.multiRegion === true,
  };
  if (key.multiRegion) {
    // A primary without replicas (KMS API reference, MultiRegionConfiguration).
    metadata.MultiRegionConfiguration = {
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: key.arn, Region: key.region },
      ReplicaKeys: [],
    };
  }
  if (key.state === 'PendingDeletion' && key.deletionDate) {
    metadata.DeletionDate = epochSeconds(key.deletionDate);
    metadata.PendingDeletionWindowInDays = 30;
  }
  return metadata;
}

function recordKeyEvent(
  ctx: CallContext,
  key: KeyRecord,
  eventName: string,
  requestParameters: Record<string, unknown>,
  responseElements: unknown = null,
): void {
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

const describeKey: Handler = async (ctx) => {
  const key = resolveKey(ctx, { aliases: true });
  await authorizeKey(ctx, key, 'kms:DescribeKey');
  return JSON.stringify({ KeyMetadata: keyMetadata(key) });
};

const getKeyPolicy: Handler = async (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:GetKeyPolicy');
  await authorizeKey(ctx, key, 'kms:GetKeyPolicy');
  const policyName = stringField(ctx, 'PolicyName', false) ?? 'default';
  if (policyName !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
  return JSON.stringify({ Policy: key.policyText, PolicyName: 'default' });
};

/** Structural checks KMS applies before storing a key policy. */
function validateKeyPolicy(ctx: CallContext, text: string): unknown {
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
    if (typeof s !== 'object' || s === null)
      throw new AwsError('MalformedPolicyDocumentException', 'Policy contains an invalid statement.');
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with an invalid effect.');
    if (!('Principal' in st) && !('NotPrincipal' in st))
      throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no principal.');
    if (!('Action' in st) && !('NotAction' in st))
      throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no action.');
    if (!('Resource' in st) && !('NotResource' in st))
      throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with no resource.');
  }
  checkPrincipals(ctx, list as Record<string, unknown>[]);
  return document;
}

const INVALID_PRINCIPALS = 'Policy contains a statement with one or more invalid principals.';

function principalValues(statement: Record<string, unknown>): string[] {
  const principal = statement.Principal ?? statement.NotPrincipal;
  if (principal === '*') return ['*'];
  if (typeof principal !== 'object' || principal === null) return [];
  const aws = (principal as Record<string, unknown>).AWS;
  return (Array.isArray(aws) ? aws : aws === undefined ? [] : [aws]).map(String);
}

/**
 * "The principals specified in the key policy must exist and be visible to AWS KMS"; an orphaned
 * unique id (AIDA.../AROA...) left by a deleted user or role is refused with this message
 * (KMS API reference, PutKeyPolicy; re:Post knowledge-center/kms-policy-error-invalid-principals).
 * Principals of accounts the scenario does not model cannot be checked and are accepted.
 */
function checkPrincipals(ctx: CallContext, statements: Record<string, unknown>[]): void {
  const accounts = new Set(ctx.world.scenario.accounts.map((a) => a.id));
  for (const statement of statements) {
    for (const value of principalValues(statement)) {
      if (value === '*' || /^\d{12}$/.test(value) || /^arn:aws:iam::\d{12}:root$/.test(value)) continue;
      const arn = /^arn:aws:(iam|sts)::(\d{12}):(.+)$/.exec(value);
      if (!arn) throw new AwsError('MalformedPolicyDocumentException', INVALID_PRINCIPALS);
      if (!accounts.has(arn[2])) continue;
      const session = /^assumed-role\/([^/]+)\/[^/]+$/.exec(arn[3]);
      const exists = session
        ? [...ctx.world.identities].some(
            (i) => i.startsWith(`arn:aws:iam::${arn[2]}:role/`) && i.endsWith(`/${session[1]}`),
          )
        : arn[1] === 'iam' && ctx.world.identities.has(value);
      if (!exists) throw new AwsError('MalformedPolicyDocumentException', INVALID_PRINCIPALS);
    }
  }
}

/**
 * The lockout safety check: the new policy must let the caller make a later PutKeyPolicy
 * request, unless BypassPolicyLockoutSafetyCheck is set (KMS API reference, PutKeyPolicy).
 */
async function locksOutCaller(ctx: CallContext, key: KeyRecord, document: unknown): Promise<boolean> {
  const decision = await ctx.world.authorizer.decide({
    caller: ctx.caller,
    action: 'kms:PutKeyPolicy',
    resource: key.arn,
    resourceAccount: key.account,
    region: ctx.region,
    resourcePolicy: document,
    context: kmsContext(ctx.caller),
  });
  return !decision.allowed;
}

const putKeyPolicy: Handler = async (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:PutKeyPolicy');
  // An AWS managed key's policy allows no one to replace it, so this refuses those too.
  await authorizeKey(ctx, key, 'kms:PutKeyPolicy');
  const policyName = stringField(ctx, 'PolicyName', false) ?? 'default';
  if (policyName !== 'default') throw new AwsError('NotFoundException', 'No such policy exists');
  const text = stringField(ctx, 'Policy')!;
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES) {
    throw new AwsError(
      'LimitExceededException',
      `Policy document exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`,
    );
  }
  const document = validateKeyPolicy(ctx, text);
  if (ctx.json.BypassPolicyLockoutSafetyCheck !== true && (await locksOutCaller(ctx, key, document))) {
    throw new AwsError(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
  key.policyText = text;
  ctx.world.policiesChanged();
  recordKeyEvent(ctx, key, 'PutKeyPolicy', {
    keyId: key.arn,
    policyName: 'default',
    policy: text,
    bypassPolicyLockoutSafetyCheck: ctx.json.BypassPolicyLockoutSafetyCheck === true,
  });
  return '{}';
};

const listAliases: Handler = async (ctx) => {
  await authorize(ctx, { action: 'kms:ListAliases', context: kmsContext(ctx.caller) });
  const keyRef = stringField(ctx, 'KeyId', false);
  const limit = ctx.json.Limit === undefined ? 50 : Number(ctx.json.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(ctx.json.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
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

const enableKey: Handler = async (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:EnableKey');
  await authorizeKey(ctx, key, 'kms:EnableKey');
  if (key.state === 'PendingDeletion')
    throw new AwsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  if (key.state !== 'Enabled' && key.state !== 'Disabled')
    throw new AwsError('KMSInvalidStateException', `${key.arn} is ${key.state.toLowerCase()}.`);
  key.state = 'Enabled';
  recordKeyEvent(ctx, key, 'EnableKey', { keyId: key.arn });
  return '{}';
};

const cancelKeyDeletion: Handler = async (ctx) => {
  const key = resolveKey(ctx, { aliases: false });
  requireOwnAccount(ctx, key, 'kms:CancelKeyDeletion');
  await authorizeKey(ctx, key, 'kms:CancelKeyDeletion');
  if (key.state !== 'PendingDeletion')
    throw new AwsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
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
