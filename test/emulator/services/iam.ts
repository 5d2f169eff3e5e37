/**
 * IAM `SimulatePrincipalPolicy`: the identity policies, permissions boundary and SCPs of a
 * scenario user or role, evaluated by the same independent engine as every call. Like IAM's
 * simulator it does not read resource policies; with `ResourceArns` the missing context keys
 * are reported per resource (IAM API reference, EvaluationResult; src/aws-records.md F9).
 */
import { runSimulation, runUnsafeSimulation, type RequestAnalysis, type Simulation } from '@cloud-copilot/iam-simulate';
import { identityPolicies, serviceControlPolicies } from '../authz/policies';
import {
  authorize,
  queryList,
  queryString,
  queryStrings,
  type CallContext,
  type Handler,
  type QueryTree,
} from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import type { ScenarioPrincipal } from '../scenario';
import { element, escapeXml, list, text } from '../xml';
import { queryResponse } from './sts';

type ContextValues = Record<string, string | string[]>;

function contextEntries(query: QueryTree): ContextValues {
  const keys: ContextValues = {};
  for (const entry of queryList(query.ContextEntries)) {
    if (typeof entry !== 'object') continue;
    const name = queryString(entry.ContextKeyName);
    if (!name) continue;
    const type = (queryString(entry.ContextKeyType) ?? 'string').toLowerCase();
    const values = queryStrings(entry.ContextKeyValues);
    keys[name] = type.endsWith('list')
      ? values
      : type === 'boolean'
        ? (values[0] ?? '').toLowerCase()
        : (values[0] ?? '');
  }
  return keys;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];

function wildcard(pattern: string): RegExp {
  return new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
}

/** Condition keys of statements naming the action that the request context lacks. */
function missingContextKeys(documents: unknown[], action: string, context: ContextValues): string[] {
  const present = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const missing = new Set<string>();
  for (const document of documents) {
    const statements = (document as { Statement?: unknown } | null)?.Statement;
    for (const statement of Array.isArray(statements) ? statements : statements ? [statements] : []) {
      const s = statement as Record<string, unknown>;
      if (!asList(s.Action).some((a) => wildcard(a).test(action))) continue;
      if (typeof s.Condition !== 'object' || s.Condition === null) continue;
      for (const block of Object.values(s.Condition as Record<string, unknown>)) {
        if (typeof block !== 'object' || block === null) continue;
        for (const key of Object.keys(block)) if (!present.has(key.toLowerCase())) missing.add(key);
      }
    }
  }
  return [...missing];
}

type StatementAnalysis = NonNullable<RequestAnalysis['identityAnalysis']>['allowStatements'][number];

type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** IAM's simulator decision: identity policies within the boundary and the SCPs; no resource policy. */
function identityDecision(analysis: RequestAnalysis): Decision {
  const results = [
    analysis.identityAnalysis?.result,
    analysis.permissionBoundaryAnalysis?.result,
    analysis.scpAnalysis?.result,
  ];
  if (results.includes('ExplicitlyDenied')) return 'explicitDeny';
  const boundary = analysis.permissionBoundaryAnalysis?.result;
  const allowed =
    analysis.identityAnalysis?.result === 'Allowed' &&
    (boundary === undefined || boundary === 'Allowed') &&
    analysis.scpAnalysis?.result !== 'ImplicitlyDenied';
  return allowed ? 'allowed' : 'implicitDeny';
}

function matchedXml(statements: StatementAnalysis[]): string {
  return list(
    'MatchedStatements',
    'member',
    statements.map((s) => text('SourcePolicyId', s.policyId) + text('SourcePolicyType', 'IAM Policy')),
  );
}

interface Evaluation {
  action: string;
  resource: string;
  /** Absent when no ResourceArns were given. */
  perResource: boolean;
}

