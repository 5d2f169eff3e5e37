/**
 * Keys from a launch configuration: it cannot name a KMS key (API_Ebs), so each encrypted
 * volume takes its snapshot's key, else the account's default EBS key, when the mapping says
 * Encrypted or encryption by default is on. The same derivation serves the group diagnosis
 * and the prediction, which read the configuration through the same port.
 */
import * as assert from 'node:assert/strict';
import { diagnoseAutoScalingGroup, predictLaunch } from '../../../src/core/diagnosis';
import { describeLaunch } from '../../../src/core/diagnosis/launchSources';
import {
  AWS_MANAGED_EBS_ALIAS,
  launchConfigurationAsTemplate,
  launchKeys,
  snapshotsToRead,
} from '../../../src/core/launch/launchKeys';
import { SLR_ATTACH_SID, SLR_USE_SID } from '../../../src/core/launch/serviceRoleFixes';
import type {
  AutoScalingGroupSummary,
  ImageInfo,
  LaunchConfigurationInfo,
  SnapshotInfo,
} from '../../../src/core/model';
import {
  ACCOUNT,
  DELEGATING_POLICY,
  KEY_ARN,
  NOW,
  REGION,
  baseWorld,
  failure,
  fakePorts,
  groupSummary,
  key,
  type World,
} from './fakes';

