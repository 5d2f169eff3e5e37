import * as assert from 'node:assert/strict';
import { mapTrailEvent } from '../../../src/aws/cloudtrail';
import { mapImage, mapInstance, mapLaunchTemplateVersion, mapVolume } from '../../../src/aws/ec2';
import { mapEvaluation } from '../../../src/aws/iam';
import { regionOfArn } from '../../../src/aws/index';
import { mapKey } from '../../../src/aws/kms';

describe('mapInstance', () => {
  it('keeps what the tree and the diagnosis need from an SDK instance', () => {
    const summary = mapInstance(
      {
        InstanceId: 'i-0abc',
        InstanceType: 'm5.large',
        State: { Name: 'stopped', Code: 80 },
        StateReason: { Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' },
        StateTransitionReason: 'Client.InternalError: Client error on launch',
        Placement: { AvailabilityZone: 'eu-west-1a' },
        LaunchTime: new Date('2024-05-01T10:00:00Z'),
        Tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'Name', Value: 'web-1' },
        ],
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1' } },
          { DeviceName: '/dev/sdb', Ebs: { VolumeId: 'vol-2' } },
        ],
        IamInstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/web' },
      },
      'eu-west-1',
    );
    assert.deepEqual(summary, {
      id: 'i-0abc',
      region: 'eu-west-1',
      name: 'web-1',
      state: 'stopped',
      stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
      stateTransitionReason: 'Client.InternalError: Client error on launch',
      instanceType: 'm5.large',
      availabilityZone: 'eu-west-1a',
      launchTime: '2024-05-01T10:00:00.000Z',
      blockDevices: [
        { deviceName: '/dev/xvda', volumeId: 'vol-1' },
        { deviceName: '/dev/sdb', volumeId: 'vol-2' },
      ],
      instanceProfileArn: 'arn:aws:iam::111122223333:instance-profile/web',
    });
  });

  it('leaves out absent fields instead of inventing them', () => {
    const summary = mapInstance({ InstanceId: 'i-1', State: { Name: 'running' } }, 'us-east-1');
    assert.deepEqual(summary, { id: 'i-1', region: 'us-east-1', state: 'running', blockDevices: [] });
  });
});

describe('mapKey', () => {
  it('maps key metadata, taking the account from the ARN when KMS omits it', () => {
    const key = mapKey({
      KeyId: 'k-1',
      Arn: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      KeyState: 'PendingDeletion',
      KeyManager: 'CUSTOMER',
      DeletionDate: new Date('2024-06-01T00:00:00Z'),
    });
    assert.deepEqual(key, {
      keyId: 'k-1',
      arn: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      accountId: '111122223333',
      state: 'PendingDeletion',
      manager: 'CUSTOMER',
      deletionDate: '2024-06-01T00:00:00.000Z',
    });
    assert.equal(mapKey({ KeyId: 'k', KeyManager: 'AWS', AWSAccountId: '444455556666' }).manager, 'AWS');
  });
});

describe('mapTrailEvent', () => {
  it('parses a denied CreateGrant record', () => {
    const record = {
      eventTime: '2024-05-01T10:00:03Z',
      userIdentity: { arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/alice' },
      errorCode: 'AccessDenied',
      errorMessage:
        'User: arn:aws:sts::111122223333:assumed-role/Deployer/alice is not authorized to perform: kms:CreateGrant',
      requestParameters: {
        keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
        granteePrincipal: '111122223333:aws:ec2-infrastructure:i-0123456789abcdef0',
      },
    };
    const event = mapTrailEvent({
      EventId: 'e-1',
      EventName: 'CreateGrant',
      EventTime: new Date('2024-05-01T10:00:03Z'),
      CloudTrailEvent: JSON.stringify(record),
    });
    assert.deepEqual(event, {
      eventId: 'e-1',
      eventName: 'CreateGrant',
      eventTime: '2024-05-01T10:00:03.000Z',
      userArn: 'arn:aws:sts::111122223333:assumed-role/Deployer/alice',
      errorCode: 'AccessDenied',
      errorMessage: record.errorMessage,
      keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      granteePrincipal: '111122223333:aws:ec2-infrastructure:i-0123456789abcdef0',
      instanceIds: ['i-0123456789abcdef0'],
    });
  });

  it('keeps the role ARN (with its path) of a role session', () => {
    const event = mapTrailEvent({
      EventId: 'e-4',
      EventName: 'CreateGrant',
      CloudTrailEvent: JSON.stringify({
        userIdentity: {
          arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/alice',
          sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/ci/Deployer' } },
        },
      }),
    });
    assert.equal(event.sessionIssuerArn, 'arn:aws:iam::111122223333:role/ci/Deployer');
  });

  it('collects instance ids of StartInstances and survives a broken record', () => {
    const start = mapTrailEvent({
      EventId: 'e-2',
      EventName: 'StartInstances',
      EventTime: new Date('2024-05-01T10:00:00Z'),
      CloudTrailEvent: JSON.stringify({
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] } },
      }),
    });
    assert.deepEqual(start.instanceIds, ['i-1', 'i-2']);
    const broken = mapTrailEvent({ EventId: 'e-3', EventName: 'StartInstances', CloudTrailEvent: '{not json' });
    assert.deepEqual(broken, { eventId: 'e-3', eventName: 'StartInstances', eventTime: '' });
  });
});

