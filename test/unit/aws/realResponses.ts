/**
 * The realistic fixtures of src/aws-records.md ("Realistic fixtures") as AWS sends them:
 * CloudTrail records (the `CloudTrailEvent` JSON), DescribeInstances and DescribeScalingActivities
 * output in the SDK's JSON form, and a SimulatePrincipalPolicy answer. Values are the fixtures' own.
 */

/** F1: A denied `CreateGrant` from a console StartInstances, current field values [reconstructed] */
export const F1_RECORD = {
  eventVersion: '1.11',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEOPERATOR01:jane',
    arn: 'arn:aws:sts::111122223333:assumed-role/Operator/jane',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEJANE00001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEOPERATOR01',
        arn: 'arn:aws:iam::111122223333:role/ops/Operator',
        accountId: '111122223333',
        userName: 'Operator',
      },
      attributes: {
        creationDate: '2026-05-18T04:14:33Z',
        mfaAuthenticated: 'false',
      },
    },
    invokedBy: 'ec2-frontend-api.amazonaws.com',
  },
  eventTime: '2026-05-18T06:16:58Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'CreateGrant',
  awsRegion: 'us-east-1',
  sourceIPAddress: 'ec2-frontend-api.amazonaws.com',
  userAgent: 'ec2-frontend-api.amazonaws.com',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/Operator/jane is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271 because no resource-based policy allows the kms:CreateGrant action',
  requestParameters: {
    constraints: {
      encryptionContextSubset: {
        'aws:ebs:id': 'vol-0894f908458cca170',
      },
    },
    retiringPrincipal: 'ec2.us-east-1.amazonaws.com',
    operations: ['Decrypt'],
    keyId: 'arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
    granteePrincipal: 'arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-0c9d812c0cfa2790f',
  },
  responseElements: null,
  requestID: 'b7fb8d8b-49f1-4f89-a200-7962685540ef',
  eventID: 'ccbed48e-00bd-3ccd-9b2b-b1a04add39f7',
  readOnly: false,
  resources: [
    {
      accountId: '111122223333',
      type: 'AWS::KMS::Key',
      ARN: 'arn:aws:kms:us-east-1:111122223333:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
    },
  ],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  sharedEventID: '7941ede6-b598-4736-a076-5c19101b8670',
  vpcEndpointId: 'AWS Internal',
  vpcEndpointAccountId: 'AWS Internal',
  eventCategory: 'Management',
  sessionCredentialFromConsole: 'true',
} as const;

/** F2: A denied `CreateGrant` in the 2014–2021 shape: IAM user, old grantee form, message without a tail [reconstructed] */
export const F2_RECORD = {
  eventVersion: '1.02',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLETEST00001',
    arn: 'arn:aws:iam::123456789012:user/test',
    accountId: '123456789012',
    accessKeyId: 'AKIAEXAMPLETEST00001',
    userName: 'test',
    invokedBy: 'AWS Internal',
  },
  eventTime: '2019-03-05T21:35:35Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'CreateGrant',
  awsRegion: 'eu-west-1',
  sourceIPAddress: 'AWS Internal',
  userAgent: 'AWS Internal',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:iam::123456789012:user/test is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:eu-west-1:123456789012:key/e29ddfd4-1bf6-4e1b-8ecb-08216bd70d07',
  requestParameters: {
    constraints: {
      encryptionContextSubset: {
        'aws:ebs:id': 'vol-f67bafb2',
      },
    },
    granteePrincipal: '123456789012:aws:ec2-infrastructure:i-81e2f56c',
    keyId: 'arn:aws:kms:eu-west-1:123456789012:key/e29ddfd4-1bf6-4e1b-8ecb-08216bd70d07',
  },
  responseElements: null,
  requestID: '41c4b4f7-8bce-4773-bf0e-5ae3bb5cbce2',
  eventID: 'c1ad79e3-0d3f-402a-b119-d5c31d7c6a6c',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
} as const;

