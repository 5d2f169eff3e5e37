import * as assert from 'node:assert/strict';
import { diagnoseInstance } from '../../../src/core/diagnosis';
import { describeDenial } from '../../../src/core/diagnosis/trail';
import {
  DELEGATING_POLICY,
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  REGION,
  STOP_TIME,
  USER_ARN,
  baseWorld,
  deniedGrant,
  fakePorts,
} from './fakes';

function deniedWith(reason: string) {
  return deniedGrant({
    errorMessage: `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} ${reason}`,
  });
}

describe('explicit Deny verdict text', () => {
  it('says where CloudTrail\'s Deny is once: "An explicit Deny in the caller\'s IAM policies blocks ..."', async () => {
    const world = baseWorld({
      keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
      events: [deniedWith('with an explicit deny in an identity-based policy')],
    });
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.equal(
      report.verdict.summary,
      `An explicit Deny in the caller's IAM policies blocks kms:CreateGrant for ${USER_ARN} on ${KEY_ARN}; a Deny wins over any Allow. CloudTrail: KMS denied CreateGrant to ${USER_ARN} at ${STOP_TIME} (an explicit Deny in the caller's IAM policies).`,
    );
    assert.equal(
      report.verdict.nextStep,
      `Remove or narrow the Deny in the caller's IAM policies so it does not match EC2's grant (kms:GrantIsForAWSResource is true, kms:ViaService is ec2.${REGION}.amazonaws.com), then start the instance again. Adding an Allow will not help.`,
    );
  });

  it('when KMS does not say where the Deny is, names where to look instead', async () => {
    const world = baseWorld({
      keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
      events: [deniedWith('with an explicit deny')],
    });
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.match(report.verdict.summary, new RegExp(`^An explicit Deny blocks kms:CreateGrant for ${USER_ARN} on `));
    assert.match(
      report.verdict.nextStep,
      /^Remove or narrow the Deny in the key policy, the caller's IAM policies, its permissions boundary and the SCPs so/,
    );
  });

  it('describes each denial kind with "explicit Deny" at most once', () => {
    for (const kind of [
      'explicit-deny-key-policy',
      'explicit-deny-identity-policy',
      'explicit-deny-scp',
      'explicit-deny-permissions-boundary',
      'explicit-deny-session-policy',
      'explicit-deny',
    ] as const) {
      assert.equal(describeDenial(kind).match(/explicit Deny/g)?.length, 1, kind);
    }
  });
});
