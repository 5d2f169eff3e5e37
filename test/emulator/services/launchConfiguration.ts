/**
 * Auto Scaling raising a group that launches from a launch configuration: the launch takes
 * the configuration's AMI, instance type and block devices, as RunInstances would with them
 * in the request, and runs as the group's service-linked role's `AutoScaling` session
 * (src/aws-records.md Q3). A launch configuration cannot name a KMS key
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Ebs.html), so an encrypted
 * volume takes its snapshot's key or the account's default EBS key; the EC2 launch machinery
 * decides that and asks KMS. Each instance leaves a scaling activity, newest first, in the
 * words Auto Scaling uses (F7): Successful for a running instance, Cancelled with the
 * termination reason for one that ended at launch.
 */
import { randomUUID } from 'node:crypto';
import type { ScenarioAutoScalingGroup, ScenarioLaunchConfiguration, ScenarioLaunchDevice } from '../scenario';
import type { Caller, InstanceRecord, World } from '../state';
import { autoScalingCaller, launchInstances } from './ec2Run';

/** The caller a group launches as: its own service-linked role when it names one, else the default. */
function groupCaller(group: ScenarioAutoScalingGroup): Caller {
  const caller = autoScalingCaller(group.account);
  if (!group.serviceLinkedRoleArn) return caller;
  // A custom-suffix role (AWSServiceRoleForAutoScaling_<suffix>) has its own session name.
  const roleName = group.serviceLinkedRoleArn.split('/').pop() ?? 'AWSServiceRoleForAutoScaling';
  return {
    ...caller,
    principal: { ...caller.principal, arn: group.serviceLinkedRoleArn, name: roleName },
    arn: `arn:aws:sts::${group.account}:assumed-role/${roleName}/AutoScaling`,
  };
}

/** The configuration's block devices as a launch request's; `NoDevice` cannot be expressed there. */
function requestDevices(configuration: ScenarioLaunchConfiguration): ScenarioLaunchDevice[] {
  return (configuration.blockDevices ?? []).map((device) => {
    if (device.noDevice)
      throw new Error(
        `launch configuration ${configuration.name}: NoDevice on ${device.deviceName} is not supported by the launcher`,
      );
    const ebs: ScenarioLaunchDevice = { deviceName: device.deviceName };
    if (device.snapshotId) ebs.snapshotId = device.snapshotId;
    if (device.encrypted !== undefined) ebs.encrypted = device.encrypted;
    if (device.volumeSizeGiB !== undefined) ebs.volumeSizeGiB = device.volumeSizeGiB;
    if (device.volumeType) ebs.volumeType = device.volumeType;
    return ebs;
  });
}

/**
 * Launches the instances a launch-configuration group is short of, each recorded as a
 * scaling activity of the group; returns them in launch order. Throws (a test's mistake, not
 * an AWS answer) when the group or its launch configuration is not in the scenario.
 */
export async function scaleOutLaunchConfigurationGroup(
  world: World,
  groupName: string,
  account: string,
  region: string,
): Promise<InstanceRecord[]> {
  const group = (world.scenario.autoScalingGroups ?? []).find(
    (g) => g.name === groupName && g.account === account && g.region === region,
  );
  if (!group) throw new Error(`no Auto Scaling group ${groupName} in ${account}/${region}`);
  const name = group.launchConfigurationName;
  if (!name) throw new Error(`group ${groupName} has no launch configuration`);
  const configuration = (world.scenario.launchConfigurations ?? []).find(
    (c) => c.name === name && c.account === account && c.region === region,
  );
  if (!configuration) throw new Error(`no launch configuration ${name} in ${account}/${region}`);
  const inService = (group.instances ?? []).filter((i) => i.lifecycleState === 'InService').length;
  const missing = Math.max(0, group.desiredCapacity - inService);
  if (missing === 0) return [];
  const started = new Date();
  const record = (instance: InstanceRecord): void => {
    const failed = instance.state !== 'running';
    const statusMessage = failed
      ? `Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: ${instance.stateReason?.message ?? ''}`
      : undefined;
    group.activities = [
      {
        activityId: randomUUID(),
        description: `Launching a new EC2 instance: ${instance.id}${failed ? `.  Status Reason: ${statusMessage}` : ''}`,
        cause: `At ${started.toISOString().replace(/\.\d+Z$/, 'Z')} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${inService} to ${group.desiredCapacity}.`,
        statusCode: failed ? 'Cancelled' : 'Successful',
        ...(statusMessage ? { statusMessage } : {}),
        startTime: started.toISOString(),
        endTime: new Date().toISOString(),
      },
      ...(group.activities ?? []),
    ];
    if (!failed)
      group.instances = [...(group.instances ?? []), { instanceId: instance.id, lifecycleState: 'InService' }];
  };
  return launchInstances(world, groupCaller(group), {
    account,
    region,
    count: missing,
    imageId: configuration.imageId,
    ...(configuration.instanceType ? { instanceType: configuration.instanceType } : {}),
    blockDevices: requestDevices(configuration),
    invokedBy: 'autoscaling.amazonaws.com',
    tags: { 'aws:autoscaling:groupName': group.name },
    onSettled: record,
  });
}
