/**
 * Checks a scenario's policies with the authorization engine before the emulator serves it: a
 * policy AWS would not have stored (IAM and KMS validate documents on write) fails the start
 * with its name, instead of failing each call later as an internal error.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { keyArnOf, type Scenario } from '../scenario';
import { identityPolicies, resourceControlPolicies, serviceControlPolicies } from './policies';

function probe(principal: string, account: string, resource: string): Simulation['request'] {
  return { principal, action: 'kms:DescribeKey', resource: { resource, accountId: account }, contextVariables: {} };
}

/** Throws with every invalid policy listed. */
export async function validatePolicies(scenario: Scenario): Promise<void> {
  const problems: string[] = [];
  const check = async (what: string, simulation: Simulation): Promise<void> => {
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') problems.push(`${what}: ${JSON.stringify(result.errors)}`);
  };
  for (const p of scenario.principals) {
    const resource = `arn:aws:kms:us-east-1:${p.account}:key/00000000-0000-4000-8000-000000000000`;
    await check(`principal ${p.name}`, {
      request: probe(p.arn, p.account, resource),
      identityPolicies: identityPolicies(scenario, p),
      serviceControlPolicies: serviceControlPolicies(scenario, p.account),
      resourceControlPolicies: resourceControlPolicies(scenario, p.account),
      ...(p.permissionsBoundary
        ? { permissionBoundaryPolicies: [{ name: p.permissionsBoundary.name, policy: p.permissionsBoundary.document }] }
        : {}),
      ...(p.sessionName && p.sessionPolicy !== undefined ? { sessionPolicy: p.sessionPolicy } : {}),
    });
  }
  for (const k of scenario.keys) {
    if (k.policy === undefined) continue;
    let document: unknown = k.policy;
    if (typeof k.policy === 'string') {
      try {
        document = JSON.parse(k.policy);
      } catch {
        problems.push(`key ${k.id}: the policy is not JSON`);
        continue;
      }
    }
    await check(`key ${k.id}`, {
      request: probe(`arn:aws:iam::${k.account}:root`, k.account, keyArnOf(k)),
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: document,
    });
  }
  if (problems.length) throw new Error(`Invalid scenario policies: ${problems.slice(0, 10).join('; ')}`);
}
