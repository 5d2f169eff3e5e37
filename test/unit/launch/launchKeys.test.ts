import * as assert from 'node:assert/strict';
import { launcherRuleOf, isServiceLinkedRole } from '../../../src/core/launch/launchers';
import {
  AWS_MANAGED_EBS_ALIAS,
  launchKeys,
  resolveTemplateVersion,
  snapshotsToRead,
} from '../../../src/core/launch/launchKeys';
import type { ImageInfo, LaunchTemplateVersionInfo } from '../../../src/core/model';

const KEY_A = 'arn:aws:kms:us-west-2:111122223333:key/aaaa';
const KEY_B = 'arn:aws:kms:us-west-2:444455556666:key/bbbb';
const DEFAULT = 'arn:aws:kms:us-west-2:111122223333:key/dddd';

function version(
  versionNumber: number,
  defaultVersion: boolean,
  blockDevices: LaunchTemplateVersionInfo['blockDevices'] = [],
): LaunchTemplateVersionInfo {
  return { templateId: 'lt-1', versionNumber, defaultVersion, blockDevices };
}

describe('resolveTemplateVersion', () => {
  const versions = [version(1, false), version(2, true), version(3, false)];
  const rows: [string | undefined, number | undefined][] = [
    ['$Latest', 3],
    ['$Default', 2],
    [undefined, 2],
    ['', 2],
    ['1', 1],
    ['7', undefined],
    ['x', undefined],
  ];
  for (const [ref, expected] of rows) {
    it(`${String(ref)} -> ${String(expected)}`, () =>
      assert.equal(resolveTemplateVersion(versions, ref)?.versionNumber, expected));
  }
  it('nothing read resolves to nothing', () => assert.equal(resolveTemplateVersion([], '$Latest'), undefined));
});

describe('launchKeys: which key each launched volume takes', () => {
  const image: ImageInfo = {
    imageId: 'ami-1',
    blockDevices: [
      { deviceName: '/dev/xvda', snapshotId: 'snap-root' },
      { deviceName: '/dev/xvdb', snapshotId: 'snap-data' },
    ],
  };
  const snapshots = [
    { snapshotId: 'snap-root', encrypted: true, kmsKeyId: KEY_B },
    { snapshotId: 'snap-data', encrypted: false },
  ];
  const rows: {
    name: string;
    template?: LaunchTemplateVersionInfo;
    byDefault: boolean;
    expected: [string, string, string[]][];
  }[] = [
    {
      name: "the AMI's encrypted snapshot gives its key; an unencrypted one none",
      byDefault: false,
      expected: [[KEY_B, 'ami-snapshot', ['/dev/xvda']]],
    },
    {
      name: 'encryption by default covers the unencrypted snapshot with the default key',
      byDefault: true,
      expected: [
        [KEY_B, 'ami-snapshot', ['/dev/xvda']],
        [DEFAULT, 'ebs-default', ['/dev/xvdb']],
      ],
    },
    {
      name: "a template's KmsKeyId overrides the snapshot's key for its device",
      template: version(1, true, [{ deviceName: '/dev/xvda', kmsKeyId: KEY_A, encrypted: true }]),
      byDefault: false,
      expected: [[KEY_A, 'launch-template', ['/dev/xvda']]],
    },
    {
      name: "a template's extra device asking for encryption without a key takes the default",
      template: version(1, true, [{ deviceName: '/dev/xvdc', encrypted: true }]),
      byDefault: false,
      expected: [
        [KEY_B, 'ami-snapshot', ['/dev/xvda']],
        [DEFAULT, 'ebs-default', ['/dev/xvdc']],
      ],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const keys = launchKeys({
        template: row.template,
        image,
        snapshots,
        defaults: { encryptionByDefault: row.byDefault, defaultKmsKeyId: DEFAULT },
      });
      assert.deepEqual(
        keys.map((k) => [k.ref, k.origin, k.devices]),
        row.expected,
      );
    });
  }

  it('with no default key configured, encryption by default means the AWS managed key', () => {
    const keys = launchKeys({
      template: version(1, true, [{ deviceName: '/dev/xvda' }]),
      snapshots: [],
      defaults: { encryptionByDefault: true },
    });
    assert.deepEqual(
      keys.map((k) => k.ref),
      [AWS_MANAGED_EBS_ALIAS],
    );
  });

  it('reads only the snapshots whose key decides', () => {
    assert.deepEqual(snapshotsToRead(version(1, true, [{ deviceName: '/dev/xvda', kmsKeyId: KEY_A }]), image), [
      'snap-data',
    ]);
  });
});

describe('launcher rules', () => {
  const rows: [string, string | undefined, boolean][] = [
    ['arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling', 'auto-scaling', true],
    [
      'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_custom',
      'auto-scaling',
      true,
    ],
    [
      'arn:aws:iam::111122223333:role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet',
      'ec2-fleet',
      true,
    ],
    ['arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForEC2Spot/x', 'ec2-spot', true],
    ['arn:aws:sts::111122223333:assumed-role/KarpenterNodeRole-x/i', 'karpenter', false],
    ['arn:aws:iam::111122223333:role/AWSServiceRoleForAutoScalingX', undefined, false],
    ['arn:aws:iam::111122223333:user/AWSServiceRoleForAutoScaling', undefined, false],
    ['not an arn', undefined, false],
  ];
  for (const [arn, launcher, serviceLinked] of rows) {
    it(`${arn} -> ${String(launcher)}`, () => {
      assert.equal(launcherRuleOf(arn)?.launcher, launcher);
      assert.equal(isServiceLinkedRole(arn), serviceLinked);
    });
  }
});