describe('mapVolume and mapEvaluation', () => {
  it('maps a volume with its key and attachment', () => {
    assert.deepEqual(
      mapVolume({
        VolumeId: 'vol-1',
        Encrypted: true,
        KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
        Size: 8,
        State: 'in-use',
        Attachments: [{ InstanceId: 'i-1' }],
      }),
      {
        id: 'vol-1',
        encrypted: true,
        kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
        sizeGiB: 8,
        state: 'in-use',
        attachedTo: 'i-1',
      },
    );
    assert.deepEqual(mapVolume({ VolumeId: 'vol-2' }), { id: 'vol-2', encrypted: false });
  });

  it('maps IAM evaluation results', () => {
    assert.deepEqual(
      mapEvaluation({
        EvalActionName: 'kms:CreateGrant',
        EvalResourceName: 'arn:aws:kms:eu-west-1:1:key/k',
        EvalDecision: 'explicitDeny',
        MatchedStatements: [{ SourcePolicyId: 'deny-kms', SourcePolicyType: 'user' }],
        MissingContextValues: ['kms:ViaService'],
      }),
      {
        action: 'kms:CreateGrant',
        resource: 'arn:aws:kms:eu-west-1:1:key/k',
        decision: 'explicitDeny',
        matchedStatements: [{ sourcePolicyId: 'deny-kms', sourcePolicyType: 'user' }],
        missingContextValues: ['kms:ViaService'],
      },
    );
    assert.equal(mapEvaluation({ EvalActionName: 'x', EvalDecision: 'implicitDeny' }).decision, 'implicitDeny');
  });

  it('says when an SCP or a permissions boundary is what denies', () => {
    const result = mapEvaluation({
      EvalActionName: 'kms:CreateGrant',
      EvalDecision: 'explicitDeny',
      OrganizationsDecisionDetail: { AllowedByOrganizations: false },
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
    });
    assert.equal(result.allowedByOrganizations, false);
    assert.equal(result.allowedByPermissionsBoundary, true);
  });

  it('reads the region of an ARN', () => {
    assert.equal(regionOfArn('arn:aws:kms:ap-south-1:1:key/k'), 'ap-south-1');
    assert.equal(regionOfArn('k-1'), undefined);
  });
});

describe('NoDevice in launch templates and AMIs', () => {
  // EC2 answers `<noDevice/>`, which the SDK reads as the empty string: its presence is what counts.
  it('marks a template mapping with NoDevice, so it suppresses the AMI device of that name', () => {
    const version = mapLaunchTemplateVersion({
      LaunchTemplateId: 'lt-0a1b2c3d4e5f60001',
      VersionNumber: 2,
      LaunchTemplateData: {
        ImageId: 'ami-0a1b2c3d4e5f60001',
        BlockDeviceMappings: [
          { DeviceName: '/dev/sdb', NoDevice: '' },
          { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, KmsKeyId: 'alias/ebs', VolumeSize: 20 } },
        ],
      },
    });
    assert.deepEqual(version.blockDevices, [
      { deviceName: '/dev/sdb', noDevice: true },
      { deviceName: '/dev/xvda', encrypted: true, kmsKeyId: 'alias/ebs', volumeSizeGiB: 20 },
    ]);
  });

  it('marks an AMI mapping with NoDevice, and leaves the flag out where the mapping has none', () => {
    const image = mapImage({
      ImageId: 'ami-0a1b2c3d4e5f60001',
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0a1b2c3d4e5f60001', Encrypted: true } },
        { DeviceName: '/dev/sdc', NoDevice: '' },
        { DeviceName: '/dev/sdd', VirtualName: 'ephemeral0' },
      ],
    });
    assert.deepEqual(image.blockDevices, [
      { deviceName: '/dev/xvda', snapshotId: 'snap-0a1b2c3d4e5f60001', encrypted: true },
      { deviceName: '/dev/sdc', noDevice: true },
      { deviceName: '/dev/sdd' },
    ]);
  });
});
