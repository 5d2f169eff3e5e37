/**
 * What services launch from, read through the real SDK over HTTP from the emulator: Auto
 * Scaling groups and the activities of the group that fails to launch (src/aws-records.md
 * F7), its launch template's default version with the key of its volume, the AMI with its
 * snapshot, and a snapshot shared from another account with that account's key.
 */
import * as assert from 'node:assert/strict';
import {
  createDiagnosisPorts,
  describeImages,
  describeLaunchTemplateVersions,
  describeScalingActivities,
  describeSnapshots,
  groupsNeedingActivities,
  listAutoScalingGroups,
} from '../../src/aws';
import { loadScenario, type Scenario } from '../emulator';
import {
  ACCOUNT,
  ADMIN,
  GROUP,
  KEY_ARN,
  LAUNCH_TEMPLATE_ID,
  REGION,
  SLR_ARN,
  useLaunchWorld,
  value,
} from './support/launchWorld';

const OTHER_ACCOUNT = '444444444444';
const IMAGE = 'ami-0a1b2c3d4e5f60001';
const SHARED_SNAPSHOT = 'snap-0f0e0d0c0b0a90001';
const SHARED_KEY_ARN = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/6d577c8e-0001-4abc-8def-000000000001`;

/** The Auto Scaling scenario, with a healthy second group and a snapshot another account shares. */
function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const healthy = {
    name: 'web-healthy',
    account: ACCOUNT,
    region: REGION,
    minSize: 1,
    maxSize: 2,
    desiredCapacity: 1,
    launchTemplate: { id: LAUNCH_TEMPLATE_ID, name: 'eks-nodes', version: '1' },
    instances: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1', lifecycleState: 'InService' }],
  };
  const shared = {
    id: SHARED_SNAPSHOT,
    account: OTHER_ACCOUNT,
    region: REGION,
    encrypted: true,
    kmsKeyId: SHARED_KEY_ARN,
    volumeSizeGiB: 30,
    sharedWith: [ACCOUNT],
  };
  return {
    ...base,
    accounts: base.accounts.some((a) => a.id === OTHER_ACCOUNT)
      ? base.accounts
      : [...base.accounts, { id: OTHER_ACCOUNT }],
    autoScalingGroups: [...(base.autoScalingGroups ?? []), healthy],
    snapshots: [...(base.snapshots ?? []), shared],
  } as Scenario;
}

describe('launch sources against the emulator (real SDK over HTTP)', function () {
  this.timeout(30_000);
  const world = useLaunchWorld('aws-launch', scenario);

  it('lists the groups in one DescribeAutoScalingGroups, and only the failing one needs its activities', async () => {
    world.emulator.resetCalls();
    const groups = value(await listAutoScalingGroups(world.session, ADMIN, REGION));
    assert.equal(world.emulator.callCount({ service: 'autoscaling', action: 'DescribeAutoScalingGroups' }), 1);
    const failing = groups.find((g) => g.name === GROUP);
    assert.ok(failing, JSON.stringify(groups));
    assert.deepEqual(failing.launchTemplate, { id: LAUNCH_TEMPLATE_ID, name: 'eks-nodes', version: '$Default' });
    assert.equal(failing.serviceLinkedRoleArn, SLR_ARN);
    assert.equal(failing.desiredCapacity, 1);
    assert.equal(failing.inServiceCount, 0);
    assert.equal(failing.shortOfCapacity, true);
    assert.match(
      failing.arn ?? '',
      /^arn:aws:autoscaling:us-west-2:333333333333:autoScalingGroup:.*autoScalingGroupName\/eks-nodes-asg$/,
    );
    const healthy = groups.find((g) => g.name === 'web-healthy');
    assert.equal(healthy?.shortOfCapacity, false);
    assert.deepEqual(
      groupsNeedingActivities(groups).map((g) => g.name),
      [GROUP],
    );
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    assert.ok(ports.listAutoScalingGroups);
    world.emulator.resetCalls();
    const named = value(await ports.listAutoScalingGroups({}, { groupNames: [GROUP] }));
    assert.equal(world.emulator.callCount({ service: 'autoscaling', action: 'DescribeAutoScalingGroups' }), 1);
    assert.deepEqual(
      named.map((g) => g.name),
      [GROUP],
      'by name, only that group',
    );
  });

  it('reads the failed launch activity with the instance it terminated (F7)', async () => {
    world.emulator.resetCalls();
    const activities = value(await describeScalingActivities(world.session, ADMIN, REGION, { groupNames: [GROUP] }));
    assert.equal(world.emulator.callCount({ service: 'autoscaling', action: 'DescribeScalingActivities' }), 1);
    const [activity] = activities;
    assert.ok(activity);
    assert.equal(activity.failed, true);
    assert.equal(activity.statusCode, 'Cancelled');
    assert.deepEqual(activity.instanceIds, ['i-1234abcd1234abcd1']);
    assert.match(activity.statusMessage ?? '', /Client\.InvalidKMSKey\.InvalidState/);
    assert.ok(activity.startTime && Date.now() - Date.parse(activity.startTime) < 3 * 3_600_000, activity.startTime);
  });

  it("reads the template's default version, whose volume names the key", async () => {
    const [version, ...more] = value(
      await describeLaunchTemplateVersions(world.session, ADMIN, REGION, {
        id: LAUNCH_TEMPLATE_ID,
        version: '$Default',
      }),
    );
    assert.equal(more.length, 0);
    assert.ok(version);
    assert.equal(version.versionNumber, 2);
    assert.equal(version.defaultVersion, true);
    assert.equal(version.imageId, IMAGE);
    assert.deepEqual(
      version.blockDevices.map((d) => [d.deviceName, d.encrypted, d.kmsKeyId]),
      [['/dev/xvda', true, KEY_ARN]],
    );
    const first = value(
      await describeLaunchTemplateVersions(world.session, ADMIN, REGION, { name: 'eks-nodes', version: '1' }),
    );
    assert.deepEqual(
      first.map((v) => [v.versionNumber, v.blockDevices[0]?.encrypted]),
      [[1, false]],
    );
  });

  it('reads the AMI with its snapshot, and a snapshot shared from another account with its owner and key', async () => {
    const [image] = value(await describeImages(world.session, ADMIN, REGION, [IMAGE]));
    assert.equal(image?.ownerId, ACCOUNT);
    assert.deepEqual(
      image?.blockDevices.map((d) => d.snapshotId),
      ['snap-0a1b2c3d4e5f60001'],
    );
    const snapshots = value(
      await describeSnapshots(world.session, ADMIN, REGION, ['snap-0a1b2c3d4e5f60001', SHARED_SNAPSHOT]),
    );
    const shared = snapshots.find((s) => s.snapshotId === SHARED_SNAPSHOT);
    assert.deepEqual(shared, {
      snapshotId: SHARED_SNAPSHOT,
      ownerId: OTHER_ACCOUNT,
      encrypted: true,
      kmsKeyId: SHARED_KEY_ARN,
      state: 'completed',
      volumeSizeGiB: 30,
    });
    assert.equal(snapshots.find((s) => s.snapshotId !== SHARED_SNAPSHOT)?.encrypted, false);
  });

  it('answers an unknown AMI as not-found', async () => {
    const out = await describeImages(world.session, ADMIN, REGION, ['ami-0fffffffffffffff0']);
    assert.ok(!out.ok && out.error.kind === 'not-found', JSON.stringify(out));
    assert.equal(!out.ok && out.error.code, 'InvalidAMIID.NotFound');
  });

  it('serves the same answers through the diagnosis ports, counting each request', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    assert.ok(
      ports.listAutoScalingGroups &&
        ports.describeScalingActivities &&
        ports.describeLaunchTemplateVersions &&
        ports.describeImages &&
        ports.describeSnapshots,
    );
    const groups = value(await ports.listAutoScalingGroups());
    const activities = value(
      await ports.describeScalingActivities({ groupNames: groupsNeedingActivities(groups).map((g) => g.name) }),
    );
    const versions = value(await ports.describeLaunchTemplateVersions({ id: LAUNCH_TEMPLATE_ID }));
    const images = value(await ports.describeImages([IMAGE]));
    const snapshots = value(await ports.describeSnapshots([SHARED_SNAPSHOT]));
    assert.equal(activities[0]?.instanceIds[0], 'i-1234abcd1234abcd1');
    assert.equal(versions[0]?.blockDevices[0]?.kmsKeyId, KEY_ARN);
    assert.equal(images.length, 1);
    assert.equal(snapshots[0]?.kmsKeyId, SHARED_KEY_ARN);
    assert.equal(ports.apiCallCount?.(), 5);
  });
});
