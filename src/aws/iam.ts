import {
  SimulatePrincipalPolicyCommand,
  type ContextKeyTypeEnum,
  type EvaluationResult,
  type ResourceSpecificResult,
  type Statement,
} from '@aws-sdk/client-iam';
import type {
  DiagnosisPorts,
  ResourceSimulationResult,
  SimulationResult,
  SimulationSide,
} from '../core/diagnosis/ports';
import type { Outcome } from '../core/model';
import type { SessionPort, SignalOption } from './session';

/** Whom to simulate, for which actions and resources, with which condition values. */
export type SimulationInput = Parameters<DiagnosisPorts['simulatePrincipalPolicy']>[0];

/** SimulatePrincipalPolicy answers in pages; a diagnosis asks about a handful of actions. */
const MAX_SIMULATION_PAGES = 10;

/**
 * IAM's policy simulator for one principal: what its identity policies (with SCPs and
 * permissions boundaries) decide for the given actions and resources, every page read.
 */
export async function simulatePrincipalPolicy(
  session: SessionPort,
  profile: string,
  region: string,
  input: SimulationInput,
  options: SignalOption = {},
): Promise<Outcome<SimulationResult[]>> {
  const results: SimulationResult[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_SIMULATION_PAGES; page++) {
    const command = new SimulatePrincipalPolicyCommand({
      PolicySourceArn: input.policySourceArn,
      ActionNames: input.actionNames,
      ResourceArns: input.resourceArns,
      ContextEntries: input.context.map((entry) => ({
        ContextKeyName: entry.key,
        ContextKeyType: entry.type as ContextKeyTypeEnum,
        ContextKeyValues: entry.values,
      })),
      Marker: marker,
    });
    const out = await session.send('IAM', profile, region, command, 'iam:SimulatePrincipalPolicy', options);
    if (!out.ok) return out;
    results.push(...(out.value.EvaluationResults ?? []).map(mapEvaluation));
    marker = out.value.IsTruncated ? out.value.Marker : undefined;
    if (!marker) break;
  }
  return { ok: true, value: results };
}

type Decision = SimulationResult['decision'];

/** IAM's decision words; anything else (a new word, a hostile answer) is read as not allowed. */
function decisionOf(value: string | undefined): Decision {
  return value === 'allowed' || value === 'explicitDeny' ? value : 'implicitDeny';
}

function statementsOf(statements: Statement[] | undefined): SimulationResult['matchedStatements'] {
  return (statements ?? []).map((statement) => {
    const matched: { sourcePolicyId?: string; sourcePolicyType?: string } = {};
    if (statement.SourcePolicyId) matched.sourcePolicyId = statement.SourcePolicyId;
    if (statement.SourcePolicyType) matched.sourcePolicyType = statement.SourcePolicyType;
    return matched;
  });
}

/** `EvalDecisionDetails` as a list of sides, in IAM's order; undefined when IAM sent none. */
function sidesOf(details: Record<string, string> | undefined): SimulationSide[] | undefined {
  if (!details || typeof details !== 'object') return undefined;
  return Object.entries(details).map(([source, decision]) => ({ source, decision: decisionOf(decision) }));
}

function resourceResultOf(result: ResourceSpecificResult): ResourceSimulationResult {
  const mapped: ResourceSimulationResult = {
    resource: result.EvalResourceName ?? '*',
    decision: decisionOf(result.EvalResourceDecision),
    matchedStatements: statementsOf(result.MatchedStatements),
    missingContextValues: result.MissingContextValues ?? [],
  };
  const sides = sidesOf(result.EvalDecisionDetails);
  if (sides) mapped.decisionDetails = sides;
  const boundary = result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary;
  if (boundary !== undefined) mapped.allowedByPermissionsBoundary = boundary;
  return mapped;
}

/**
 * Maps one IAM evaluation result. Pure. With resource ARNs in the request IAM puts missing
 * context keys under `ResourceSpecificResults` only (src/aws-records.md Q5, F9): they are
 * merged into `missingContextValues` so a reader of that list sees them.
 */
export function mapEvaluation(result: EvaluationResult): SimulationResult {
  const resourceResults = (result.ResourceSpecificResults ?? []).map(resourceResultOf);
  const missing = [...(result.MissingContextValues ?? []), ...resourceResults.flatMap((r) => r.missingContextValues)];
  const mapped: SimulationResult = {
    action: result.EvalActionName ?? '',
    resource: result.EvalResourceName ?? '*',
    decision: decisionOf(result.EvalDecision),
    matchedStatements: statementsOf(result.MatchedStatements),
    missingContextValues: [...new Set(missing)],
  };
  // Lets the diagnosis blame an explicit deny on an SCP or a permissions boundary.
  const organizations = result.OrganizationsDecisionDetail?.AllowedByOrganizations;
  if (organizations !== undefined) mapped.allowedByOrganizations = organizations;
  const boundary = result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary;
  if (boundary !== undefined) mapped.allowedByPermissionsBoundary = boundary;
  // Which side of a cross-account request allowed and which did not.
  const sides = sidesOf(result.EvalDecisionDetails);
  if (sides) mapped.decisionDetails = sides;
  if (resourceResults.length > 0) mapped.resourceResults = resourceResults;
  return mapped;
}
