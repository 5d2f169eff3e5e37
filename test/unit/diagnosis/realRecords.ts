/**
 * The realistic records of src/aws-records.md ("Realistic fixtures"), as the AWS layer maps
 * them into core types: the CloudTrail fields it reads (`eventSource` included), and the
 * instance fields of DescribeInstances. Values are the fixtures' own.
 */
import type { InstanceSummary, TrailEvent } from '../../../src/core/model';

/** F1: a denied CreateGrant from a console StartInstances, in today's shape (STS grantee, session issuer). */
export const F1_DENIED_GRANT: TrailEvent = {
  eventId: 'ccbed48e-00bd-3ccd-9b2b-b1a04add39f7',
  eventName: 'CreateGrant',
  eventTime: '2026-05-18T06:16:58Z',
  eventSource: 'kms.amazonaws.com',
  userArn: 'arn:aws:sts::111122223333:assumed-role/Operator/jane',
  sessionIssuerArn: 'arn:aws:iam::111122223333:role/ops/Operator',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/Operator/jane is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271 because no resource-based policy allows the kms:CreateGrant action',
  keyId: 'arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
  granteePrincipal: 'arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-0c9d812c0cfa2790f',
  instanceIds: ['i-0c9d812c0cfa2790f'],
};

/** F2: a denied CreateGrant in the 2014-2021 shape: IAM user, old grantee form, a message without a tail. */
export const F2_OLD_DENIED_GRANT: TrailEvent = {
  eventId: 'c1ad79e3-0d3f-402a-b119-d5c31d7c6a6c',
  eventName: 'CreateGrant',
  eventTime: '2019-03-05T21:35:35Z',
  eventSource: 'kms.amazonaws.com',
  userArn: 'arn:aws:iam::123456789012:user/test',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:iam::123456789012:user/test is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:eu-west-1:123456789012:key/e29ddfd4-1bf6-4e1b-8ecb-08216bd70d07',
  keyId: 'arn:aws:kms:eu-west-1:123456789012:key/e29ddfd4-1bf6-4e1b-8ecb-08216bd70d07',
  granteePrincipal: '123456789012:aws:ec2-infrastructure:i-81e2f56c',
  instanceIds: ['i-81e2f56c'],
};

/** F3: the Auto Scaling service-linked role denied GenerateDataKeyWithoutPlaintext (not CreateGrant). */
export const F3_DENIED_DATA_KEY: TrailEvent = {
  eventId: '0f8e2d5a-7c3b-4b9a-8e1d-5a6b7c8d9e0f',
  eventName: 'GenerateDataKeyWithoutPlaintext',
  eventTime: '2024-10-04T18:06:37Z',
  eventSource: 'kms.amazonaws.com',
  userArn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
  sessionIssuerArn:
    'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling is not authorized to perform: kms:GenerateDataKeyWithoutPlaintext on resource: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:GenerateDataKeyWithoutPlaintext action',
  keyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

/** F4: a DryRun CreateGrant on a shared key: a success that carries an errorCode. */
export const F4_DRY_RUN_GRANT: TrailEvent = {
  eventId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE33333',
  eventName: 'CreateGrant',
  eventTime: '2024-04-23T18:08:11Z',
  eventSource: 'kms.amazonaws.com',
  errorCode: 'DryRunOperationException',
  errorMessage: 'The request would have succeeded, but the DryRun option is set.',
  keyId: 'arn:aws:kms:us-west-2:111122223333:key/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  granteePrincipal: 'fargate.us-west-2.amazonaws.com',
};

/** F5: a successful EC2-on-behalf CreateGrant with the STS-ARN grantee. */
export const F5_GRANT: TrailEvent = {
  eventId: 'ccbed48e-00bd-3ccd-9b2b-b1a04add39f7',
  eventName: 'CreateGrant',
  eventTime: '2026-05-18T06:16:58Z',
  eventSource: 'kms.amazonaws.com',
  userArn: 'arn:aws:sts::715248393954:assumed-role/voclabs/user4632195=Mamadou__Sy',
  sessionIssuerArn: 'arn:aws:iam::715248393954:role/voclabs',
  keyId: 'arn:aws:kms:us-east-1:715248393954:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
  granteePrincipal: 'arn:aws:sts::715248393954:assumed-role/aws:ec2-infrastructure/i-0c9d812c0cfa2790f',
  instanceIds: ['i-0c9d812c0cfa2790f'],
};

/** F6: a terminated-at-launch instance (empty block device mappings). */
export const F6_TERMINATED_AT_LAUNCH: InstanceSummary = {
  id: 'i-1234abcd1234abcd1',
  region: 'us-west-2',
  state: 'terminated',
  stateReason: {
    code: 'Client.InvalidKMSKey.InvalidState',
    message: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
  },
  stateTransitionReason: 'Client.InvalidKMSKey.InvalidState',
  instanceType: 'm5.large',
  availabilityZone: 'us-west-2a',
  launchTime: '2024-10-04T18:06:37.000Z',
  blockDevices: [],
};

/** F8: a stopped instance with Code Server.InternalError and a Client message; the transition reason is a bare code. */
export const F8_SERVER_CODE_CLIENT_MESSAGE: InstanceSummary = {
  id: 'i-0f1e2d3c4b5a69788',
  region: 'eu-west-1',
  state: 'stopped',
  stateReason: { code: 'Server.InternalError', message: 'Client.InternalError: Client error on launch' },
  stateTransitionReason: 'Server.InternalError',
  launchTime: '2022-02-23T10:15:02.000Z',
  blockDevices: [{ deviceName: '/dev/xvda', volumeId: 'vol-0a1b2c3d4e5f60718' }],
};
