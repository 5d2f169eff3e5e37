/**
 * Differential test: the evaluator against @cloud-copilot/iam-simulate (a devDependency
 * only, never bundled) over generated key policies, for EC2's CreateGrant request.
 * Known disagreements: if one appears, fix the evaluator or document it here with the AWS
 * documentation page showing the simulator is wrong.
 *
 * 1. NotPrincipal with Deny. The simulator leaves the caller out of the Deny when the list
 *    names either the caller (or its role) or its account. The IAM User Guide, "AWS JSON
 *    policy elements: NotPrincipal" (key points,
 *    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
 *    says AWS checks the account first, then the role, then the session, so the list must
 *    name the principal AND its account: otherwise the account, and everything in it, is
 *    denied. For those statements the simulator is given the documented meaning instead (a
 *    Deny applying to the caller, `Principal: "*"`; see `documentedNotPrincipal`), and the
 *    test counts them.
 */
import * as assert from 'node:assert/strict';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ec2GrantRequest, evaluateCreateGrant, type Decision } from '../../../src/core/policy';
import { authorizeKmsRequest } from '../../../src/core/policy/evaluate';
import {
  ACCOUNT,
  CALLERS,
  documentedNotPrincipal,
  KEY_ARN,
  pick,
  randomKeyPolicy,
  REGION,
  seededRandom,
} from './generators';

const KMS_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const SIMULATOR_DECISION: Record<string, Decision> = {
  Allowed: 'allow',
  ExplicitlyDenied: 'explicit-deny',
  ImplicitlyDenied: 'implicit-deny',
};
const POLICIES = 1000;

async function simulate(
  keyPolicy: unknown,
  caller: string,
  identity: unknown[],
  context: Record<string, string>,
): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal: caller,
        action: 'kms:CreateGrant',
        resource: { resource: KEY_ARN, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: identity.map((policy, i) => ({ name: `identity${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: keyPolicy,
    },
    {},
  );
  if (response.resultType !== 'single')
    throw new Error(`simulator could not run: ${JSON.stringify(response).slice(0, 500)}`);
  return SIMULATOR_DECISION[response.overallResult];
}

describe('policy evaluator vs iam-simulate (differential)', () => {
  it(`agrees on ${POLICIES} generated key policies, alone and with an identity policy allowing kms:*`, async function () {
    this.timeout(60_000);
    const random = seededRandom(20240611);
    const disagreements: string[] = [];
    const seen: Record<string, number> = {};
    let documented = 0;
    for (let i = 0; i < POLICIES; i++) {
      const keyPolicy = randomKeyPolicy(random);
      const caller = pick(random, CALLERS);
      const request = ec2GrantRequest(caller, { region: REGION, keyArn: KEY_ARN });
      const context = Object.fromEntries(Object.entries(request.conditionKeys).map(([k, v]) => [k, String(v)]));
      const asDocumented = documentedNotPrincipal(keyPolicy, caller);
      if (asDocumented) documented++;
      const decisions: Decision[] = [];
      for (const identity of [[], [KMS_ALL]]) {
        const expected = await simulate(asDocumented ?? keyPolicy, caller, identity, context);
        const actual = authorizeKmsRequest(keyPolicy, identity, request, ACCOUNT).decision;
        decisions.push(expected);
        seen[`${expected}/${identity.length}`] = (seen[`${expected}/${identity.length}`] ?? 0) + 1;
        if (actual !== expected) {
          disagreements.push(
            `${caller} identity=${identity.length} ours=${actual} simulator=${expected} policy=${JSON.stringify(keyPolicy)}`,
          );
        }
      }
      // The verdict is the same question asked twice: key policy alone, then with IAM allowing kms:*.
      const verdict = evaluateCreateGrant(keyPolicy, caller, { region: REGION, keyArn: KEY_ARN }).verdict;
      const expectedVerdict =
        decisions[0] === 'allow' ? 'allowed' : decisions[1] === 'allow' ? 'relies-on-iam' : 'denied';
      if (verdict !== expectedVerdict)
        disagreements.push(
          `${caller} verdict ours=${verdict} simulator=${expectedVerdict} policy=${JSON.stringify(keyPolicy)}`,
        );
    }
    assert.deepEqual(disagreements.slice(0, 5), []);
    assert.ok(documented >= 5, `too few NotPrincipal cases of disagreement 1: ${documented}`);
    // The generator must exercise every outcome, or agreement proves little.
    for (const key of [
      'allow/0',
      'allow/1',
      'implicit-deny/0',
      'implicit-deny/1',
      'explicit-deny/0',
      'explicit-deny/1',
    ]) {
      assert.ok((seen[key] ?? 0) >= 20, `too few ${key} cases: ${JSON.stringify(seen)}`);
    }
  });
});
