/**
 * What every operation handler receives, plus the helpers they share: Query parameter
 * decoding, authorization of the call, and the CloudTrail identity of a caller.
 */
import { randomUUID } from 'node:crypto';
import { accessDenied, TRAIL_DENIAL_CODE } from './authz/denials';
import type { ContextValues } from './authz/requestContext';
import type { ServiceName } from './errors';
import type { Caller, World } from './state';

/** A decoded Query parameter tree: `Filter.1.Value.2=x` becomes `{Filter: {1: {Value: {2: 'x'}}}}`. */
export interface QueryTree {
  [key: string]: string | QueryTree;
}

export interface CallContext {
  world: World;
  caller: Caller;
  service: ServiceName;
  region: string;
  action: string;
  requestId: string;
  /** Query protocols (EC2, STS, IAM). */
  query: QueryTree;
  /** JSON protocols (KMS, CloudTrail). */
  json: Record<string, unknown>;
}

/** Returns the response body; throws (or rejects with) AwsError for a service error. */
export type Handler = (ctx: CallContext) => string | Promise<string>;

/** Decodes a form-encoded Query body into a tree. */
export function parseQuery(body: string): QueryTree {
  const root: QueryTree = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next === 'object') node = next;
      else node = node[parts[i]] = {};
    }
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

/** The entries of a Query list (`X.1`, `X.2` or `X.member.1`), in index order. */
export function queryList(value: string | QueryTree | undefined): (string | QueryTree)[] {
  if (value === undefined || typeof value === 'string') return [];
  const source = typeof value.member === 'object' ? value.member : value;
  return Object.keys(source)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => source[k]);
}

export function queryString(value: string | QueryTree | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function queryStrings(value: string | QueryTree | undefined): string[] {
  return queryList(value).filter((v): v is string => typeof v === 'string');
}

/** What a handler asks AWS's authorization to decide. */
export interface Permission {
  /** `service:Action`. */
  action: string;
  /** Default `*`. */
  resource?: string;
  /** Default: the caller's account. */
  resourceAccount?: string;
  resourcePolicy?: unknown;
  context?: ContextValues;
}

/**
 * Authorizes the call as AWS does and throws the service's access-denied error when refused.
 * A refused call is logged in the caller's account, as CloudTrail logs denied requests
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html).
 */
export async function authorize(ctx: CallContext, permission: Permission): Promise<void> {
  const resource = permission.resource ?? '*';
  const decision = await ctx.world.authorizer.decide({
    caller: ctx.caller,
    action: permission.action,
    resource,
    resourceAccount: permission.resourceAccount ?? ctx.caller.account,
    region: ctx.region,
    resourcePolicy: permission.resourcePolicy,
    context: permission.context,
  });
  if (decision.allowed) return;
  const error = accessDenied(
    ctx.service,
    ctx.caller.arn,
    permission.action,
    resource === '*' ? undefined : resource,
    decision.reason,
  );
  ctx.world.recordTrailEvent({
    eventVersion: '1.11',
    userIdentity: trailIdentity(ctx.caller),
    eventTime: new Date().toISOString(),
    eventSource: `${ctx.service}.amazonaws.com`,
    eventName: ctx.action,
    awsRegion: ctx.region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-js',
    errorCode: TRAIL_DENIAL_CODE[ctx.service],
    errorMessage: error.message,
    requestParameters: null,
    responseElements: null,
    requestID: ctx.requestId,
    eventID: randomUUID(),
    readOnly: /^(Describe|Get|List|Lookup|Simulate)/.test(ctx.action),
    ...(resource !== '*' && permission.resourceAccount
      ? { resources: [{ accountId: permission.resourceAccount, ARN: resource }] }
      : {}),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.caller.account,
    eventCategory: 'Management',
  });
  throw error;
}

/** The `userIdentity` block CloudTrail writes for a caller. */
export function trailIdentity(caller: Caller): Record<string, unknown> {
  const p = caller.principal;
  if (p.sessionName) {
    const roleName = p.arn.split('/').pop();
    return {
      type: 'AssumedRole',
      principalId: caller.userId,
      arn: caller.arn,
      accountId: caller.account,
      accessKeyId: p.accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: caller.userId.split(':')[0],
          arn: p.arn,
          accountId: caller.account,
          userName: roleName,
        },
        attributes: { creationDate: new Date().toISOString(), mfaAuthenticated: 'false' },
      },
    };
  }
  return {
    type: 'IAMUser',
    principalId: caller.userId,
    arn: caller.arn,
    accountId: caller.account,
    accessKeyId: p.accessKeyId,
    userName: p.arn.split('/').pop(),
  };
}