/** F3: The Auto Scaling service-linked role denied `GenerateDataKeyWithoutPlaintext`, not CreateGrant [reconstructed] */
export const F3_RECORD = {
  eventVersion: '1.11',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEASGSLR0001:AutoScaling',
    arn: 'arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEASGSLR0001',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEASGSLR0001',
        arn: 'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
        accountId: '111122223333',
        userName: 'AWSServiceRoleForAutoScaling',
      },
      attributes: {
        creationDate: '2024-10-04T18:06:30Z',
        mfaAuthenticated: 'false',
      },
    },
    invokedBy: 'autoscaling.amazonaws.com',
  },
  eventTime: '2024-10-04T18:06:37Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'GenerateDataKeyWithoutPlaintext',
  awsRegion: 'us-west-2',
  sourceIPAddress: 'autoscaling.amazonaws.com',
  userAgent: 'autoscaling.amazonaws.com',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling is not authorized to perform: kms:GenerateDataKeyWithoutPlaintext on resource: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:GenerateDataKeyWithoutPlaintext action',
  requestParameters: {
    keyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    numberOfBytes: 64,
    encryptionContext: {
      'aws:ebs:id': 'vol-0abc1234def567890',
    },
  },
  responseElements: null,
  requestID: '6c1f2b7e-4a0d-4f6e-9d7e-2b1c0f3a9e11',
  eventID: '0f8e2d5a-7c3b-4b9a-8e1d-5a6b7c8d9e0f',
  readOnly: true,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  eventCategory: 'Management',
} as const;

/** F4: A DryRun `CreateGrant` on a shared key: a success that carries an errorCode [verbatim, placeholders filled] */
export const F4_RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AWSService',
    invokedBy: 'fargate.amazonaws.com',
  },
  eventTime: '2024-04-23T18:08:11Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'CreateGrant',
  awsRegion: 'us-west-2',
  sourceIPAddress: 'fargate.amazonaws.com',
  userAgent: 'fargate.amazonaws.com',
  errorCode: 'DryRunOperationException',
  errorMessage: 'The request would have succeeded, but the DryRun option is set.',
  requestParameters: {
    keyId: 'arn:aws:kms:us-west-2:111122223333:key/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    granteePrincipal: 'fargate.us-west-2.amazonaws.com',
    dryRun: true,
    operations: ['Decrypt'],
    constraints: {
      encryptionContextSubset: {
        'aws:ecs:clusterAccount': '111122223333',
        'aws:ecs:clusterName': 'cluster-name',
      },
    },
  },
  responseElements: null,
  requestID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
  eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE33333',
  readOnly: false,
  resources: [
    {
      accountId: 'AWS Internal',
      type: 'AWS::KMS::Key',
      ARN: 'arn:aws:kms:us-west-2:111122223333:key/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    },
  ],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  sharedEventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLEaaaaa',
  eventCategory: 'Management',
} as const;

/** F5: A successful EC2-on-behalf `CreateGrant` with the STS-ARN grantee [verbatim, account id kept as published] */
export const F5_RECORD = {
  eventVersion: '1.11',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROA2NCBAL3RPBAGXM7CZ:user4632195=Mamadou__Sy',
    arn: 'arn:aws:sts::715248393954:assumed-role/voclabs/user4632195=Mamadou__Sy',
    accountId: '715248393954',
    accessKeyId: 'ASIA2NCBAL3RMBTONGYQ',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA2NCBAL3RPBAGXM7CZ',
        arn: 'arn:aws:iam::715248393954:role/voclabs',
        accountId: '715248393954',
        userName: 'voclabs',
      },
      attributes: {
        creationDate: '2026-05-18T04:14:33Z',
        mfaAuthenticated: 'false',
      },
    },
    invokedBy: 'ec2-frontend-api.amazonaws.com',
  },
  eventTime: '2026-05-18T06:16:58Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'CreateGrant',
  awsRegion: 'us-east-1',
  sourceIPAddress: 'ec2-frontend-api.amazonaws.com',
  userAgent: 'ec2-frontend-api.amazonaws.com',
  requestParameters: {
    constraints: {
      encryptionContextSubset: {
        'aws:ebs:id': 'vol-0894f908458cca170',
      },
    },
    retiringPrincipal: 'ec2.us-east-1.amazonaws.com',
    operations: ['Decrypt'],
    keyId: 'arn:aws:kms:us-east-1:715248393954:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
    granteePrincipal: 'arn:aws:sts::715248393954:assumed-role/aws:ec2-infrastructure/i-0c9d812c0cfa2790f',
  },
  responseElements: {
    grantId: 'd0c79b0dd35cdb5284835fd1805d64afea998325a5cad1c6753f67a9d284fe3e',
    keyId: 'arn:aws:kms:us-east-1:715248393954:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
  },
  requestID: 'b7fb8d8b-49f1-4f89-a200-7962685540ef',
  eventID: 'ccbed48e-00bd-3ccd-9b2b-b1a04add39f7',
  readOnly: false,
  resources: [
    {
      accountId: '715248393954',
      type: 'AWS::KMS::Key',
      ARN: 'arn:aws:kms:us-east-1:715248393954:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271',
    },
  ],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '715248393954',
  sharedEventID: '7941ede6-b598-4736-a076-5c19101b8670',
  vpcEndpointId: 'AWS Internal',
  vpcEndpointAccountId: 'AWS Internal',
  eventCategory: 'Management',
  sessionCredentialFromConsole: 'true',
} as const;