const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const DEFAULT_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-0000-4aaa-8aaa-00000000d3f1`;
const IMAGE_ID = 'ami-0lc00000000000001';
const GROUP = 'legacy-asg';
const CONFIGURATION = 'legacy-lc';

const image: ImageInfo = {
  imageId: IMAGE_ID,
  ownerId: ACCOUNT,
  blockDevices: [
    { deviceName: '/dev/xvda', snapshotId: 'snap-root' },
    { deviceName: '/dev/xvdf', snapshotId: 'snap-data' },
  ],
};
const encryptedRoot: SnapshotInfo = { snapshotId: 'snap-root', ownerId: ACCOUNT, encrypted: true, kmsKeyId: KEY_ARN };
const plainRoot: SnapshotInfo = { snapshotId: 'snap-root', ownerId: ACCOUNT, encrypted: false };
const plainData: SnapshotInfo = { snapshotId: 'snap-data', ownerId: ACCOUNT, encrypted: false };

function configuration(blockDevices: LaunchConfigurationInfo['blockDevices']): LaunchConfigurationInfo {
  return { name: CONFIGURATION, imageId: IMAGE_ID, blockDevices };
}

function keysOf(
  config: LaunchConfigurationInfo,
  snapshots: SnapshotInfo[],
  defaults: { defaultKmsKeyId?: string; encryptionByDefault: boolean } = { encryptionByDefault: false },
): { ref: string; origin: string; devices: string[] }[] {
  return launchKeys({ template: launchConfigurationAsTemplate(config), image, snapshots, defaults });
}

describe('keys of a launch configuration', () => {
  it("the AMI's encrypted snapshot keeps its key, whatever Encrypted says: no unencrypted volume from an encrypted snapshot", () => {
    for (const encrypted of [true, false, undefined]) {
      const keys = keysOf(configuration([{ deviceName: '/dev/xvda', encrypted, volumeSizeGiB: 30 }]), [
        encryptedRoot,
        plainData,
      ]);
      assert.deepEqual(keys, [{ ref: KEY_ARN, origin: 'ami-snapshot', devices: ['/dev/xvda'] }], String(encrypted));
    }
  });

  it("Encrypted=true on an unencrypted snapshot takes the account's default key: the customer managed one when set, else aws/ebs", () => {
    const config = configuration([{ deviceName: '/dev/xvda', encrypted: true }]);
    assert.deepEqual(
      keysOf(config, [plainRoot, plainData], { encryptionByDefault: false, defaultKmsKeyId: DEFAULT_KEY_ARN }),
      [{ ref: DEFAULT_KEY_ARN, origin: 'ebs-default', devices: ['/dev/xvda'] }],
    );
    assert.deepEqual(keysOf(config, [plainRoot, plainData]), [
      { ref: AWS_MANAGED_EBS_ALIAS, origin: 'ebs-default', devices: ['/dev/xvda'] },
    ]);
  });

  it('a new volume of its own (no snapshot) with Encrypted=true takes the default key; without it, none unless encryption by default is on', () => {
    const encrypted = configuration([{ deviceName: '/dev/xvdb', encrypted: true, volumeSizeGiB: 50 }]);
    assert.deepEqual(keysOf(encrypted, [plainRoot, plainData]), [
      { ref: AWS_MANAGED_EBS_ALIAS, origin: 'ebs-default', devices: ['/dev/xvdb'] },
    ]);
    const plain = configuration([{ deviceName: '/dev/xvdb', volumeSizeGiB: 50 }]);
    assert.deepEqual(keysOf(plain, [plainRoot, plainData]), []);
    assert.deepEqual(
      keysOf(plain, [plainRoot, plainData], { encryptionByDefault: true, defaultKmsKeyId: DEFAULT_KEY_ARN }),
      [{ ref: DEFAULT_KEY_ARN, origin: 'ebs-default', devices: ['/dev/xvda', '/dev/xvdf', '/dev/xvdb'] }],
    );
  });

  it("its own snapshot on the AMI's device name replaces the AMI's, and is the one read", () => {
    const config = configuration([{ deviceName: '/dev/xvda', snapshotId: 'snap-own' }]);
    const own: SnapshotInfo = { snapshotId: 'snap-own', ownerId: ACCOUNT, encrypted: true, kmsKeyId: DEFAULT_KEY_ARN };
    const template = launchConfigurationAsTemplate(config);
    assert.deepEqual(snapshotsToRead(template, image), ['snap-own', 'snap-data']);
    assert.deepEqual(keysOf(config, [own, encryptedRoot, plainData]), [
      { ref: DEFAULT_KEY_ARN, origin: 'ami-snapshot', devices: ['/dev/xvda'] },
    ]);
  });

  it("NoDevice removes the AMI's device: its snapshot's key is not used and not read", () => {
    const config = configuration([{ deviceName: '/dev/xvda', noDevice: true }]);
    const template = launchConfigurationAsTemplate(config);
    assert.deepEqual(snapshotsToRead(template, image), ['snap-data']);
    assert.deepEqual(keysOf(config, [encryptedRoot, plainData]), []);
  });

  it('stands for a template version: its name, its AMI, its block devices', () => {
    const config = configuration([{ deviceName: '/dev/xvda', encrypted: true }]);
    assert.deepEqual(launchConfigurationAsTemplate(config), {
      templateId: CONFIGURATION,
      templateName: CONFIGURATION,
      versionNumber: 0,
      defaultVersion: true,
      imageId: IMAGE_ID,
      blockDevices: config.blockDevices,
    });
  });
});

function lcGroup(overrides: Partial<AutoScalingGroupSummary> = {}): AutoScalingGroupSummary {
  return groupSummary(GROUP, REGION, { launchConfigurationName: CONFIGURATION, ...overrides });
}

/** A group on a launch configuration whose AMI's root snapshot is encrypted with KEY_ARN. */
function lcWorld(overrides: Partial<World> = {}): World {
  return baseWorld({
    keys: [key()],
    keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
    groups: [lcGroup()],
    activities: [],
    events: [],
    configurations: [configuration([{ deviceName: '/dev/xvda', encrypted: true, volumeSizeGiB: 30 }])],
    images: [image],
    snapshots: [encryptedRoot, plainData],
    ...overrides,
  });
}

const ebsDefaults = Promise.resolve({ ok: true as const, value: { encryptionByDefault: false } });

describe('describeLaunch from a launch configuration', () => {
  it('reads the configuration, then its AMI, then the snapshots, and gives their keys', async () => {
    const ports = fakePorts(lcWorld());
    const launch = await describeLaunch(ports, { launchConfigurationName: CONFIGURATION }, ebsDefaults, {});
    assert.deepEqual(ports.log, [
      `describeLaunchConfigurations ${CONFIGURATION}`,
      `describeImages ${IMAGE_ID}`,
      'describeSnapshots snap-root,snap-data',
    ]);
    assert.equal(launch.configuration?.name, CONFIGURATION);
    assert.equal(launch.image?.imageId, IMAGE_ID);
    assert.deepEqual(launch.failures, []);
    assert.deepEqual(launch.keys, [{ ref: KEY_ARN, origin: 'ami-snapshot', devices: ['/dev/xvda'] }]);
  });

  it('a refused read is kept with its action, and no key is made up', async () => {
    const world = lcWorld();
    world.failures.describeLaunchConfigurations = failure('access-denied', 'autoscaling:DescribeLaunchConfigurations');
    const ports = fakePorts(world);
    const launch = await describeLaunch(ports, { launchConfigurationName: CONFIGURATION }, ebsDefaults, {});
    assert.deepEqual(
      launch.failures.map((f) => f.action),
      ['autoscaling:DescribeLaunchConfigurations'],
    );
    assert.deepEqual(launch.keys, []);
    assert.ok(!ports.log.some((l) => l.startsWith('describeImages')), ports.log.join('; '));
  });
});

function predictGroup(world: World, ports = fakePorts(world)) {
  return predictLaunch(
    { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: 'dev', region: REGION },
    ports,
  );
}

describe('predictLaunch for a group on a launch configuration', () => {
  it("will-fail when the AMI snapshot's key policy does not name the group's role, with the documented statements", async () => {
    const p = await predictGroup(lcWorld());
    assert.equal(p.outcome, 'will-fail', `${p.reason} ${p.unread.join(' ')}`);
    assert.equal(p.code, 'kms-create-grant-not-allowed');
    assert.equal(p.principal?.policyArn, SLR_ARN);
    assert.deepEqual(
      p.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    assert.deepEqual(
      p.fixes.map((f) => (f.target === 'key-policy' ? f.statement.Sid : f.target)),
      [SLR_USE_SID, SLR_ATTACH_SID],
    );
    assert.ok(
      p.unread.every((u) => !/launch configuration/i.test(u)),
      p.unread.join(' | '),
    );
  });

  it('DescribeLaunchConfigurations refused: unknown, naming the permission', async () => {
    const world = lcWorld();
    world.failures.describeLaunchConfigurations = {
      kind: 'access-denied',
      message:
        'User: arn:aws:iam::111122223333:user/dev is not authorized to perform: autoscaling:DescribeLaunchConfigurations',
      nextStep: 'x',
      action: 'autoscaling:DescribeLaunchConfigurations',
    };
    const p = await predictGroup(world);
    assert.equal(p.outcome, 'unknown', p.reason);
    assert.ok(
      p.unread.some(
        (u) =>
          u.startsWith(`Launch configuration ${CONFIGURATION}:`) &&
          u.includes('autoscaling:DescribeLaunchConfigurations'),
      ),
      p.unread.join(' | '),
    );
  });

  it('ports that cannot read launch configurations: unknown, saying its block devices are not read', async () => {
    const ports = fakePorts(lcWorld());
    delete (ports as { describeLaunchConfigurations?: unknown }).describeLaunchConfigurations;
    const p = await predictGroup(lcWorld(), ports);
    assert.equal(p.outcome, 'unknown', p.reason);
    assert.ok(
      p.unread.includes(`Launch configuration ${CONFIGURATION}: its block devices are not read.`),
      p.unread.join(' | '),
    );
  });

  it('a configuration DescribeLaunchConfigurations does not list: unknown, not will-launch', async () => {
    const p = await predictGroup(lcWorld({ configurations: [] }));
    assert.equal(p.outcome, 'unknown', p.reason);
    assert.ok(
      p.unread.some((u) => u.includes('is not listed by DescribeLaunchConfigurations')),
      p.unread.join(' | '),
    );
  });
});

describe('the diagnosis of a group on a launch configuration', () => {
  const diagnose = (world: World) =>
    diagnoseAutoScalingGroup({ groupName: GROUP, profile: 'dev', region: REGION }, fakePorts(world), {
      now: () => NOW,
    });

  it("finds the AMI snapshot's key through the configuration, with no caveat about it", async () => {
    const report = await diagnose(lcWorld());
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.ok(
      report.verdict.caveats.every((c) => !/launch configuration/i.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
    const launch = report.steps.find((s) => s.id === 'launch-template');
    assert.equal(launch?.status, 'pass');
  });

  it('a configuration not listed: the launch step says so instead of finding no key', async () => {
    const report = await diagnose(lcWorld({ configurations: [] }));
    const launch = report.steps.find((s) => s.id === 'launch-template');
    assert.equal(launch?.status, 'error', JSON.stringify(launch));
    assert.match(launch?.nextStep ?? '', /is not listed by DescribeLaunchConfigurations/);
    assert.notEqual(report.verdict.confidence, 'high');
  });
});
