import {
  SimulatePrincipalPolicyCommand,
  type ContextKeyTypeEnum,
  type EvaluationResult,
} from '@aws-sdk/client-iam';
import type { DiagnosisPorts, SimulationResult } from '../core/diagnosis/ports';
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

/** Maps one IAM evaluation result. Pure. */
export function mapEvaluation(result: EvaluationResult): SimulationResult {
  const decision = result.EvalDecision;
  return {
    action: result.EvalActionName ?? '',
    resource: result.EvalResourceName ?? '*',
    decision: decision === 'allowed' || decision === 'explicitDeny' ? decision : 'implicitDeny',
    matchedStatements: (result.MatchedStatements ?? []).map((statement) => {
      const matched: { sourcePolicyId?: string; sourcePolicyType?: string } = {};
      if (statement.SourcePolicyId) matched.sourcePolicyId = statement.SourcePolicyId;
      if (statement.SourcePolicyType) matched.sourcePolicyType = statement.SourcePolicyType;
      return matched;
    }),
    missingContextValues: result.MissingContextValues ?? [],
    // Lets the diagnosis blame an explicit deny on an SCP or a permissions boundary.
    ...(result.OrganizationsDecisionDetail?.AllowedByOrganizations !== undefined
      ? { allowedByOrganizations: result.OrganizationsDecisionDetail.AllowedByOrganizations }
      : {}),
    ...(result.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary !== undefined
      ? { allowedByPermissionsBoundary: result.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary }
      : {}),
  };
}
