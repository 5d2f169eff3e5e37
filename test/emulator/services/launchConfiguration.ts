/**
 * What a group on a launch configuration asks EC2 for: the configuration's AMI, instance type
 * and block devices, as RunInstances would take them in the request. `scaleOutGroup` and
 * `fillWarmPool` (ec2Run.ts) launch them as the group's service-linked role's `AutoScaling`
 * session and record the scaling activities (src/aws-records.md Q3). A launch configuration
 * cannot name a KMS key (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Ebs.html),
 * so an encrypted volume takes its snapshot's key or the account's default EBS key; the EC2
 * launch machinery decides that and asks KMS.
 */
import type { ScenarioAutoScalingGroup, ScenarioLaunchConfiguration, ScenarioLaunchDevice } from '../scenario';
import type { World } from '../state';
import type { LaunchSpec } from './ec2Run';

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
 * The launch request of the group's launch configuration `name`. Throws (a test's mistake, not
 * an AWS answer) when the configuration is not in the scenario.
 */
export function launchConfigurationRequest(
  world: World,
  group: ScenarioAutoScalingGroup,
  name: string,
): Pick<LaunchSpec, 'imageId' | 'instanceType' | 'blockDevices'> {
  const configuration = (world.scenario.launchConfigurations ?? []).find(
    (c) => c.name === name && c.account === group.account && c.region === group.region,
  );
  if (!configuration) throw new Error(`no launch configuration ${name} in ${group.account}/${group.region}`);
  return {
    imageId: configuration.imageId,
    ...(configuration.instanceType ? { instanceType: configuration.instanceType } : {}),
    blockDevices: requestDevices(configuration),
  };
}
