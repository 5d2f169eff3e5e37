/** STS in the AWS Query protocol: `<ActionResponse><ActionResult>` plus ResponseMetadata. */
import { callerArnOf } from '../scenario';
import { queryString, type CallContext, type Handler } from '../context';
import { accessDenied, AwsError, XML_NAMESPACES } from '../errors';
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
  queryResponse(ctx, XML_NAMESPACES.sts, text('Arn', ctx.caller.arn) + text('UserId', ctx.caller.userId) + text('Account', ctx.caller.account));

/**
 * Returns the keys of the scenario principal that is a session of the role, so a profile
 * with `role_arn` + `source_profile` works against the emulator.
 */
const assumeRole: Handler = (ctx) => {
  const roleArn = queryString(ctx.query.RoleArn);
  const sessionName = queryString(ctx.query.RoleSessionName);
  if (!roleArn || !sessionName) throw new AwsError('ValidationError', 'RoleArn and RoleSessionName are required');
  const target = ctx.world.scenario.principals.find((p) => p.arn === roleArn && p.sessionName);
  if (!target) throw accessDenied('sts', ctx.caller.arn, 'sts:AssumeRole', roleArn);
  const expiration = new Date(Date.now() + 3600_000).toISOString();
  const assumedArn = callerArnOf(target);
  const credentials =
    text('AccessKeyId', target.accessKeyId) +
    text('SecretAccessKey', target.secretAccessKey) +
    text('SessionToken', target.sessionToken ?? 'emulator-session-token') +
    text('Expiration', expiration);
  return queryResponse(
    ctx,
    XML_NAMESPACES.sts,
    element('Credentials', credentials) + element('AssumedRoleUser', text('AssumedRoleId', `AROA${target.accessKeyId.slice(4, 16)}:${target.sessionName}`) + text('Arn', assumedArn)),
  );
};

/** STS operations by action name. */
export const stsHandlers: Record<string, Handler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
