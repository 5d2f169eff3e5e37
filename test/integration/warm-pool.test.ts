/**
 * An Auto Scaling group with a warm pool, diagnosed through the real SDK against the emulator
 * (scenario `warm-pool`): the group's service-linked role is missing from the key policy, so
 * the launch into the warm pool ends terminated. The diagnosis names the role and the two
 * documented key policy statements; applied as the admin, the next fill of the pool succeeds
 * (Warmed:Stopped), and a scale-out starts that warmed instance as the role.
 */
import * as assert from 'node:assert/strict';
import { DescribeWarmPoolCommand, type DescribeWarmPoolAnswer } from '@aws-sdk/client-auto-scaling';
import { createDiagnosisPorts, describeInstancesById } from '../../src/aws';
import { describeScalingActivities, groupsNeedingActivities, listAutoScalingGroups } from '../../src/aws/autoscaling';
import { diagnoseAutoScalingGroup, diagnoseInstance, predictLaunch, type KeyPolicyFix } from '../../src/core/diagnosis';
import { loadScenario } from '../emulator';
import { fillWarmPool, scaleOutGroup } from '../emulator/services/ec2Run';
import { applyKeyPolicyFixes, autoScalingRoleArn, useLaunchWorld, value } from './support/launchWorld';

const REGION = 'us-west-2';
const ACCOUNT = '444444444444';
const ADMIN = 'web-admin';
const GROUP = 'web-warm-asg';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/7d3e9a51-0001-4abc-8def-000000000001`;
const SLR_ARN = autoScalingRoleArn(ACCOUNT);
const SLR_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling`;

