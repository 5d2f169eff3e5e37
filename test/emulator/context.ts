/**
 * What every operation handler receives, plus the helpers they share: Query parameter
 * decoding, the principal's deny list, and the CloudTrail identity of a caller.
 */
import { accessDenied, type ServiceName } from './errors';
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

/** Returns the response body; throws AwsError for a service error. */
export type Handler = (ctx: CallContext) => string;

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

function wildcardRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

/** True when the principal's deny list refuses `iamAction` (e.g. `kms:GetKeyPolicy`) in `region`. */
export function deniedByScenario(ctx: Pick<CallContext, 'caller' | 'region'>, iamAction: string): boolean {
  for (const rule of ctx.caller.principal.deny ?? []) {
    const action = typeof rule === 'string' ? rule : rule.action;
    const region = typeof rule === 'string' ? undefined : rule.region;
    if (region && region !== ctx.region) continue;
    if (wildcardRegExp(action).test(iamAction)) return true;
  }
  return false;
}

/** Throws the service's access-denied error when the scenario refuses the caller `iamAction`. */
export function requirePermission(ctx: CallContext, iamAction: string, resource?: string): void {
  if (deniedByScenario(ctx, iamAction)) throw accessDenied(ctx.service, ctx.caller.arn, iamAction, resource);
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
        sessionIssuer: { type: 'Role', principalId: caller.userId.split(':')[0], arn: p.arn, accountId: caller.account, userName: roleName },
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
