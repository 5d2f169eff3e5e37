/**
 * A launch template whose AMI is still a Systems Manager parameter (`resolve:ssm:<name>`: the
 * profile could not have it resolved, src/aws-records.md Q3): the prediction and the group
 * diagnosis never send it to DescribeImages, and say which parameter and permission would let
 * the AMI be read; a malformed AMI id is not sent either.
 */
import * as assert from 'node:assert/strict';
import { diagnoseAutoScalingGroup, predictLaunch } from '../../../src/core/diagnosis';
import { imageParameterOf, isAmiId, unreadImageLine } from '../../../src/core/diagnosis/launchSources';
import { messagesFor } from '../../../src/core/diagnosis/messages';
import type { LaunchTemplateVersionInfo } from '../../../src/core/model';
import { ADMIN_ONLY_POLICY, KEY_ARN, NOW, REGION, baseWorld, fakePorts, groupSummary, type World } from './fakes';

const TEMPLATE_ID = 'lt-0abc1234def567890';
const TEMPLATE = { id: TEMPLATE_ID, version: '$Default' };
const PARAMETER = '/golden/eks-node';
const AMI = 'ami-0123456789abcdef0';
const SNAPSHOT = 'snap-0123456789abcdef0';

function version(imageId: string): LaunchTemplateVersionInfo {
  return {
    templateId: TEMPLATE_ID,
    versionNumber: 1,
    defaultVersion: true,
    imageId,
    blockDevices: [{ deviceName: '/dev/xvda', volumeSizeGiB: 20 }],
  };
}

const GROUP = groupSummary('web', REGION, { launchTemplate: TEMPLATE });

/** The template names `imageId`; the AMI it would resolve to has a root snapshot on KEY_ARN. */
function world(imageId: string): World {
  return baseWorld({
    templates: [version(imageId)],
    images: [{ imageId: AMI, blockDevices: [{ deviceName: '/dev/xvda', snapshotId: SNAPSHOT, encrypted: true }] }],
    snapshots: [{ snapshotId: SNAPSHOT, encrypted: true, kmsKeyId: KEY_ARN }],
    keyPolicies: { [KEY_ARN]: ADMIN_ONLY_POLICY },
    groups: [GROUP],
    activities: [],
    events: [],
  });
}

describe('a template AMI that is a Systems Manager parameter', () => {
  it('is told from an AMI id', () => {
    assert.equal(imageParameterOf(`resolve:ssm:${PARAMETER}`), PARAMETER);
    assert.equal(imageParameterOf(`resolve:ssm:${PARAMETER}:3`), `${PARAMETER}:3`);
    assert.equal(imageParameterOf(AMI), undefined);
    assert.equal(isAmiId(AMI), true);
    assert.equal(isAmiId(`resolve:ssm:${PARAMETER}`), false);
    assert.equal(isAmiId('ami-'), false);
    assert.equal(isAmiId('ami-0abc/../x'), false);
    assert.equal(isAmiId(undefined), false);
  });

  it('the line names the parameter, that its snapshots are not read, and ssm:GetParameters for the profile', () => {
    const line = unreadImageLine(`resolve:ssm:${PARAMETER}`, messagesFor('dev'));
    assert.match(
      line,
      /^The template's AMI is the Systems Manager parameter \/golden\/eks-node: its snapshots are not read; /,
    );
    assert.match(line, /allow ssm:GetParameters on it for the identity of profile "dev"/);
  });

  it('the prediction for the template: unknown, with the line, and DescribeImages never asked', async () => {
    const ports = fakePorts(world(`resolve:ssm:${PARAMETER}`));
    const p = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: 'dev', region: REGION },
      ports,
    );
    assert.equal(p.outcome, 'unknown', p.reason);
    assert.ok(
      p.unread.some((u) => u === `Launch keys: ${unreadImageLine(`resolve:ssm:${PARAMETER}`, messagesFor('dev'))}`),
      JSON.stringify(p.unread),
    );
    assert.ok(!ports.log.some((l) => l.startsWith('describeImages')), ports.log.join('\n'));
    assert.ok(!ports.log.some((l) => l.startsWith('describeSnapshots')), ports.log.join('\n'));
  });

  it('the prediction for a group on it: the same line, for the group', async () => {
    const ports = fakePorts(world(`resolve:ssm:${PARAMETER}`));
    const p = await predictLaunch(
      { subject: { kind: 'auto-scaling-group', groupName: 'web' }, profile: 'dev', region: REGION },
      ports,
    );
    assert.notEqual(p.outcome, 'will-launch', p.reason);
    assert.ok(
      p.unread.some((u) => u.includes(`Systems Manager parameter ${PARAMETER}`) && u.includes('ssm:GetParameters')),
      JSON.stringify(p.unread),
    );
    assert.ok(!ports.log.some((l) => l.startsWith('describeImages')), ports.log.join('\n'));
  });

  it('once resolved (the AMI id comes back), the snapshot key is found and the launch predicted to fail', async () => {
    const ports = fakePorts(world(AMI));
    const p = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: 'dev', region: REGION },
      ports,
    );
    assert.equal(p.outcome, 'will-fail', p.reason);
    assert.deepEqual(
      p.keys.map((k) => k.arn),
      [KEY_ARN],
    );
    assert.ok(
      p.unread.every((u) => !/Systems Manager/.test(u)),
      JSON.stringify(p.unread),
    );
  });

  it('the group diagnosis: a caveat and a launch step error with the line, DescribeImages never asked', async () => {
    const ports = fakePorts(world(`resolve:ssm:${PARAMETER}`));
    const report = await diagnoseAutoScalingGroup({ groupName: 'web', profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    const line = unreadImageLine(`resolve:ssm:${PARAMETER}`, messagesFor('dev'));
    assert.ok(
      report.verdict.caveats.some((c) => c.includes(line)),
      JSON.stringify(report.verdict.caveats),
    );
    const launch = report.steps.find((s) => s.id === 'launch-template');
    assert.equal(launch?.status, 'error', JSON.stringify(launch));
    assert.ok(
      launch?.evidence.some((e) => e.label === 'ssm:GetParameters' && e.value === line),
      JSON.stringify(launch?.evidence),
    );
    assert.ok(!ports.log.some((l) => l.startsWith('describeImages')), ports.log.join('\n'));
  });

  it('a malformed AMI id is not sent to DescribeImages either, and is named', async () => {
    const ports = fakePorts(world('not-an-ami'));
    const p = await predictLaunch(
      { subject: { kind: 'launch-template', template: TEMPLATE }, profile: 'dev', region: REGION },
      ports,
    );
    assert.ok(
      p.unread.some((u) => u.includes('The launch names not-an-ami as its AMI, which is not an AMI id')),
      JSON.stringify(p.unread),
    );
    assert.ok(!ports.log.some((l) => l.startsWith('describeImages')), ports.log.join('\n'));
  });
});
