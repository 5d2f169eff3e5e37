/**
 * DescribeLaunchConfigurations: at most 50 names a request and 100 records a page
 * (API_DescribeLaunchConfigurations), mapped to the AMI and block devices; a launch
 * configuration's Ebs has Encrypted but no KmsKeyId (API_Ebs). A fake session records each
 * SDK command and answers with the shape AWS sends.
 */
import * as assert from 'node:assert/strict';
import type { LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import { describeLaunchConfigurations, mapLaunchConfiguration } from '../../../src/aws/autoscaling';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { Outcome } from '../../../src/core/model';

interface Sent {
  service: string;
  name: string;
  action: string;
  input: { LaunchConfigurationNames?: string[]; MaxRecords?: number; NextToken?: string };
}

/** A session that answers each command with `answer(sent)` (an Outcome) and records it. */
function fakeSession(answer: (sent: Sent, index: number) => Outcome<unknown>): { session: SessionPort; sent: Sent[] } {
  const sent: Sent[] = [];
  const session = {
    send<Output>(service: string, _profile: string, _region: string, command: SdkCommand<Output>, action: string) {
      const entry: Sent = { service, name: command.constructor.name, action, input: command.input as Sent['input'] };
      sent.push(entry);
      return Promise.resolve(answer(entry, sent.length - 1) as Outcome<Output>);
    },
  } as unknown as SessionPort;
  return { session, sent };
}

/** A launch configuration as the SDK parses DescribeLaunchConfigurations (fields per the API reference). */
const LEGACY: LaunchConfiguration = {
  LaunchConfigurationName: 'legacy-lc',
  LaunchConfigurationARN:
    'arn:aws:autoscaling:us-west-2:111122223333:launchConfiguration:00000000-0000-4000-8000-000000000001:launchConfigurationName/legacy-lc',
  ImageId: 'ami-0abcdef1234567890',
  KeyName: '',
  SecurityGroups: ['sg-0123456789abcdef0'],
  ClassicLinkVPCSecurityGroups: [],
  UserData: '',
  InstanceType: 'm5.large',
  KernelId: '',
  RamdiskId: '',
  BlockDeviceMappings: [
    {
      DeviceName: '/dev/xvda',
      Ebs: { VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true },
    },
    { DeviceName: '/dev/xvdf', Ebs: { SnapshotId: 'snap-0123456789abcdef0', DeleteOnTermination: false } },
    { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
    { DeviceName: '/dev/sdc', NoDevice: true },
  ],
  InstanceMonitoring: { Enabled: true },
  CreatedTime: new Date('2019-03-01T09:00:00Z'),
  EbsOptimized: false,
};

describe('mapLaunchConfiguration', () => {
  it('keeps the AMI and each device with its snapshot, Encrypted, size and type, and no key id', () => {
    assert.deepEqual(mapLaunchConfiguration(LEGACY), {
      name: 'legacy-lc',
      imageId: 'ami-0abcdef1234567890',
      blockDevices: [
        { deviceName: '/dev/xvda', encrypted: true, volumeSizeGiB: 30, volumeType: 'gp3' },
        { deviceName: '/dev/xvdf', snapshotId: 'snap-0123456789abcdef0' },
        { deviceName: '/dev/sdb' },
        { deviceName: '/dev/sdc', noDevice: true },
      ],
    });
  });

  it('a configuration without block devices maps to none; one without a name or AMI stays a configuration', () => {
    assert.deepEqual(mapLaunchConfiguration({ ...LEGACY, BlockDeviceMappings: undefined }).blockDevices, []);
    assert.deepEqual(mapLaunchConfiguration({} as LaunchConfiguration), { name: '', blockDevices: [] });
  });
});

describe('describeLaunchConfigurations', () => {
  it('asks for distinct names, 50 a request, 100 records a page, as autoscaling:DescribeLaunchConfigurations', async () => {
    const names = Array.from({ length: 120 }, (_, i) => `lc-${i}`);
    const { session, sent } = fakeSession((s) => ({
      ok: true,
      value: {
        LaunchConfigurations: (s.input.LaunchConfigurationNames ?? []).map((n) => ({
          ...LEGACY,
          LaunchConfigurationName: n,
        })),
      },
    }));
    const out = await describeLaunchConfigurations(session, 'p', 'us-west-2', [...names, 'lc-0', '']);
    assert.ok(out.ok);
    assert.equal(out.value.length, 120);
    assert.deepEqual(
      sent.map((s) => s.input.LaunchConfigurationNames?.length),
      [50, 50, 20],
    );
    assert.ok(sent.every((s) => s.input.MaxRecords === 100 && s.service === 'Auto Scaling'));
    assert.ok(sent.every((s) => s.name === 'DescribeLaunchConfigurationsCommand'));
    assert.ok(sent.every((s) => s.action === 'autoscaling:DescribeLaunchConfigurations'));
  });

  it('follows NextToken for the same names', async () => {
    const { session, sent } = fakeSession((_s, index) => ({
      ok: true,
      value:
        index === 0
          ? { LaunchConfigurations: [LEGACY], NextToken: 'page-2' }
          : { LaunchConfigurations: [{ ...LEGACY, LaunchConfigurationName: 'other' }] },
    }));
    const out = await describeLaunchConfigurations(session, 'p', 'us-west-2', ['legacy-lc', 'other']);
    assert.ok(out.ok);
    assert.deepEqual(
      out.value.map((c) => c.name),
      ['legacy-lc', 'other'],
    );
    assert.deepEqual(
      sent.map((s) => [s.input.NextToken, s.input.LaunchConfigurationNames]),
      [
        [undefined, ['legacy-lc', 'other']],
        ['page-2', ['legacy-lc', 'other']],
      ],
    );
  });

  it('no names: no request; a refusal ends it as that failure', async () => {
    const quiet = fakeSession(() => ({ ok: true, value: {} }));
    assert.deepEqual(await describeLaunchConfigurations(quiet.session, 'p', 'us-west-2', []), { ok: true, value: [] });
    assert.equal(quiet.sent.length, 0);
    const denied = {
      kind: 'access-denied' as const,
      message: 'not authorized to perform: autoscaling:DescribeLaunchConfigurations',
      nextStep: 'allow it',
      action: 'autoscaling:DescribeLaunchConfigurations',
    };
    const refused = fakeSession(() => ({ ok: false, error: denied }));
    const out = await describeLaunchConfigurations(
      refused.session,
      'p',
      'us-west-2',
      Array.from({ length: 60 }, (_, i) => `lc-${i}`),
    );
    assert.deepEqual(out, { ok: false, error: denied });
    assert.equal(refused.sent.length, 1);
  });
});
