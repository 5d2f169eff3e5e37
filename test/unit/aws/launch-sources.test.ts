/**
 * The calls that read what a service launches from: Auto Scaling groups and their
 * activities, launch template versions, AMIs and snapshots; and the CreateGrant write.
 * A fake session records each SDK command and answers with the shape AWS sends.
 */
import * as assert from 'node:assert/strict';
import type { Activity } from '@aws-sdk/client-auto-scaling';
import {
  describeScalingActivities,
  groupsNeedingActivities,
  listAutoScalingGroups,
  mapAutoScalingGroup,
  mapScalingActivity,
} from '../../../src/aws/autoscaling';
import {
  describeImages,
  describeLaunchTemplateVersions,
  describeSnapshots,
  mapImage,
  mapSnapshot,
} from '../../../src/aws/ec2';
import { createGrant } from '../../../src/aws/kms';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { Outcome } from '../../../src/core/model';
import { F7_ACTIVITY } from './realResponses';

interface Sent {
  service: string;
  region: string;
  name: string;
  action: string;
  input: Record<string, unknown>;
}

/** A session that answers each command with `answer(sent)` and records it. */
function fakeSession(answer: (sent: Sent, index: number) => unknown): { session: SessionPort; sent: Sent[] } {
  const sent: Sent[] = [];
  const session = {
    send<Output>(
      service: string,
      _profile: string,
      region: string,
      command: SdkCommand<Output>,
      action: string,
    ): Promise<Outcome<Output>> {
      const entry = {
        service,
        region,
        name: command.constructor.name,
        action,
        input: command.input as Record<string, unknown>,
      };
      sent.push(entry);
      return Promise.resolve({ ok: true, value: answer(entry, sent.length - 1) as Output });
    },
  } as unknown as SessionPort;
  return { session, sent };
}

const SLR = 'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