/** F6: A terminated-at-launch instance as `DescribeInstances` returns it (SDK JSON form) [reconstructed] */
export const F6_DESCRIBE_INSTANCES = {
  Reservations: [
    {
      ReservationId: 'r-0a1b2c3d4e5f60718',
      OwnerId: '111122223333',
      Instances: [
        {
          InstanceId: 'i-1234abcd1234abcd1',
          ImageId: 'ami-0abcdef1234567890',
          InstanceType: 'm5.large',
          LaunchTime: '2024-10-04T18:06:37.000Z',
          Placement: {
            AvailabilityZone: 'us-west-2a',
            GroupName: '',
            Tenancy: 'default',
          },
          State: {
            Code: 48,
            Name: 'terminated',
          },
          StateTransitionReason: 'Client.InvalidKMSKey.InvalidState',
          StateReason: {
            Code: 'Client.InvalidKMSKey.InvalidState',
            Message: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
          },
          BlockDeviceMappings: [],
          NetworkInterfaces: [],
          RootDeviceName: '/dev/xvda',
          RootDeviceType: 'ebs',
          Tags: [
            {
              Key: 'aws:autoscaling:groupName',
              Value: 'eks-new_nodegroup_1-abcd1234-1234-abcd-1234-1234abcd1234',
            },
          ],
        },
      ],
    },
  ],
} as const;

/** F7: The matching Auto Scaling activity [verbatim apart from `...` elisions in the source] */
export const F7_ACTIVITY = {
  ActivityId: '1234abcd-1234-abcd-1234-1234abcd1234',
  AutoScalingGroupName: 'eks-new_nodegroup_1-abcd1234-1234-abcd-1234-1234abcd1234',
  Description:
    'Launching a new EC2 instance: i-1234abcd1234abcd1.  Status Reason: Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
  Cause:
    'At 2024-10-04T18:06:36Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.',
  StatusCode: 'Cancelled',
  StatusMessage:
    'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state',
} as const;

/** F8: A stopped instance with Code `Server.InternalError` and a Client message (SDK JSON, partial) [reconstructed] */
export const F8_INSTANCE = {
  InstanceId: 'i-0f1e2d3c4b5a69788',
  State: {
    Code: 80,
    Name: 'stopped',
  },
  StateTransitionReason: 'Server.InternalError',
  StateReason: {
    Code: 'Server.InternalError',
    Message: 'Client.InternalError: Client error on launch',
  },
  LaunchTime: '2022-02-23T10:15:02.000Z',
  BlockDeviceMappings: [
    {
      DeviceName: '/dev/xvda',
      Ebs: {
        AttachTime: '2022-02-20T08:00:00.000Z',
        DeleteOnTermination: true,
        Status: 'attached',
        VolumeId: 'vol-0a1b2c3d4e5f60718',
      },
    },
  ],
} as const;

/** F9: `SimulatePrincipalPolicy` with ResourceArns: the real per-resource layout [reconstructed from a real boto3 capture] */
export const F9_SIMULATION = {
  EvaluationResults: [
    {
      EvalActionName: 'kms:CreateGrant',
      EvalResourceName: 'arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-0001-4abc-8def-000000000001',
      EvalDecision: 'implicitDeny',
      MatchedStatements: [],
      MissingContextValues: [],
      OrganizationsDecisionDetail: {
        AllowedByOrganizations: true,
      },
      EvalDecisionDetails: {},
      ResourceSpecificResults: [
        {
          EvalResourceName: 'arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-0001-4abc-8def-000000000001',
          EvalResourceDecision: 'implicitDeny',
          MatchedStatements: [],
          MissingContextValues: ['kms:EncryptionContext:aws:ebs:id'],
        },
      ],
    },
  ],
  IsTruncated: false,
} as const;
