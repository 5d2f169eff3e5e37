/** STS in the AWS Query protocol: `<ActionResponse><ActionResult>` plus ResponseMetadata. */
import { callerArnOf } from '../scenario';
import { authorize, queryString, type CallContext, type Handler } from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import { document, element, text } from '../xml';

/** Wraps a Query result the way STS and IAM do. */
export function queryResponse(ctx: CallContext, namespace: string, result: string): string {
  return document(
    `${ctx.action}Response`,
    namespace,
    element(`${ctx.action}Result`, result) + element('ResponseMetadata', text('RequestId', ctx.requestId)),
  );
}

const getCallerIdentity: Handler = (ctx) =>
  // GetCallerIdentity needs no permission: even a Deny cannot block it.
  queryResponse(
    ctx,
    XML_NAMESPACES.sts,
    text('Arn', ctx.caller.arn) + text('UserId', ctx.caller.userId) + text('Account', ctx.caller.account),
  );

/**
 * Issues temporary credentials for a session of a scenario role, as STS does: new keys the
 * emulator remembers until they expire. Authorized like AWS: the caller's identity side
 * (sts:AssumeRole) and the role's trust policy (its resource policy; IAM User Guide,
 * "Granting a user permissions to switch roles").
 */
const assumeRole: Handler = async (ctx) => {
  const roleArn = queryString(ctx.query.RoleArn);
  const sessionName = queryString(ctx.query.RoleSessionName);
  if (!roleArn || !sessionName) throw new AwsError('ValidationError', 'RoleArn and RoleSessionName are required');
  const role = ctx.world.scenario.principals.find((p) => p.arn === roleArn && p.sessionName);
  const roleAccount = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1] ?? ctx.caller.account;
  const trustPolicy = role?.trustPolicy ?? {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${roleAccount}:root` }, Action: 'sts:AssumeRole' }],
  };
  await authorize(ctx, {
    action: 'sts:AssumeRole',
    resource: roleArn,
    resourceAccount: roleAccount,
    resourcePolicy: trustPolicy,
  });
  if (!role)
    throw new AwsError(
      'AccessDenied',
      `User: ${ctx.caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  const duration = Number(queryString(ctx.query.DurationSeconds) ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${String(duration)}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  const policyText = queryString(ctx.query.Policy);
  let sessionPolicy: unknown;
  if (policyText !== undefined) {
    try {
      sessionPolicy = JSON.parse(policyText);
    } catch {
      throw new AwsError('MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
    }
  }
  const session = ctx.world.issueSession(role, sessionName, duration, sessionPolicy);
  const caller = ctx.world.callerFor(session.accessKeyId);
  const expiration = new Date(caller?.expiresAt ?? Date.now() + duration * 1000).toISOString();
  const credentials =
    text('AccessKeyId', session.accessKeyId) +
    text('SecretAccessKey', session.secretAccessKey) +
    text('SessionToken', session.sessionToken) +
    text('Expiration', expiration);
  return queryResponse(
    ctx,
    XML_NAMESPACES.sts,
    element('Credentials', credentials) +
      element('AssumedRoleUser', text('AssumedRoleId', caller?.userId ?? '') + text('Arn', callerArnOf(session))),
  );
};

/** STS operations by action name. */
export const stsHandlers: Record<string, Handler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
