import * as assert from 'node:assert/strict';
import { diagnoseInstance, type DiagnosisReport } from '../../../src/core/diagnosis';
import type { DiagnosisPorts } from '../../../src/core/diagnosis/ports';
import {
  DELEGATING_POLICY,
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  OTHER_ACCOUNT,
  REGION,
  baseWorld,
  diagnose,
  failure,
  fakePorts,
  key,
  startEvent,
  type World,
} from './fakes';

function failing(
  port: keyof DiagnosisPorts,
  kind: Parameters<typeof failure>[0] = 'access-denied',
  overrides: Partial<World> = {},
): World {
  return baseWorld({ ...overrides, failures: { [port]: failure(kind) } });
}

function stepOf(report: DiagnosisReport, id: string) {
  const found = report.steps.find((s) => s.id === id);
  assert.ok(found, `step ${id} missing`);
  return found;
}

describe('diagnoseInstance with one failing call', () => {
  it('baseline: with every call answering, the verdict is high confidence with no caveat', async () => {
    const report = await diagnose(baseWorld());
    assert.equal(report.verdict.confidence, 'high');
    assert.deepEqual(report.verdict.caveats, []);
    assert.ok(report.steps.every((s) => s.status !== 'error'));
  });

  it('DescribeInstances fails: step 1 is an error, the rest is skipped, and the verdict says what would let it run', async () => {
    const report = await diagnose(failing('describeInstance'));
    assert.equal(stepOf(report, 'instance-state').status, 'error');
    assert.match(stepOf(report, 'instance-state').nextStep ?? '', /ec2:DescribeInstances/);
    assert.ok(report.steps.slice(1).every((s) => s.status === 'skip'));
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.verdict.confidence, 'low');
    assert.equal(report.calls.count, 1);
  });

  it('DescribeInstances says not found: the next step is about the id and Region, not a permission', async () => {
    const report = await diagnose(failing('describeInstance', 'not-found'));
    assert.match(stepOf(report, 'instance-state').nextStep ?? '', /instance id and the Region/);
    assert.equal(stepOf(report, 'instance-state').failureKind, 'not-found');
  });

  it('DescribeInstances fails on expired credentials: the step carries the kind for the CLI exit code', async () => {
    const report = await diagnose(failing('describeInstance', 'expired-credentials'));
    assert.equal(stepOf(report, 'instance-state').failureKind, 'expired-credentials');
  });

  it('DescribeVolumes fails: the key still comes from the denied CreateGrant naming the instance; confidence drops', async () => {
    const report = await diagnose(failing('describeVolumes'));
    assert.equal(stepOf(report, 'volumes').status, 'error');
    assert.match(stepOf(report, 'volumes').nextStep ?? '', /ec2:DescribeVolumes/);
    assert.equal(stepOf(report, 'kms-keys').status, 'pass');
    assert.match(stepOf(report, 'kms-keys').evidence[0].label, /named by CloudTrail/);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.ok(report.verdict.caveats.some((c) => /ec2:DescribeVolumes/.test(c)));
    assert.equal(report.fixes[0].target, 'key-policy');
  });

  it('DescribeVolumes fails and CloudTrail names no key: no verdict, low confidence', async () => {
    const report = await diagnose(failing('describeVolumes', 'access-denied', { events: [startEvent()] }));
    assert.equal(stepOf(report, 'kms-keys').status, 'skip');
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.verdict.confidence, 'low');
  });

  it('GetEbsDefaultKmsKeyId fails: only context is lost; the verdict stands', async () => {
    const report = await diagnose(failing('getEbsDefaults'));
    const volumes = stepOf(report, 'volumes');
    assert.equal(volumes.status, 'pass');
    assert.ok(volumes.evidence.some((e) => e.label === 'Default EBS key' && /unavailable/.test(e.value)));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'high');
  });

  it('DescribeKey is denied: the key is checked from its ARN; confidence drops and the permission is named', async () => {
    const report = await diagnose(failing('describeKey'));
    assert.equal(stepOf(report, 'kms-keys').status, 'error');
    assert.match(stepOf(report, 'kms-keys').nextStep ?? '', /kms:DescribeKey/);
    assert.equal(stepOf(report, 'key-policy').status, 'fail');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.ok(report.verdict.caveats.some((c) => /kms:DescribeKey/.test(c)));
  });

  it('GetCallerIdentity fails: CloudTrail still names the principal; the failure is evidence', async () => {
    const report = await diagnose(failing('getCallerIdentity'));
    const principal = stepOf(report, 'principal');
    assert.equal(principal.status, 'fail');
    assert.ok(principal.evidence.some((e) => /Identity of profile/.test(e.label) && /unavailable/.test(e.value)));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'high');
  });

  it('GetCallerIdentity fails and CloudTrail has nothing: no principal, no verdict', async () => {
    const report = await diagnose(failing('getCallerIdentity', 'expired-credentials', { events: [] }));
    assert.equal(stepOf(report, 'principal').status, 'error');
    assert.equal(stepOf(report, 'key-policy').status, 'skip');
    assert.equal(stepOf(report, 'iam-policy').status, 'skip');
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.verdict.confidence, 'low');
  });

  it('LookupEvents is denied: the profile identity is assumed, confidence drops, and cloudtrail:LookupEvents is named', async () => {
    const report = await diagnose(failing('lookupEvents'));
    const principal = stepOf(report, 'principal');
    assert.equal(principal.status, 'error');
    assert.match(principal.nextStep ?? '', /cloudtrail:LookupEvents/);
    assert.equal(report.principal?.source, 'caller-identity');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.ok(report.verdict.caveats.some((c) => /cloudtrail:LookupEvents/.test(c)));
  });

  it('GetKeyPolicy is denied: IAM and CloudTrail still decide; confidence drops and kms:GetKeyPolicy is named', async () => {
    const report = await diagnose(failing('getKeyPolicy'));
    const step = stepOf(report, 'key-policy');
    assert.equal(step.status, 'error');
    assert.match(step.nextStep ?? '', /kms:GetKeyPolicy/);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.equal(report.fixes[0].target, 'key-policy', 'CloudTrail says no resource-based policy allows it');
    assert.ok(report.verdict.caveats.some((c) => /kms:GetKeyPolicy/.test(c)));
  });

  it("GetKeyPolicy on another account's key: says which account's access is needed and which profile could give it", async () => {
    const crossArn = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/abcd`;
    const overrides: Partial<World> = {
      volumes: [{ id: 'vol-1', encrypted: true, kmsKeyId: crossArn }],
      keys: [key({ arn: crossArn, keyId: 'abcd', accountId: OTHER_ACCOUNT })],
      events: [startEvent()],
    };
    const withProfile = await diagnose(failing('getKeyPolicy', 'access-denied', overrides), {
      [OTHER_ACCOUNT]: ['shared-kms'],
    });
    assert.match(
      stepOf(withProfile, 'key-policy').nextStep ?? '',
      new RegExp(`account ${OTHER_ACCOUNT}.*"shared-kms"`),
    );
    const withoutProfile = await diagnose(failing('getKeyPolicy', 'access-denied', overrides));
    assert.match(
      stepOf(withoutProfile, 'key-policy').nextStep ?? '',
      new RegExp(`configure a profile for account ${OTHER_ACCOUNT}`),
    );
  });

  it('SimulatePrincipalPolicy is not permitted: the IAM step is skipped with the reason; a key-policy-only verdict keeps its confidence', async () => {
    const report = await diagnose(failing('simulatePrincipalPolicy'));
    const step = stepOf(report, 'iam-policy');
    assert.equal(step.status, 'skip');
    assert.match(step.summary, /Not permitted/);
    assert.match(step.nextStep ?? '', /iam:SimulatePrincipalPolicy/);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'high', 'IAM cannot help when the key policy does not delegate');
  });

  it('SimulatePrincipalPolicy is not permitted where IAM decides: confidence drops and the permission is named', async () => {
    const report = await diagnose(
      failing('simulatePrincipalPolicy', 'access-denied', { keyPolicies: { [KEY_ARN]: DELEGATING_POLICY } }),
    );
    assert.equal(stepOf(report, 'iam-policy').status, 'skip');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.equal(report.fixes[0].target, 'identity-policy');
    assert.ok(report.verdict.caveats.some((c) => /iam:SimulatePrincipalPolicy/.test(c)));
  });

  it('SimulatePrincipalPolicy finds no such role: the error names the possibly missing role path', async () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/Deployer/alice';
    const report = await diagnose(
      failing('simulatePrincipalPolicy', 'not-found', {
        keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
        events: [startEvent({ userArn: session })],
      }),
    );
    const step = stepOf(report, 'iam-policy');
    assert.equal(step.status, 'error');
    assert.match(step.nextStep ?? '', /path/);
  });

  it('a port that throws instead of returning a failure becomes an error step, not a crash', async () => {
    const ports = fakePorts(baseWorld());
    ports.getKeyPolicy = () => Promise.reject(new Error('socket hang up'));
    const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(stepOf(report, 'key-policy').status, 'error');
    assert.ok(stepOf(report, 'key-policy').evidence.some((e) => /socket hang up/.test(e.value)));
  });
});