describe('an Auto Scaling group with a warm pool, diagnosed and fixed (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('warm-pool', () => loadScenario('warm-pool'));
  /** The instance the first launch into the warm pool left terminated. */
  let failedId: string;

  async function warmPool(): Promise<DescribeWarmPoolAnswer> {
    return value(
      await world.session.send(
        'Auto Scaling',
        ADMIN,
        REGION,
        new DescribeWarmPoolCommand({ AutoScalingGroupName: GROUP }),
        'autoscaling:DescribeWarmPool',
      ),
    );
  }

  async function group() {
    const found = value(await listAutoScalingGroups(world.session, ADMIN, REGION)).find((g) => g.name === GROUP);
    assert.ok(found, `no group ${GROUP}`);
    return found;
  }

  it('an empty warm pool is a shortfall: the group needs its activities read though none of its capacity is missing', async () => {
    const found = await group();
    assert.equal(found.hasWarmPool, true);
    assert.equal(found.shortOfCapacity, false, 'desired 0, none in service');
    assert.equal(found.warmPoolShortfall, 1, 'MaxGroupPreparedCapacity 1 minus desired 0, none warmed');
    assert.deepEqual(
      groupsNeedingActivities([found]).map((g) => g.name),
      [GROUP],
    );
    const pool = await warmPool();
    assert.equal(pool.WarmPoolConfiguration?.PoolState, 'Stopped');
    assert.equal(pool.WarmPoolConfiguration?.MaxGroupPreparedCapacity, 1);
    assert.deepEqual(pool.Instances ?? [], []);
  });

  it('filling the warm pool fails at launch: terminated, no block devices, a Cancelled "into warm pool" activity', async () => {
    const [failed] = await fillWarmPool(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed, 'one launch into the warm pool');
    failedId = failed.id;
    const [seen] = value(await describeInstancesById(world.session, ADMIN, REGION, [failedId]));
    assert.equal(seen?.state, 'terminated');
    assert.deepEqual(seen?.blockDevices, [], 'EC2 lists no block devices for an instance terminated at launch');
    assert.equal(seen?.autoScalingGroupName, GROUP);
    assert.deepEqual((await warmPool()).Instances ?? [], [], 'a failed launch stays out of the pool');
    assert.equal((await group()).warmPoolShortfall, 1, 'still short');
    const [latest] = value(await describeScalingActivities(world.session, ADMIN, REGION, { groupNames: [GROUP] }));
    assert.ok(latest);
    assert.equal(latest.statusCode, 'Cancelled');
    assert.equal(latest.failed, true);
    assert.deepEqual(latest.instanceIds, [failedId]);
    assert.match(latest.description ?? '', new RegExp(`^Launching a new EC2 instance into warm pool: ${failedId}\\.`));
    assert.match(
      latest.statusMessage ?? '',
      /^Instance became unhealthy while waiting for instance to be in InService state\. Termination Reason: /,
    );
  });

  it('the terminated warm-pool instance is diagnosed as a KMS launch failure of the role, not "not KMS"', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const report = await diagnoseInstance({ instanceId: failedId, profile: ADMIN, region: REGION }, ports);
    assert.doesNotMatch(report.verdict.summary, /No volume is encrypted/);
    assert.equal(report.principal?.policyArn, SLR_ARN, JSON.stringify(report.principal));
    assert.ok(
      report.keys.some((k) => k.arn === KEY_ARN),
      JSON.stringify(report.keys),
    );
  });

  it('the group diagnosis names the role and two key policy statements; applied, the pool fills and a scale-out starts the warmed instance', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const before = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(before.outcome, 'will-fail', before.reason);

    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.deepEqual(report.group?.latestFailedActivity?.instanceIds, [failedId]);
    const groupStep = report.steps.find((s) => s.id === 'auto-scaling-group');
    assert.match(groupStep?.summary ?? '', /into its warm pool failed/);
    assert.ok(
      groupStep?.evidence.some((e) => e.label === 'Launched' && /into the group's warm pool/.test(e.value)),
      JSON.stringify(groupStep?.evidence),
    );
    assert.ok(
      report.fixes.every((f) => f.target === 'key-policy'),
      JSON.stringify(report.fixes),
    );
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(fixes.length, 2);

    await applyKeyPolicyFixes(world.session, ADMIN, KEY_ARN, fixes);
    const after = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(after.outcome, 'will-launch', `${after.reason} ${after.unread.join(' ')}`);

    const [warmed] = await fillWarmPool(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(warmed, 'the pool is filled again');
    const [stopped] = value(await describeInstancesById(world.session, ADMIN, REGION, [warmed.id]));
    assert.equal(stopped?.state, 'stopped', 'stopped as soon as it finished launching');
    const pool = await warmPool();
    assert.deepEqual(
      (pool.Instances ?? []).map((i) => [i.InstanceId, i.LifecycleState]),
      [[warmed.id, 'Warmed:Stopped']],
    );
    assert.equal((await group()).warmPoolShortfall, 0);

    // A scaling policy raises the desired capacity to 1: the warmed instance is taken first.
    const scenarioGroup = world.emulator.state.scenario.autoScalingGroups?.find((g) => g.name === GROUP);
    assert.ok(scenarioGroup);
    scenarioGroup.desiredCapacity = 1;
    const [started] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.equal(started?.id, warmed.id, 'the instance comes from the warm pool, not a new launch');
    const [running] = value(await describeInstancesById(world.session, ADMIN, REGION, [warmed.id]));
    assert.equal(running?.state, 'running');
    const now = await group();
    assert.deepEqual(now.instanceIds, [warmed.id]);
    assert.equal(now.inServiceCount, 1);
    assert.equal(now.shortOfCapacity, false);
    assert.equal(now.warmPoolShortfall, 0, 'MaxGroupPreparedCapacity 1 is all in service');
    assert.deepEqual((await warmPool()).Instances ?? [], []);
    const [latest] = value(await describeScalingActivities(world.session, ADMIN, REGION, { groupNames: [GROUP] }));
    assert.equal(latest?.description, `Launching a new EC2 instance from warm pool: ${warmed.id}`);
    assert.equal(latest?.statusCode, 'Successful');
    const grants = value(
      await ports.lookupEvents({
        eventName: 'CreateGrant',
        startTime: new Date(Date.now() - 600_000),
        endTime: new Date(Date.now() + 60_000),
      }),
    );
    assert.ok(
      grants.some(
        (e) => e.userArn === SLR_SESSION && e.errorCode === undefined && e.granteePrincipal?.includes(warmed.id),
      ),
      JSON.stringify(grants.map((e) => [e.userArn, e.errorCode, e.granteePrincipal])),
    );
  });
});
