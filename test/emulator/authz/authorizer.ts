/**
 * Decides each call with an independent IAM engine (@cloud-copilot/iam-simulate), never with
 * the product's own evaluator, so a wrong product evaluator and the emulator cannot agree by
 * construction. Decisions are cached by request and policy text (cheap per call); PutKeyPolicy
 * also clears the cache.
 */
import { runSimulation, type RequestAnalysis, type Simulation } from '@cloud-copilot/iam-simulate';
import type { Scenario } from '../scenario';
import type { Caller } from '../state';
import type { DenialReason } from './denials';
import { GrantStore } from './grants';
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
 * AWS's wording for a refusal, first matching row wins: explicit Denies first (organization,
 * resource, identity, boundary, session), then the missing Allow that stopped the request. A
 * resource policy that neither names the caller nor opens to its account is "no resource-based policy".
 */
const DENIAL_RULES: readonly [(a: RequestAnalysis) => boolean, DenialReason][] = [
  [(a) => a.scpAnalysis?.result === 'ExplicitlyDenied', 'scp-deny'],
  [(a) => a.rcpAnalysis?.result === 'ExplicitlyDenied', 'rcp-deny'],
  [
    (a) => a.resourceAnalysis?.result === 'ExplicitlyDenied' || a.resourceAnalysis?.result === 'DeniedForAccount',
    'resource-deny',
  ],
  [(a) => a.identityAnalysis?.result === 'ExplicitlyDenied', 'identity-deny'],
  [(a) => a.permissionBoundaryAnalysis?.result === 'ExplicitlyDenied', 'boundary-deny'],
  [(a) => a.sessionAnalysis?.result === 'ExplicitlyDenied', 'session-deny'],
  [(a) => a.scpAnalysis?.result === 'ImplicitlyDenied', 'no-scp-allow'],
  [(a) => a.sessionAnalysis !== undefined && a.sessionAnalysis.result !== 'Allowed', 'no-session-allow'],
  [
    (a) =>
      a.permissionBoundaryAnalysis !== undefined &&
      a.permissionBoundaryAnalysis.result !== 'Allowed' &&
      a.identityAnalysis?.result === 'Allowed',
    'no-boundary-allow',
  ],
  [(a) => a.resourceAnalysis?.result === 'ImplicitlyDenied', 'no-resource-allow'],
];

/** The reason AWS gives for a refused request, from the engine's analysis. */
export function denialReasonOf(analysis: RequestAnalysis): DenialReason {
  return DENIAL_RULES.find(([applies]) => applies(analysis))?.[1] ?? 'no-identity-allow';
}

/**
 * One authorizer per world; `invalidate()` after any policy changes. Grants are read on every
 * decision (not cached), so a grant counts from the call after CreateGrant returns.
 */
export class Authorizer {
  private cache = new Map<string, Promise<AuthzDecision>>();

  constructor(
    private readonly scenario: Scenario,
    private readonly grants: GrantStore = new GrantStore(),
  ) {}

  invalidate(): void {
    this.cache.clear();
  }

  /** The decision for one request, as AWS would make it: the policies, then the key's grants. */
  async decide(request: AuthzRequest): Promise<AuthzDecision> {
    const decision = await this.decideByPolicies(request);
    if (decision.allowed) return decision;
    const callerArns = [request.caller.arn, request.caller.principal.arn];
    return this.grants.lifts(decision.reason, request.action, request.resource, callerArns) ? ALLOWED : decision;
  }

  private decideByPolicies(request: AuthzRequest): Promise<AuthzDecision> {
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