describe('Auto Scaling groups', () => {
  it('maps a group with its template, role, mixed instances templates, counts and warm pool', () => {
    const group = mapAutoScalingGroup(
      {
        AutoScalingGroupName: 'web',
        AutoScalingGroupARN:
          'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/web',
        ServiceLinkedRoleARN: SLR,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0abc', Version: '$Latest' },
            Overrides: [
              { InstanceType: 'm5.large', LaunchTemplateSpecification: { LaunchTemplateName: 'arm', Version: '3' } },
              { InstanceType: 'm5.xlarge' },
              { InstanceType: 'm6i.large', LaunchTemplateSpecification: { LaunchTemplateName: 'arm', Version: '3' } },
            ],
          },
        },
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 3,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-05-01T00:00:00Z'),
        Instances: [
          {
            InstanceId: 'i-0000000000000000a',
            LifecycleState: 'InService',
            AvailabilityZone: 'eu-west-1a',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          },
          {
            InstanceId: 'i-0000000000000000b',
            LifecycleState: 'Pending',
            AvailabilityZone: 'eu-west-1a',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          },
        ],
        WarmPoolConfiguration: { MinSize: 1 },
      },
      'eu-west-1',
    );
    assert.deepEqual(group, {
      name: 'web',
      arn: 'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/web',
      region: 'eu-west-1',
      serviceLinkedRoleArn: SLR,
      mixedInstancesTemplates: [
        { id: 'lt-0abc', version: '$Latest' },
        { name: 'arm', version: '3' },
      ],
      desiredCapacity: 3,
      inServiceCount: 1,
      instanceIds: ['i-0000000000000000a', 'i-0000000000000000b'],
      hasWarmPool: true,
      shortOfCapacity: true,
      // MaxSize 4 - desired 3 = 1, MinSize 1; no WarmPoolSize reported.
      warmPoolShortfall: 1,
    });
    const plain = mapAutoScalingGroup(
      { AutoScalingGroupName: 'old', LaunchConfigurationName: 'lc-1', DesiredCapacity: 0 } as never,
      'eu-west-1',
    );
    assert.equal(plain.launchConfigurationName, 'lc-1');
    assert.equal(plain.shortOfCapacity, false);
    assert.equal(plain.hasWarmPool, false);
  });

  it('reads every page of DescribeAutoScalingGroups, 100 a page, and asks activities only of groups short of capacity', async () => {
    const { session, sent } = fakeSession((_s, index) =>
      index === 0
        ? {
            AutoScalingGroups: [
              {
                AutoScalingGroupName: 'full',
                DesiredCapacity: 1,
                Instances: [{ InstanceId: 'i-1', LifecycleState: 'InService' }],
              },
            ],
            NextToken: 'n',
          }
        : { AutoScalingGroups: [{ AutoScalingGroupName: 'failing', DesiredCapacity: 2, Instances: [] }] },
    );
    const groups = await listAutoScalingGroups(session, 'p', 'eu-west-1');
    assert.ok(groups.ok);
    assert.deepEqual(
      groups.value.map((g) => g.name),
      ['full', 'failing'],
    );
    assert.deepEqual(
      sent.map((s) => [s.service, s.action, s.input.MaxRecords, s.input.NextToken]),
      [
        ['Auto Scaling', 'autoscaling:DescribeAutoScalingGroups', 100, undefined],
        ['Auto Scaling', 'autoscaling:DescribeAutoScalingGroups', 100, 'n'],
      ],
    );
    assert.deepEqual(
      groupsNeedingActivities(groups.value).map((g) => g.name),
      ['failing'],
    );
  });

  it('asks only for the named groups when given names, and nothing for an empty list', async () => {
    const { session, sent } = fakeSession(() => ({
      AutoScalingGroups: [{ AutoScalingGroupName: 'web', DesiredCapacity: 1, Instances: [] }],
    }));
    const out = await listAutoScalingGroups(session, 'p', 'eu-west-1', {}, ['web', 'web', '']);
    assert.ok(out.ok && out.value.length === 1);
    assert.deepEqual(sent[0]?.input, { AutoScalingGroupNames: ['web'], MaxRecords: 100, NextToken: undefined });
    const none = await listAutoScalingGroups(session, 'p', 'eu-west-1', {}, []);
    assert.ok(none.ok && none.value.length === 0);
    assert.equal(sent.length, 1);
  });

  it('F7: maps a cancelled launch activity with the instance its description names', () => {
    const activity = mapScalingActivity({
      ...F7_ACTIVITY,
      StartTime: new Date('2024-10-04T18:06:36Z'),
    } as unknown as Activity);
    assert.equal(activity.failed, true);
    assert.equal(activity.statusCode, 'Cancelled');
    assert.deepEqual(activity.instanceIds, ['i-1234abcd1234abcd1']);
    assert.equal(activity.groupName, 'eks-new_nodegroup_1-abcd1234-1234-abcd-1234-1234abcd1234');
    assert.match(activity.statusMessage ?? '', /Client\.InvalidKMSKey\.InvalidState/);
    assert.equal(activity.startTime, '2024-10-04T18:06:36.000Z');
    assert.equal(
      mapScalingActivity({ ActivityId: 'a', AutoScalingGroupName: 'g', StatusCode: 'Successful' } as Activity).failed,
      false,
    );
  });

  it('asks each named group once for its latest activities', async () => {
    const { session, sent } = fakeSession((s) => ({
      Activities: [
        {
          ActivityId: `a-${String(s.input.AutoScalingGroupName)}`,
          AutoScalingGroupName: s.input.AutoScalingGroupName,
          StatusCode: 'Failed',
        },
      ],
    }));
    const out = await describeScalingActivities(session, 'p', 'eu-west-1', {
      groupNames: ['a', 'b', 'a', ''],
      maxRecords: 500,
    });
    assert.ok(out.ok);
    assert.deepEqual(
      out.value.map((a) => a.activityId),
      ['a-a', 'a-b'],
    );
    assert.deepEqual(
      sent.map((s) => [s.input.AutoScalingGroupName, s.input.MaxRecords]),
      [
        ['a', 100],
        ['b', 100],
      ],
    );
  });
});

