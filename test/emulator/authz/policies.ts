/**
 * Which policies AWS evaluates for a caller: identity policies (the principal's own, its
 * groups', the scenario deny list as Deny statements), the permissions boundary, the session
 * policy, and the organization's SCPs and RCPs. Policy evaluation logic:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import type { SimulationIdentityPolicy, SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';
import type { DenyRule, Scenario, ScenarioPrincipal } from '../scenario';

/** The SCP AWS Organizations attaches to the root and every account by default. */
const FULL_AWS_ACCESS = {
  name: 'FullAWSAccess',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

/** The scenario's `deny` shorthand as an identity policy (a region rule uses aws:RequestedRegion). */
export function denyListPolicy(rules: readonly DenyRule[]): SimulationIdentityPolicy | undefined {
  if (!rules.length) return undefined;
  const Statement = rules.map((rule) => {
    const action = typeof rule === 'string' ? rule : rule.action;
    const region = typeof rule === 'string' ? undefined : rule.region;
    return {
      Effect: 'Deny',
      Action: action,
      Resource: '*',
      ...(region ? { Condition: { StringEquals: { 'aws:RequestedRegion': region } } } : {}),
    };
  });
  return { name: 'ScenarioDenyList', policy: { Version: '2012-10-17', Statement } };
}

/** The identity policies IAM evaluates for the principal (for a session: its role's). */
export function identityPolicies(scenario: Scenario, principal: ScenarioPrincipal): SimulationIdentityPolicy[] {
  const out: SimulationIdentityPolicy[] = (principal.policies ?? []).map((p) => ({ name: p.name, policy: p.document }));
  for (const groupName of principal.groups ?? []) {
    const group = scenario.groups?.find((g) => g.name === groupName && g.account === principal.account);
    for (const p of group?.policies ?? []) out.push({ name: `${groupName}/${p.name}`, policy: p.document });
  }
  const deny = denyListPolicy(principal.deny ?? []);
  if (deny) out.push(deny);
  return out;
}

function orgLevels(
  scenario: Scenario,
  account: string,
  pick: 'serviceControlPolicies' | 'resourceControlPolicies',
): SimulationOrgPolicies[] {
  const org = scenario.organization;
  if (!org || !org.accounts.includes(account)) return [];
  const attached = org[pick] ?? [];
  const root = attached.filter((p) => !p.targets).map((p) => ({ name: p.name, policy: p.document }));
  const own = attached.filter((p) => p.targets?.includes(account)).map((p) => ({ name: p.name, policy: p.document }));
  if (pick === 'serviceControlPolicies') {
    // Every level must allow; FullAWSAccess does that unless an administrator detached it.
    const accountLevel = org.detachFullAwsAccess?.includes(account) ? own : [FULL_AWS_ACCESS, ...own];
    return [
      { orgIdentifier: `r-${org.id.replace(/^o-/, '')}`, policies: [FULL_AWS_ACCESS, ...root] },
      { orgIdentifier: account, policies: accountLevel },
    ];
  }
  // RCPFullAWSAccess is added by the simulator at every level.
  return [
    { orgIdentifier: `r-${org.id.replace(/^o-/, '')}`, policies: root },
    { orgIdentifier: account, policies: own },
  ];
}

/** SCP levels (root first, account last) that apply to principals of `account`. */
export function serviceControlPolicies(scenario: Scenario, account: string): SimulationOrgPolicies[] {
  return orgLevels(scenario, account, 'serviceControlPolicies');
}

/** RCP levels that apply to resources owned by `account`. */
export function resourceControlPolicies(scenario: Scenario, account: string): SimulationOrgPolicies[] {
  return orgLevels(scenario, account, 'resourceControlPolicies');
}
