/**
 * An Auto Scaling group on a launch configuration, through the real SDK against the
 * emulator: DescribeLaunchConfigurations read and mapped, the group diagnosed from the
 * configuration's AMI snapshot key (a launch configuration cannot name a key), its
 * service-linked role as the principal and the documented key-policy statements as the fix;
 * the prediction says will-fail before the statements are put and will-launch after, and the
 * next launch from the configuration runs. A profile refused DescribeLaunchConfigurations
 * gets no guess: the prediction is unknown and names the permission.
 */
import * as assert from 'node:assert/strict';
import { createDiagnosisPorts } from '../../src/aws';
import { describeLaunchConfigurations } from '../../src/aws/autoscaling';
import { diagnoseAutoScalingGroup, predictLaunch, type KeyPolicyFix } from '../../src/core/diagnosis';
import { SLR_ATTACH_SID, SLR_USE_SID } from '../../src/core/launch/serviceRoleFixes';
import { loadScenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';
import { applyKeyPolicyFixes, autoScalingRoleArn, useLaunchWorld, value } from './support/launchWorld';

const REGION = 'us-west-2';
const ACCOUNT = '555555555555';
const ADMIN = 'legacy-admin';
const AUDITOR = 'legacy-auditor';
const GROUP = 'legacy-nodes-asg';
const CONFIGURATION = 'legacy-nodes-lc';
const IMAGE = 'ami-0c1d2e3f4a5b60001';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/7d1e9c2a-0001-4abc-8def-000000000001`;
const SLR_ARN = autoScalingRoleArn(ACCOUNT);

describe('an Auto Scaling group on a launch configuration (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('launch-configuration', () => loadScenario('launch-configuration'));

  const predictGroup = (profile: string): ReturnType<typeof predictLaunch> =>
    predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile, region: REGION },
      createDiagnosisPorts(world.session, profile, REGION),
    );

  it('reads the launch configuration: its AMI and block devices, Encrypted without a key, an unknown name left out', async () => {
    const found = value(
      await describeLaunchConfigurations(world.session, ADMIN, REGION, [CONFIGURATION, 'no-such-configuration']),
    );
    assert.deepEqual(found, [
      {
        name: CONFIGURATION,
        imageId: IMAGE,
        blockDevices: [{ deviceName: '/dev/xvda', encrypted: true, volumeSizeGiB: 30, volumeType: 'gp3' }],
      },
    ]);
    assert.equal(world.emulator.callCount({ service: 'autoscaling', action: 'DescribeLaunchConfigurations' }), 1);
  });

  it("diagnoses the group from its configuration's AMI snapshot key: the role, the documented statements, no caveat about the configuration", async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.equal(report.group?.launchConfigurationName, CONFIGURATION);
    assert.ok(report.calls.rounds <= 5, `rounds ${report.calls.rounds}`);
    assert.ok(
      report.verdict.caveats.every((c) => !/launch configuration/i.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
    const launch = report.steps.find((s) => s.id === 'launch-template');
    assert.equal(launch?.status, 'pass', JSON.stringify(launch));
    assert.ok(
      launch?.evidence.some((e) => e.label === `launch configuration ${CONFIGURATION}` && e.value.includes(IMAGE)),
      JSON.stringify(launch?.evidence),
    );
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2, JSON.stringify(report.fixes));
    assert.ok(fixes.every((f) => f.keyArn === KEY_ARN && f.principalArn === SLR_ARN));
    assert.deepEqual(fixes.map((f) => f.statement.Sid).sort(), [SLR_ATTACH_SID, SLR_USE_SID].sort());
    const attach = fixes.find((f) => f.statement.Sid === SLR_ATTACH_SID)?.statement;
    assert.deepEqual(attach?.Condition, { Bool: { 'kms:GrantIsForAWSResource': true } });
  });

  it('a profile refused DescribeLaunchConfigurations: the prediction is unknown and names the permission', async () => {
    const prediction = await predictGroup(AUDITOR);
    assert.equal(prediction.outcome, 'unknown', prediction.reason);
    assert.ok(
      prediction.unread.some(
        (u) =>
          u.includes(`Launch configuration ${CONFIGURATION}`) && u.includes('autoscaling:DescribeLaunchConfigurations'),
      ),
      prediction.unread.join(' | '),
    );
    const report = await diagnoseAutoScalingGroup(
      { groupName: GROUP, profile: AUDITOR, region: REGION },
      createDiagnosisPorts(world.session, AUDITOR, REGION),
    );
    assert.ok(
      report.verdict.caveats.some((c) => c.includes('autoscaling:DescribeLaunchConfigurations')),
      JSON.stringify(report.verdict.caveats),
    );
    assert.notEqual(report.verdict.confidence, 'high');
  });

  it('predicts will-fail, the launch from the configuration fails; after PutKeyPolicy with the fixes, will-launch, and it runs', async () => {
    const before = await predictGroup(ADMIN);
    assert.equal(before.outcome, 'will-fail', `${before.reason} ${before.unread.join(' ')}`);
    assert.equal(before.principal?.policyArn, SLR_ARN);
    assert.ok(
      before.keys.some((k) => k.arn === KEY_ARN),
      JSON.stringify(before.keys),
    );
    const [failed] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed, 'the group launches');
    assert.equal(failed.state, 'terminated', 'the launch fails before the fix');

    const report = await diagnoseAutoScalingGroup(
      { groupName: GROUP, profile: ADMIN, region: REGION },
      createDiagnosisPorts(world.session, ADMIN, REGION),
    );
    assert.equal(report.group?.latestFailedActivity?.instanceIds[0], failed.id);
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2, JSON.stringify(report.fixes));

    await applyKeyPolicyFixes(world.session, ADMIN, KEY_ARN, fixes);

    const after = await predictGroup(ADMIN);
    assert.equal(after.outcome, 'will-launch', `${after.reason} ${after.unread.join(' ')}`);
    const [next] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.equal(next?.state, 'running', 'the next launch succeeds');
  });
});
