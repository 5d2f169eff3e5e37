/**
 * A launch template whose AMI is a Systems Manager parameter (`resolve:ssm:<name>`,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html):
 * DescribeLaunchTemplateVersions names the parameter unless asked with ResolveAlias, which
 * needs ssm:GetParameters on it. The autoscaling scenario, changed so: the default version's
 * `ImageId` is the parameter, whose value is the AMI; the AMI's root snapshot is encrypted with
 * the customer managed key, whose policy only delegates to the account; the version's root
 * mapping names no key. A reader allowed everything but Systems Manager reads the same template.
 */
import * as assert from 'node:assert/strict';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { createDiagnosisPorts } from '../../src/aws';
import { describeLaunchTemplateVersions } from '../../src/aws/ec2';
import { diagnoseAutoScalingGroup, predictLaunch } from '../../src/core/diagnosis';
import { loadScenario, type Scenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';
import {
  ACCOUNT,
  ADMIN,
  GROUP,
  KEY_ARN,
  LAUNCH_TEMPLATE_ID,
  REGION,
  SLR_ARN,
  launchFromTemplate,
  useLaunchWorld,
  value,
} from './support/launchWorld';

const PARAMETER = '/golden/eks-node';
const PARAMETER_IMAGE = `resolve:ssm:${PARAMETER}`;
/** Allowed every action but Systems Manager's: it reads templates, AMIs and keys, never a parameter. */
const READER = 'no-ssm-reader';
const TEMPLATE = { id: LAUNCH_TEMPLATE_ID, version: '$Default' };

function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const [snapshot] = base.snapshots ?? [];
  const [image] = base.images ?? [];
  const [template] = base.launchTemplates ?? [];
  const [group] = base.autoScalingGroups ?? [];
  assert.ok(snapshot && image && template && group, 'the autoscaling scenario has them');
  const reader = {
    name: READER,
    account: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/no-ssm-reader`,
    accessKeyId: 'AKIANOSSMREADER00003',
    secretAccessKey: 'noSsmReaderSecret000000000000000000000003',
    region: REGION,
    policies: [
      {
        name: 'everything-but-ssm',
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 'ssm:*', Resource: '*' }] },
      },
    ],
  };
  return {
    ...base,
    principals: [...base.principals, reader],
    snapshots: [{ ...snapshot, encrypted: true, kmsKeyId: KEY_ARN }],
    images: [{ ...image, blockDevices: image.blockDevices.map((d) => ({ ...d, encrypted: true })) }],
    ssmParameters: [{ name: PARAMETER, account: ACCOUNT, region: REGION, value: image.id }],
    launchTemplates: [
      {
        ...template,
        versions: template.versions.map((v) =>
          v.default
            ? { ...v, imageId: PARAMETER_IMAGE, blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }] }
            : v,
        ),
      },
    ],
    autoScalingGroups: [{ ...group, activities: [] }],
    instances: [],
    trailEvents: [],
  } as Scenario;
}

describe('a launch template whose AMI is a Systems Manager parameter (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('ssm-ami', scenario);
  /** The AMI the parameter holds. */
  const imageId = (): string => world.emulator.scenario.images?.[0]?.id ?? assert.fail('the scenario has an AMI');

  it('DescribeLaunchTemplateVersions resolves the parameter for a caller allowed ssm:GetParameters, once', async () => {
    const before = world.emulator.callCount({ service: 'ec2', action: 'DescribeLaunchTemplateVersions' });
    const [version] = value(await describeLaunchTemplateVersions(world.session, ADMIN, REGION, TEMPLATE));
    assert.equal(version?.imageId, imageId());
    assert.equal(world.emulator.callCount({ service: 'ec2', action: 'DescribeLaunchTemplateVersions' }) - before, 1);
  });

  it('without ssm:GetParameters the template is still read, its AMI left the parameter', async () => {
    const [version] = value(await describeLaunchTemplateVersions(world.session, READER, REGION, TEMPLATE));
    assert.equal(version?.imageId, PARAMETER_IMAGE);
  });

  it('the template for its administrator: the snapshot key is found; the group is predicted to fail, then refused', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const prediction = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: GROUP }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(prediction.outcome, 'will-fail', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.equal(prediction.code, 'kms-create-grant-not-allowed');
    assert.equal(prediction.principal?.policyArn, SLR_ARN);
    assert.deepEqual(
      prediction.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    assert.equal(prediction.calls.byAction['ec2:DescribeImages'], 1);

    // Auto Scaling resolves the parameter as its role (AutoScalingServiceRolePolicy allows
    // ssm:GetParameters), then KMS refuses the role the snapshot's key.
    const [launched] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(launched, 'the group launches');
    assert.equal((launched as { imageId?: string }).imageId, imageId(), 'from the AMI the parameter holds');
    assert.equal(launched.state, 'terminated', 'the emulator refuses it, as predicted');

    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(report.principal?.policyArn, SLR_ARN);
    assert.ok(
      report.verdict.caveats.every((c) => !/Systems Manager|Malformed|Invalid id/i.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
  });

  it('RunInstances from the template resolves the parameter as the caller, too', async () => {
    const { output, instance } = await launchFromTemplate(world.session, ADMIN);
    assert.equal(output.Instances?.[0]?.ImageId, imageId(), 'from the AMI the parameter holds');
    assert.equal(instance?.state, 'running', 'the administrator may use the key');
  });

  it('RunInstances from the template by a caller without ssm:GetParameters is refused, naming it', async () => {
    const out = await world.session.send(
      'EC2',
      READER,
      REGION,
      new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: LAUNCH_TEMPLATE_ID }, MinCount: 1, MaxCount: 1 }),
      'ec2:RunInstances',
    );
    assert.ok(!out.ok, 'the launch is refused');
    assert.equal(out.error.kind, 'access-denied');
    assert.match(out.error.message, /ssm:GetParameters/);
  });

  it('a profile without ssm:GetParameters: the line naming the parameter and the permission, never a malformed AMI id', async () => {
    const images = world.emulator.callCount({ service: 'ec2', action: 'DescribeImages' });
    const ports = createDiagnosisPorts(world.session, READER, REGION);
    const prediction = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: READER, region: REGION },
      ports,
    );
    assert.equal(prediction.outcome, 'unknown', `${prediction.reason} ${prediction.unread.join(' ')}`);
    const line = prediction.unread.find((u) => u.includes(`Systems Manager parameter ${PARAMETER}`));
    assert.ok(line, prediction.unread.join(' | '));
    assert.match(line, /ssm:GetParameters/);
    assert.match(line, new RegExp(`profile "${READER}"`));
    assert.ok(
      prediction.unread.every((u) => !/Malformed|Invalid id|ec2:DescribeImages/.test(u)),
      prediction.unread.join(' | '),
    );

    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: READER, region: REGION }, ports);
    assert.ok(
      report.verdict.caveats.some(
        (c) => c.includes(`Systems Manager parameter ${PARAMETER}`) && /ssm:GetParameters/.test(c),
      ),
      JSON.stringify(report.verdict.caveats),
    );
    assert.ok(
      report.verdict.caveats.every((c) => !/Malformed|Invalid id/.test(c)),
      JSON.stringify(report.verdict.caveats),
    );
    const launch = report.steps.find((s) => s.id === 'launch-template');
    assert.equal(launch?.status, 'error', JSON.stringify(launch));
    assert.equal(
      world.emulator.callCount({ service: 'ec2', action: 'DescribeImages' }),
      images,
      'the parameter is never sent to DescribeImages',
    );
  });
});
