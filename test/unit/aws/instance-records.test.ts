/**
 * DescribeInstances records of launch failures (src/aws-records.md F6, F8) as the AWS layer
 * maps them: the empty block device list of a terminated-at-launch instance, its AMI, the
 * Auto Scaling group and launch template AWS tags it with, and the bare-code transition reason.
 */
import * as assert from 'node:assert/strict';
import type { Instance } from '@aws-sdk/client-ec2';
import { mapInstance } from '../../../src/aws/ec2';
import { F6_TERMINATED_AT_LAUNCH, F8_SERVER_CODE_CLIENT_MESSAGE } from '../diagnosis/realRecords';
import { F6_DESCRIBE_INSTANCES, F8_INSTANCE } from './realResponses';

/** The SDK's instance: dates as Date objects, as the SDK parses them. */
function sdkInstance(raw: object): Instance {
  const copy = structuredClone(raw) as Instance & { LaunchTime?: string | Date };
  if (typeof copy.LaunchTime === 'string') copy.LaunchTime = new Date(copy.LaunchTime);
  return copy;
}

describe('mapInstance on launch-failure records', () => {
  it('F6: a terminated-at-launch instance: no volumes, its AMI and its Auto Scaling group', () => {
    const raw = F6_DESCRIBE_INSTANCES.Reservations[0].Instances[0];
    const { imageId, autoScalingGroupName, launchTemplate, ...read } = mapInstance(sdkInstance(raw), 'us-west-2');
    assert.deepEqual(read, F6_TERMINATED_AT_LAUNCH);
    assert.equal(imageId, 'ami-0abcdef1234567890');
    assert.equal(autoScalingGroupName, 'eks-new_nodegroup_1-abcd1234-1234-abcd-1234-1234abcd1234');
    assert.equal(launchTemplate, undefined);
  });

  it('F8: a stopped instance with a server code and a client message keeps both and its volume', () => {
    const { imageId, autoScalingGroupName, ...read } = mapInstance(
      sdkInstance(F8_INSTANCE),
      F8_SERVER_CODE_CLIENT_MESSAGE.region,
    );
    assert.deepEqual(read, F8_SERVER_CODE_CLIENT_MESSAGE);
    assert.equal(imageId, undefined);
    assert.equal(autoScalingGroupName, undefined);
  });

  it('reads the launch template from the tags EC2 puts on instances launched from one', () => {
    const summary = mapInstance(
      {
        InstanceId: 'i-0123456789abcdef0',
        State: { Name: 'terminated' },
        Tags: [
          { Key: 'aws:ec2launchtemplate:id', Value: 'lt-0a1b2c3d4e5f60001' },
          { Key: 'aws:ec2launchtemplate:version', Value: '2' },
          { Key: 'aws:autoscaling:groupName', Value: '' },
        ],
      },
      'us-west-2',
    );
    assert.deepEqual(summary.launchTemplate, { id: 'lt-0a1b2c3d4e5f60001', version: '2' });
    assert.equal(summary.autoScalingGroupName, undefined, 'an empty tag names no group');
  });
});
