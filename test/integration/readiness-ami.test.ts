/**
 * Launch readiness for a launch template, and for a group on it, whose version names no key
 * while its AMI's root snapshot is encrypted with a customer managed key: the volume takes the
 * snapshot's key, so the prediction must read the AMI the template names. The autoscaling
 * scenario, changed so: the snapshot is encrypted with its key (whose policy only delegates to
 * the account), and the default version's root mapping names no key. Each prediction is then
 * held against the emulator's own answer to the launch it predicts.
 */
import * as assert from 'node:assert/strict';
import { createDiagnosisPorts } from '../../src/aws';
import { predictLaunch } from '../../src/core/diagnosis';
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
  allowing,
  launchFromTemplate,
  useLaunchWorld,
} from './support/launchWorld';

const DEPLOYER = 'deployer';
const DEPLOYER_ARN = `arn:aws:iam::${ACCOUNT}:user/deployer`;
const TEMPLATE = { id: LAUNCH_TEMPLATE_ID, version: '$Default' };

function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const [snapshot] = base.snapshots ?? [];
  const [image] = base.images ?? [];
  const [template] = base.launchTemplates ?? [];
  const [group] = base.autoScalingGroups ?? [];
  assert.ok(snapshot && image && template && group, 'the autoscaling scenario has them');
  const deployer = {
    name: DEPLOYER,
    account: ACCOUNT,
    arn: DEPLOYER_ARN,
    accessKeyId: 'AKIADEPLOYER00000002',
    secretAccessKey: 'deployerSecret00000000000000000000000002',
    region: REGION,
    policies: [allowing('ec2-only', 'ec2:*')],
  };
  return {
    ...base,
    principals: [...base.principals, deployer],
    snapshots: [{ ...snapshot, encrypted: true, kmsKeyId: KEY_ARN }],
    images: [{ ...image, blockDevices: image.blockDevices.map((d) => ({ ...d, encrypted: true })) }],
    launchTemplates: [
      {
        ...template,
        versions: template.versions.map((v) =>
          v.default ? { ...v, blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }] } : v,
        ),
      },
    ],
    autoScalingGroups: [{ ...group, activities: [] }],
    instances: [],
    trailEvents: [],
  } as Scenario;
}

describe("readiness reads the launch template's AMI (real SDK over HTTP)", function () {
  this.timeout(60_000);
  const world = useLaunchWorld('readiness-ami', scenario);

  it('a group on the template: will-fail for its role on the snapshot key, and the launch is refused', async () => {
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

    const [launched] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(launched, 'the group launches');
    assert.notEqual(launched.state, 'running', 'the emulator refuses it, as predicted');
  });

  it('the template for a deployer without KMS permissions: will-fail, and RunInstances ends terminated', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const prediction = await predictLaunch(
      {
        subject: { kind: 'launch-template', template: TEMPLATE },
        launchingPrincipalArn: DEPLOYER_ARN,
        profile: ADMIN,
        region: REGION,
      },
      ports,
    );
    assert.equal(prediction.outcome, 'will-fail', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.equal(prediction.code, 'kms-create-grant-not-allowed');
    assert.deepEqual(
      prediction.keys.map((k) => k.arn),
      [KEY_ARN],
    );

    const { instance } = await launchFromTemplate(world.session, DEPLOYER);
    assert.equal(instance?.state, 'terminated', 'the emulator refuses it, as predicted');
  });

  it('the same template for the administrator, whom IAM and the key policy allow: will-launch, and it runs', async () => {
    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
    const prediction = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: ADMIN, region: REGION },
      ports,
    );
    assert.equal(prediction.outcome, 'will-launch', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.deepEqual(
      prediction.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    const { instance } = await launchFromTemplate(world.session, ADMIN);
    assert.equal(instance?.state, 'running');
  });
});
