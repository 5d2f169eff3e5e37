/**
 * IAM `SimulatePrincipalPolicy`: the identity policies of a scenario user or role, evaluated
 * with the project's evaluator. Like IAM it does not look at resource policies.
 */
import { evaluatePolicy, policyStatements, stringList, type RequestContext } from '../../../src/core/policy';
import { queryList, queryString, queryStrings, requirePermission, type Handler, type QueryTree } from '../context';
import { AwsError, XML_NAMESPACES } from '../errors';
import { escapeXml, list, text } from '../xml';
import { queryResponse } from './sts';

type ContextValues = RequestContext['conditionKeys'];

function contextEntries(query: QueryTree): ContextValues {
  const keys: ContextValues = {};
  for (const entry of queryList(query.ContextEntries)) {
    if (typeof entry !== 'object') continue;
    const name = queryString(entry.ContextKeyName);
    if (!name) continue;
    const type = (queryString(entry.ContextKeyType) ?? 'string').toLowerCase();
    const values = queryStrings(entry.ContextKeyValues);
    if (type === 'boolean') keys[name] = values[0]?.toLowerCase() === 'true';
    else keys[name] = type.endsWith('list') ? values : (values[0] ?? '');
  }
  return keys;
}

/** Condition keys of statements naming the action that the request context lacks. */
function missingContextKeys(document: unknown, action: string, context: ContextValues): string[] {
  const present = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const missing = new Set<string>();
  const pattern = (p: string): RegExp => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  for (const statement of policyStatements(document)) {
    const actions = stringList(statement.Action);
    if (!actions?.some((a) => pattern(a).test(action))) continue;
    const condition = statement.Condition;
    if (typeof condition !== 'object' || condition === null) continue;
    for (const block of Object.values(condition as Record<string, unknown>)) {
      if (typeof block !== 'object' || block === null) continue;
      for (const key of Object.keys(block)) if (!present.has(key.toLowerCase())) missing.add(key);
    }
  }
  return [...missing];
}

const simulatePrincipalPolicy: Handler = (ctx) => {
  requirePermission(ctx, 'iam:SimulatePrincipalPolicy');
  const source = queryString(ctx.query.PolicySourceArn);
  if (!source) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null");
  const parsed = /^arn:aws:iam::(\d{12}):(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(source);
  if (!parsed) throw new AwsError('InvalidInput', `ARN ${source} is not valid.`);
  const [, account, kind, name] = parsed;
  const holders = ctx.world.principalsWithIdentity(source);
  if (account !== ctx.caller.account || !holders.length) {
    throw new AwsError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`, 404);
  }
  const policies = new Map<string, unknown>();
  for (const holder of holders) for (const p of holder.policies ?? []) if (!policies.has(p.name)) policies.set(p.name, p.document);

  const actions = queryStrings(ctx.query.ActionNames);
  if (!actions.length) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
  const resources = queryStrings(ctx.query.ResourceArns);
  const conditionKeys = contextEntries(ctx.query);
  const results: string[] = [];
  for (const action of actions) {
    for (const resource of resources.length ? resources : ['*']) {
      const request: RequestContext = { action, resource, principalArn: source, principalAccount: account, conditionKeys };
      let denied = false;
      let allowed = false;
      const matched: string[] = [];
      const missing = new Set<string>();
      for (const [policyName, document] of policies) {
        const evaluation = evaluatePolicy(document, request, 'identity');
        if (evaluation.decision === 'explicit-deny') denied = true;
        if (evaluation.decision === 'allow') allowed = true;
        if (evaluation.matched.length) matched.push(text('SourcePolicyId', policyName) + text('SourcePolicyType', 'IAM Policy'));
        for (const key of missingContextKeys(document, action, conditionKeys)) missing.add(key);
      }
      const decision = denied ? 'explicitDeny' : allowed ? 'allowed' : 'implicitDeny';
      results.push(
        text('EvalActionName', action) +
          text('EvalResourceName', resource) +
          text('EvalDecision', decision) +
          list('MatchedStatements', 'member', matched) +
          list('MissingContextValues', 'member', [...missing].map(escapeXml)),
      );
    }
  }
  return queryResponse(ctx, XML_NAMESPACES.iam, text('IsTruncated', false) + list('EvaluationResults', 'member', results));
};

/** IAM operations by action name. */
export const iamHandlers: Record<string, Handler> = {
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
};
