/**
 * Decides each call with an independent IAM engine (@cloud-copilot/iam-simulate), never with
 * the product's own evaluator, so a wrong product evaluator and the emulator cannot agree by
 * construction. Decisions are cached per world revision: a policy change bumps the revision.
 */
import { runSimulation, type RequestAnalysis, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Scenario } from '../scenario';
import type { Caller } from '../state';
import type { DenialReason } from './denials';
import { identityPolicies, resourceControlPolicies, serviceControlPolicies } from './policies';
import { globalContext, type ContextValues } from './requestContext';

export interface AuthzRequest {
  caller: Caller;
  /** `service:Action`, e.g. `kms:GetKeyPolicy`. */
  action: string;
  /** The resource ARN, or `*` for actions without one. */
  resource: string;
  /** The account owning the resource (the caller's for `*`). */
  resourceAccount: string;
  region: string;
  /** The resource's policy (a key policy, a role trust policy), when it has one. */
  resourcePolicy?: unknown;
  /** Action-specific keys on top of the global ones. */
  context?: ContextValues;
}

export type AuthzDecision = { allowed: true } | { allowed: false; reason: DenialReason };

const ALLOWED: AuthzDecision = { allowed: true };
const MAX_CACHED = 10_000;

/**
 * Picks AWS's wording from the analysis: explicit Denies first (organization, resource,
 * identity, boundary, session), then the missing Allow that stopped the request.
 */
export function denialReasonOf(analysis: RequestAnalysis): DenialReason {
  if (analysis.scpAnalysis?.result === 'ExplicitlyDenied') return 'scp-deny';
  if (analysis.rcpAnalysis?.result === 'ExplicitlyDenied') return 'rcp-deny';
  if (
    analysis.resourceAnalysis?.result === 'ExplicitlyDenied' ||
    analysis.resourceAnalysis?.result === 'DeniedForAccount'
  )
    return 'resource-deny';
  if (analysis.identityAnalysis?.result === 'ExplicitlyDenied') return 'identity-deny';
  if (analysis.permissionBoundaryAnalysis?.result === 'ExplicitlyDenied') return 'boundary-deny';
  if (analysis.sessionAnalysis?.result === 'ExplicitlyDenied') return 'session-deny';
  if (analysis.scpAnalysis?.result === 'ImplicitlyDenied') return 'no-scp-allow';
  if (analysis.sessionAnalysis && analysis.sessionAnalysis.result !== 'Allowed') return 'no-session-allow';
  if (
    analysis.permissionBoundaryAnalysis &&
    analysis.permissionBoundaryAnalysis.result !== 'Allowed' &&
    analysis.identityAnalysis?.result === 'Allowed'
  ) {
    return 'no-boundary-allow';
  }
  // A resource policy that neither names the caller nor opens to its account is the gap.
  if (analysis.resourceAnalysis?.result === 'ImplicitlyDenied') return 'no-resource-allow';
  return 'no-identity-allow';
}

/** One authorizer per world; `invalidate()` after any policy changes. */
export class Authorizer {
  private cache = new Map<string, Promise<AuthzDecision>>();

  constructor(private readonly scenario: Scenario) {}

  invalidate(): void {
    this.cache.clear();
  }

  /** The decision for one request, as AWS would make it. */
  decide(request: AuthzRequest): Promise<AuthzDecision> {
    const simulation = this.simulation(request);
    const key = JSON.stringify([
      request.caller.arn,
      request.caller.principal.accessKeyId,
      simulation.request,
      simulation.resourcePolicy ?? null,
    ]);
    let decision = this.cache.get(key);
    if (!decision) {
      // Bounded: a long run with many distinct resources starts over rather than grow without end.
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      decision = run(simulation, request);
      this.cache.set(key, decision);
    }
    return decision;
  }

  private simulation(request: AuthzRequest): Simulation {
    const { caller } = request;
    const p = caller.principal;
    const organizationId = this.scenario.organization?.accounts.includes(caller.account)
      ? this.scenario.organization.id
      : undefined;
    return {
      request: {
        principal: caller.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: { ...globalContext(caller, request.region, organizationId), ...(request.context ?? {}) },
      },
      identityPolicies: identityPolicies(this.scenario, p),
      serviceControlPolicies: serviceControlPolicies(this.scenario, caller.account),
      resourceControlPolicies: resourceControlPolicies(this.scenario, request.resourceAccount),
      ...(request.resourcePolicy !== undefined ? { resourcePolicy: request.resourcePolicy } : {}),
      ...(p.permissionsBoundary
        ? { permissionBoundaryPolicies: [{ name: p.permissionsBoundary.name, policy: p.permissionsBoundary.document }] }
        : {}),
      ...(p.sessionName && p.sessionPolicy !== undefined ? { sessionPolicy: p.sessionPolicy } : {}),
    };
  }
}

async function run(simulation: Simulation, request: AuthzRequest): Promise<AuthzDecision> {
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    // A scenario policy AWS would have refused to store, or an action the engine does not know.
    throw new Error(
      `authorization of ${request.action} on ${request.resource} could not run: ${JSON.stringify(result.errors)}`,
    );
  }
  if (result.overallResult === 'Allowed') return ALLOWED;
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  return { allowed: false, reason: analysis ? denialReasonOf(analysis) : 'no-identity-allow' };
}