describe('launch templates, AMIs and snapshots', () => {
  it('asks for the version a group names, the default one otherwise, by id before name', async () => {
    const { session, sent } = fakeSession(() => ({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: 'lt-0abc',
          LaunchTemplateName: 'web',
          VersionNumber: 4,
          DefaultVersion: true,
          LaunchTemplateData: {
            ImageId: 'ami-0abcdef1234567890',
            IamInstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/web' },
            BlockDeviceMappings: [
              {
                DeviceName: '/dev/xvda',
                Ebs: {
                  Encrypted: true,
                  KmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/k',
                  VolumeSize: 20,
                  VolumeType: 'gp3',
                },
              },
              { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
            ],
          },
        },
      ],
    }));
    const out = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', { id: 'lt-0abc', name: 'web' });
    assert.ok(out.ok);
    assert.deepEqual(sent[0]?.input, {
      LaunchTemplateId: 'lt-0abc',
      Versions: ['$Default'],
      MaxResults: 200,
      NextToken: undefined,
      ResolveAlias: true,
    });
    assert.deepEqual(out.value, [
      {
        templateId: 'lt-0abc',
        templateName: 'web',
        versionNumber: 4,
        defaultVersion: true,
        imageId: 'ami-0abcdef1234567890',
        instanceProfile: 'arn:aws:iam::111122223333:instance-profile/web',
        blockDevices: [
          {
            deviceName: '/dev/xvda',
            encrypted: true,
            kmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/k',
            volumeSizeGiB: 20,
            volumeType: 'gp3',
          },
          { deviceName: '/dev/sdb' },
        ],
      },
    ]);
    await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', { name: 'web', version: '$Latest' });
    assert.deepEqual(sent[1]?.input.LaunchTemplateName, 'web');
    assert.deepEqual(sent[1]?.input.Versions, ['$Latest']);
    const none = await describeLaunchTemplateVersions(session, 'p', 'eu-west-1', {});
    assert.ok(none.ok && none.value.length === 0);
    assert.equal(sent.length, 2, 'a reference without id or name asks nothing');
  });

  it('maps an AMI with its snapshots and a shared snapshot with its owner and key', () => {
    assert.deepEqual(
      mapImage({
        ImageId: 'ami-1',
        OwnerId: '444455556666',
        Name: 'golden',
        State: 'available',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', Encrypted: true, VolumeSize: 8 } },
        ],
      }),
      {
        imageId: 'ami-1',
        name: 'golden',
        ownerId: '444455556666',
        state: 'available',
        rootDeviceName: '/dev/xvda',
        blockDevices: [{ deviceName: '/dev/xvda', snapshotId: 'snap-1', encrypted: true, volumeSizeGiB: 8 }],
      },
    );
    assert.deepEqual(
      mapSnapshot({
        SnapshotId: 'snap-1',
        OwnerId: '444455556666',
        Encrypted: true,
        KmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/k',
        State: 'completed',
        VolumeSize: 8,
      }),
      {
        snapshotId: 'snap-1',
        ownerId: '444455556666',
        encrypted: true,
        kmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/k',
        state: 'completed',
        volumeSizeGiB: 8,
      },
    );
    assert.deepEqual(mapSnapshot({ SnapshotId: 'snap-2' }), { snapshotId: 'snap-2', encrypted: false });
  });

  it('asks for distinct ids, at most 100 a request, and nothing for none', async () => {
    const { session, sent } = fakeSession((s) => ({
      Images: ((s.input.ImageIds as string[] | undefined) ?? []).map((id) => ({ ImageId: id })),
      Snapshots: [],
    }));
    const ids = Array.from({ length: 150 }, (_, i) => `ami-${i}`);
    const images = await describeImages(session, 'p', 'eu-west-1', [...ids, 'ami-0']);
    assert.ok(images.ok && images.value.length === 150);
    assert.deepEqual(
      sent.map((s) => (s.input.ImageIds as string[]).length),
      [100, 50],
    );
    assert.equal(sent[0]?.action, 'ec2:DescribeImages');
    const snapshots = await describeSnapshots(session, 'p', 'eu-west-1', []);
    assert.ok(snapshots.ok && snapshots.value.length === 0);
    assert.equal(sent.length, 2);
    await describeSnapshots(session, 'p', 'eu-west-1', ['snap-1']);
    assert.deepEqual(sent[2]?.input, { SnapshotIds: ['snap-1'] });
    assert.equal(sent[2]?.action, 'ec2:DescribeSnapshots');
  });
});

describe('createGrant', () => {
  it('sends the grant as given to the key region, and returns its id', async () => {
    const { session, sent } = fakeSession(() => ({ GrantId: 'g-1', GrantToken: 'token' }));
    const keyArn = 'arn:aws:kms:eu-central-1:444455556666:key/1a2b3c4d-0002-4abc-8def-000000000002';
    const out = await createGrant(session, 'p', 'eu-west-1', {
      keyArn,
      granteePrincipal: SLR,
      operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
      name: 'asg-web-ebs',
    });
    assert.deepEqual(out, { ok: true, value: { grantId: 'g-1', grantToken: 'token' } });
    assert.deepEqual(sent, [
      {
        service: 'KMS',
        region: 'eu-central-1',
        name: 'CreateGrantCommand',
        action: 'kms:CreateGrant',
        input: {
          KeyId: keyArn,
          GranteePrincipal: SLR,
          Operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
          Name: 'asg-web-ebs',
        },
      },
    ]);
  });
});