async function evaluate(
  ctx: CallContext,
  source: ScenarioPrincipal,
  account: string,
  item: Evaluation,
  context: ContextValues,
): Promise<string> {
  const policies = identityPolicies(ctx.world.scenario, source);
  const resourceAccount = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(item.resource)?.[1] ?? account;
  const simulation: Simulation = {
    request: {
      principal: source.arn,
      action: item.action,
      resource: { resource: item.resource, accountId: resourceAccount },
      contextVariables: context,
    },
    identityPolicies: policies,
    serviceControlPolicies: serviceControlPolicies(ctx.world.scenario, account),
    resourceControlPolicies: [],
    ...(source.permissionsBoundary
      ? {
          permissionBoundaryPolicies: [
            { name: source.permissionsBoundary.name, policy: source.permissionsBoundary.document },
          ],
        }
      : {}),
  };
  const result = await runSimulation(simulation, {});
  let analysis: RequestAnalysis | undefined;
  if (result.resultType === 'error') {
    // A resource ARN of another type than the action's (e.g. a key ARN for ec2:StartInstances):
    // IAM still matches it against the policies' Resource patterns, so evaluate without validation.
    const outcome = runUnsafeSimulation(simulation, {});
    analysis = {
      result: outcome,
      sameAccount: resourceAccount === account,
      identityAnalysis: { result: outcome, allowStatements: [], denyStatements: [], unmatchedStatements: [] },
    };
  } else {
    analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  }
  if (!analysis) throw new AwsError('InvalidInput', `Simulation of ${item.action} could not run.`);
  const iamDecision = identityDecision(analysis);
  // A resource in another account is a cross-account simulation: without that account's
  // resource policy the request is not allowed, whatever IAM says (IAM API reference, EvalDecisionDetails).
  const crossAccount = resourceAccount !== account;
  const decision: Decision = crossAccount && iamDecision === 'allowed' ? 'implicitDeny' : iamDecision;
  const statements =
    iamDecision === 'explicitDeny'
      ? (analysis.identityAnalysis?.denyStatements ?? [])
      : (analysis.identityAnalysis?.allowStatements ?? []);
  const missing = missingContextKeys(
    policies.map((p) => p.policy as unknown),
    item.action,
    context,
  ).map(escapeXml);
  // "Populated for only cross-account simulations"; present but empty for a same-account
  // resource ARN, absent for `*` (IAM API reference, EvaluationResult.EvalDecisionDetails).
  const details = crossAccount
    ? element('EvalDecisionDetails', element('entry', text('key', 'IAM Policy') + text('value', iamDecision)))
    : item.perResource
      ? element('EvalDecisionDetails', '')
      : '';
  const organizations = ctx.world.scenario.organization?.accounts.includes(account)
    ? element('OrganizationsDecisionDetail', text('AllowedByOrganizations', analysis.scpAnalysis?.result === 'Allowed'))
    : '';
  const boundary = source.permissionsBoundary
    ? element(
        'PermissionsBoundaryDecisionDetail',
        text('AllowedByPermissionsBoundary', analysis.permissionBoundaryAnalysis?.result === 'Allowed'),
      )
    : '';
  const perResource = item.perResource
    ? list('ResourceSpecificResults', 'member', [
        text('EvalResourceName', item.resource) +
          text('EvalResourceDecision', decision) +
          matchedXml(statements) +
          list('MissingContextValues', 'member', missing) +
          details +
          boundary,
      ])
    : '';
  return (
    text('EvalActionName', item.action) +
    text('EvalResourceName', item.resource) +
    text('EvalDecision', decision) +
    matchedXml(statements) +
    list('MissingContextValues', 'member', item.perResource ? [] : missing) +
    organizations +
    boundary +
    details +
    perResource
  );
}

const simulatePrincipalPolicy: Handler = async (ctx) => {
  const source = queryString(ctx.query.PolicySourceArn);
  if (!source)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null",
    );
  await authorize(ctx, { action: 'iam:SimulatePrincipalPolicy', resource: source });
  const parsed = /^arn:aws:iam::(\d{12}):(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(source);
  if (!parsed) throw new AwsError('InvalidInput', `ARN ${source} is not valid.`);
  const [, account, kind, name] = parsed;
  const holder = ctx.world.principalsWithIdentity(source)[0];
  if (account !== ctx.caller.account || !holder) {
    throw new AwsError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`, 404);
  }
  const actions = queryStrings(ctx.query.ActionNames);
  if (!actions.length)
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
    );
  const resources = queryStrings(ctx.query.ResourceArns);
  const items: Evaluation[] = actions.flatMap((action): Evaluation[] =>
    resources.length
      ? resources.map((resource) => ({ action, resource, perResource: true }))
      : [{ action, resource: '*', perResource: false }],
  );
  // Paged with MaxItems (1-1000, default 100) and Marker (IAM API reference, SimulatePrincipalPolicy).
  const maxItems = queryString(ctx.query.MaxItems) === undefined ? 100 : Number(queryString(ctx.query.MaxItems));
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${queryString(ctx.query.MaxItems)}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  const marker = queryString(ctx.query.Marker);
  const offset = marker === undefined ? 0 : Number(Buffer.from(marker, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0 || offset > items.length)
    throw new AwsError('InvalidInput', 'Invalid Marker.');
  const page = items.slice(offset, offset + maxItems);
  const context = contextEntries(ctx.query);
  const results = await Promise.all(page.map((item) => evaluate(ctx, holder, account, item, context)));
  const truncated = offset + maxItems < items.length;
  return queryResponse(
    ctx,
    XML_NAMESPACES.iam,
    text('IsTruncated', truncated) +
      (truncated ? text('Marker', Buffer.from(String(offset + maxItems)).toString('base64')) : '') +
      list('EvaluationResults', 'member', results),
  );
};

/** IAM operations by action name. */
export const iamHandlers: Record<string, Handler> = {
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
};
