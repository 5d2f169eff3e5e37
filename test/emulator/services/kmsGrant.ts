/**
 * KMS CreateGrant called directly (AWS JSON 1.1), as a person does to let another principal
 * use a key, e.g. the Auto Scaling service-linked role of the key's or another account (EC2
 * Auto Scaling User Guide, key-policy-requirements-EBS-encryption.html). Authorized by the
 * key policy and the caller's policies with the grant's condition keys (KMS Developer Guide,
 * conditions-kms.html); the key must be enabled (KMS API reference, CreateGrant). The grant is
 * kept in the world's GrantStore and counts in later authorizations (authz/grants.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { kmsContext } from '../authz/requestContext';
import { authorize, trailIdentity, type Handler } from '../context';
import { AwsError } from '../errors';

/** Grant operations KMS accepts (KMS API reference, CreateGrant, Operations). */
const OPERATIONS: ReadonlySet<string> = new Set([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
]);

const createGrant: Handler = async (ctx) => {
  const keyRef = typeof ctx.json.KeyId === 'string' ? ctx.json.KeyId : '';
  const grantee = typeof ctx.json.GranteePrincipal === 'string' ? ctx.json.GranteePrincipal : '';
  const operations = Array.isArray(ctx.json.Operations)
    ? ctx.json.Operations.filter((o): o is string => typeof o === 'string')
    : [];
  if (!keyRef || !grantee || !operations.length)
    throw new AwsError('ValidationException', 'KeyId, GranteePrincipal and Operations are required.');
  const unknown = operations.find((o) => !OPERATIONS.has(o));
  if (unknown !== undefined)
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '[${unknown}]' at 'operations' failed to satisfy constraint`,
    );
  // A grant on another account's key names the key by ARN.
  const key = ctx.world.findKey(keyRef, ctx.caller.account, ctx.region);
  if (!key || key.region !== ctx.region) throw new AwsError('NotFoundException', `Key '${keyRef}' does not exist`);
  await authorize(ctx, {
    action: 'kms:CreateGrant',
    resource: key.arn,
    resourceAccount: key.account,
    resourcePolicy: ctx.world.keyPolicyOf(key),
    context: {
      ...kmsContext(ctx.caller),
      'kms:GranteePrincipal': grantee,
      'kms:GrantOperations': operations,
      'kms:GrantIsForAWSResource': 'false',
    },
  });
  if (key.state === 'Disabled') throw new AwsError('DisabledException', `${key.arn} is disabled.`);
  if (key.state !== 'Enabled')
    throw new AwsError('KMSInvalidStateException', `${key.arn} is ${key.state.toLowerCase()}.`);
  const grantId = randomBytes(32).toString('hex');
  const grantToken = randomBytes(48).toString('base64');
  ctx.world.grants.add({
    grantId,
    keyArn: key.arn,
    granteePrincipal: grantee,
    operations,
    issuingAccount: ctx.caller.account,
    ...(typeof ctx.json.Name === 'string' ? { name: ctx.json.Name } : {}),
  });
  ctx.world.recordTrailEvent({
    eventVersion: '1.11',
    userIdentity: trailIdentity(ctx.caller),
    eventTime: new Date().toISOString(),
    eventSource: 'kms.amazonaws.com',
    eventName: 'CreateGrant',
    awsRegion: ctx.region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-js',
    requestParameters: {
      keyId: keyRef,
      granteePrincipal: grantee,
      operations,
      ...(typeof ctx.json.Name === 'string' ? { name: ctx.json.Name } : {}),
    },
    responseElements: { grantId, keyId: key.arn },
    requestID: ctx.requestId,
    eventID: randomUUID(),
    readOnly: false,
    resources: [{ accountId: key.account, type: 'AWS::KMS::Key', ARN: key.arn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.caller.account,
    eventCategory: 'Management',
  });
  return JSON.stringify({ GrantId: grantId, GrantToken: grantToken });
};

/** KMS grant operations by action name. */
export const kmsGrantHandlers: Record<string, Handler> = {
  CreateGrant: createGrant,
};
